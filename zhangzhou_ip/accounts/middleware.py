"""The middleware of the login protection (order in settings.MIDDLEWARE matters):

- ``SessionPolicyMiddleware`` (after the message middleware): absolute and idle session limits;
- ``TwoFactorMiddleware`` (after ``django_otp.middleware.OTPMiddleware`` and the login
  requirement): a session that owes a code goes to the code page before anything else.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from zhangzhou_ip.accounts import two_factor
from zhangzhou_ip.accounts.sessions import SessionPolicyMiddleware
from zhangzhou_ip.core.middleware import API_PREFIX

__all__ = ["SessionPolicyMiddleware", "TwoFactorMiddleware"]

#: Pages a session that owes a code may still open: the code pages themselves, logging out,
#: switching language, the probes, and the token endpoint (it authenticates by password and
#: refuses superusers itself while two-factor is required).
EXEMPT_VIEWS = frozenset(
    {
        "accounts:two-factor-setup",
        "accounts:two-factor-verify",
        "login",
        "logout",
        "set_language",
        "healthz",
        "readyz",
        "admin:logout",
        "api:auth-token",
    }
)


class TwoFactorMiddleware:
    """Superusers (while ``OTP_REQUIRED_FOR_SUPERUSERS`` is on) and users who turned
    two-factor on must give a code after their password: every page, the admin included,
    redirects to the setup page (no device yet) or the code page; the API answers 403 JSON
    naming the reason (``code: "otp_required"``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and match.view_name in EXEMPT_VIEWS:
            return None
        step = two_factor.pending_step(request)
        if step is None:
            return None
        if request.path.startswith(API_PREFIX):
            return JsonResponse(
                {
                    "detail": _(
                        "Two-factor authentication is required: log in on the website and "
                        "enter the code from your authenticator app first."
                    ),
                    "code": "otp_required",
                },
                status=403,
            )
        target = reverse(f"accounts:two-factor-{step}")
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
