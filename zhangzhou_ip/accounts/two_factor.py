"""Two-factor authentication with an authenticator app (TOTP, django-otp). Decision 0015.

Who must give a code after the password: every user who turned it on (a confirmed
``TOTPDevice``), and superusers while ``OTP_REQUIRED_FOR_SUPERUSERS`` is on (production
default) — they are sent to set it up first. Whether the user has a device is remembered in
the session at login (and by the pages that add or remove one), so the check costs no query
per request.

Models are imported inside the functions: ``authentication.py`` imports this module while
DRF reads its settings, which may happen before the app registry is ready.
"""

from __future__ import annotations

import base64
import binascii
import time

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

ENROLLED_KEY = "two_factor_enrolled"
PENDING_KEY = "two_factor_pending_key"
SETUP, VERIFY = "setup", "verify"


def required_for(user) -> bool:
    """Superusers must use a second factor while the setting is on."""
    return bool(
        getattr(user, "is_superuser", False)
        and getattr(settings, "OTP_REQUIRED_FOR_SUPERUSERS", False)
    )


def confirmed_device(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def remember_enrolment(session, user) -> None:
    session[ENROLLED_KEY] = confirmed_device(user) is not None


def pending_step(request) -> str | None:
    """``"verify"`` (has a device, this session has not given a code), ``"setup"`` (must
    have one, has none) or ``None`` (may go on)."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return None
    if request.session.get(ENROLLED_KEY):
        return VERIFY
    if required_for(user):
        return SETUP
    return None


def new_key() -> str:
    """A fresh secret (20 random bytes, hex as django-otp stores it)."""
    from django_otp.util import random_hex

    return random_hex(20)


def base32_secret(key_hex: str) -> str:
    """The secret as authenticator apps take it when typed in, in groups of four."""
    raw = base64.b32encode(binascii.unhexlify(key_hex)).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def provisioning_uri(user, key_hex: str) -> str:
    """The ``otpauth://`` URI the QR code carries (issuer: ``OTP_TOTP_ISSUER``)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice(user=user, key=key_hex).config_url


def qr_svg(uri: str, title: str) -> SafeString:
    """The QR code as inline SVG: no image route, no script, nothing for the CSP to allow."""
    import segno

    svg = segno.make(uri, error="m").svg_inline(scale=5, border=2, title=title)
    return mark_safe(svg)  # segno's own markup; it escapes the title


def matching_step(key_hex: str, code: str, tolerance: int = 1) -> int | None:
    """The time step ``code`` belongs to for this key (±``tolerance`` steps), else None.

    Used only to confirm a new key, which is not stored yet; stored devices are checked by
    ``django_otp.verify_token`` (throttled).
    """
    from django_otp.oath import TOTP

    try:
        token = int(code)
    except (TypeError, ValueError):
        return None
    totp = TOTP(binascii.unhexlify(key_hex))
    totp.time = time.time()
    if totp.verify(token, tolerance=tolerance):
        return totp.t()
    return None
