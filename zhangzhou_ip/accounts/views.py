"""Two-factor pages: set up (scan a QR code, confirm with a code), verify after the password,
turn off (with a current code). ``TwoFactorMiddleware`` sends users here when needed."""

from __future__ import annotations

from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhangzhou_ip.accounts import two_factor
from zhangzhou_ip.accounts.forms import CodeForm


def _next_url(request: HttpRequest) -> str:
    """Where to go afterwards: a same-site ``next`` or the home page."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, request: HttpRequest) -> HttpResponse:
    """Redirect to another two-factor page, passing ``next`` on."""
    response = redirect(name)
    nxt = request.POST.get("next") or request.GET.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        response["Location"] += "?" + urlencode({"next": nxt})
    return response


def _wrong_code_message() -> str:
    return _(
        "This code is wrong or has expired. Check that your phone's clock is right and enter "
        "the code your app shows now."
    )


def _check_stored_device(
    request: HttpRequest, device: TOTPDevice, form: CodeForm
) -> TOTPDevice | None:
    """The device if the code is right, else None with the reason added to the form.

    django-otp throttles failures (after n wrong codes the next try must wait 2^(n-1)
    seconds, ``OTP_TOTP_THROTTLE_FACTOR``); a throttled try is not even checked.
    """
    allowed, info = device.verify_is_allowed()
    if not allowed:
        locked_until = (info or {}).get("locked_until") or timezone.now()
        seconds = max(1, int((locked_until - timezone.now()).total_seconds()) + 1)
        form.add_error(
            "code",
            _("Too many wrong codes. Wait %(seconds)s seconds, then try again.")
            % {"seconds": seconds},
        )
        return None
    verified = django_otp.verify_token(
        request.user, device.persistent_id, form.cleaned_data["code"]
    )
    if verified is None:
        form.add_error("code", _wrong_code_message())
    return verified


@method_decorator([never_cache, sensitive_post_parameters("code")], name="dispatch")
class SetupView(View):
    """Show a new secret (QR code and text) and store it as a confirmed device once the user
    proves with a code that their app has it. The secret waits in the session until then, so
    abandoned setups leave no rows."""

    template_name = "accounts/two_factor_setup.html"

    def dispatch(self, request, *args, **kwargs):
        device = two_factor.confirmed_device(request.user)
        if device is not None:
            request.session[two_factor.ENROLLED_KEY] = True
            if not request.user.is_verified():
                return _with_next("accounts:two-factor-verify", request)
            messages.info(request, _("Two-factor authentication is already on."))
            return redirect("accounts:two-factor-disable")
        return super().dispatch(request, *args, **kwargs)

    def _key(self, request) -> str:
        key = request.session.get(two_factor.PENDING_KEY)
        if not key:
            key = two_factor.new_key()
            request.session[two_factor.PENDING_KEY] = key
        return key

    def get(self, request):
        return self._render(request, CodeForm())

    def post(self, request):
        form = CodeForm(request.POST)
        if not form.is_valid():
            return self._render(request, form)
        key = self._key(request)
        step = two_factor.matching_step(key, form.cleaned_data["code"])
        if step is None:
            form.add_error("code", _wrong_code_message())
            return self._render(request, form)
        with transaction.atomic():
            TOTPDevice.objects.filter(user=request.user).delete()  # one device per user
            device = TOTPDevice.objects.create(
                user=request.user,
                name=_("Authenticator app"),
                key=key,
                confirmed=True,
                last_t=step,  # the code just used cannot be used again
            )
        del request.session[two_factor.PENDING_KEY]
        request.session[two_factor.ENROLLED_KEY] = True
        django_otp.login(request, device)
        messages.success(
            request,
            _(
                "Two-factor authentication is on. From now on you will be asked for a code "
                "from your app after your password."
            ),
        )
        return redirect(_next_url(request))

    def _render(self, request, form) -> HttpResponse:
        key = self._key(request)
        uri = two_factor.provisioning_uri(request.user, key)
        context = {
            "form": form,
            "qr_svg": two_factor.qr_svg(uri, _("QR code for your authenticator app")),
            "secret": two_factor.base32_secret(key),
            "account": request.user.get_username(),
            "issuer": getattr(settings, "OTP_TOTP_ISSUER", ""),
            "required": two_factor.required_for(request.user),
            "next": request.POST.get("next") or request.GET.get("next") or "",
        }
        return render(request, self.template_name, context)


@method_decorator([never_cache, sensitive_post_parameters("code")], name="dispatch")
class VerifyView(View):
    """After the password: the code from the app marks this session as verified."""

    template_name = "accounts/two_factor_verify.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_verified():
            return redirect(_next_url(request))
        self.device = two_factor.confirmed_device(request.user)
        if self.device is None:
            # Removed by an administrator (lost phone): nothing to verify against.
            request.session[two_factor.ENROLLED_KEY] = False
            if two_factor.required_for(request.user):
                return _with_next("accounts:two-factor-setup", request)
            return redirect(_next_url(request))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self._render(request, CodeForm())

    def post(self, request):
        form = CodeForm(request.POST)
        device = form.is_valid() and _check_stored_device(request, self.device, form)
        if device:
            django_otp.login(request, device)
            request.session.cycle_key()
            return redirect(_next_url(request))
        return self._render(request, form)

    def _render(self, request, form) -> HttpResponse:
        context = {
            "form": form,
            "next": request.POST.get("next") or request.GET.get("next") or "",
        }
        return render(request, self.template_name, context)


@method_decorator([never_cache, sensitive_post_parameters("code")], name="dispatch")
class DisableView(View):
    """Show that two-factor is on, and turn it off with a current code (not while it is
    required for this user)."""

    template_name = "accounts/two_factor_disable.html"

    def dispatch(self, request, *args, **kwargs):
        self.device = two_factor.confirmed_device(request.user)
        if self.device is None:
            return redirect("accounts:two-factor-setup")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self._render(request, CodeForm())

    def post(self, request):
        if two_factor.required_for(request.user):
            raise PermissionDenied(
                _(
                    "Two-factor authentication is required for administrators; it cannot be "
                    "turned off."
                )
            )
        form = CodeForm(request.POST)
        if form.is_valid() and _check_stored_device(request, self.device, form):
            TOTPDevice.objects.filter(user=request.user).delete()
            request.session[two_factor.ENROLLED_KEY] = False
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("home")
        return self._render(request, form)

    def _render(self, request, form) -> HttpResponse:
        context = {
            "form": form,
            "device": self.device,
            "required": two_factor.required_for(request.user),
        }
        return render(request, self.template_name, context)
