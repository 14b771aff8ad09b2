"""API token authentication that honours the two-factor requirement.

A token is presented without any second factor, so while ``OTP_REQUIRED_FOR_SUPERUSERS`` is
on a superuser's token is refused (403 naming the reason) rather than letting it bypass what
the web pages demand. Kept free of ``rest_framework.views`` imports: DRF imports this module
while it reads its own settings.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from zhangzhou_ip.accounts import two_factor

OTP_REQUIRED_FOR_TOKENS = _(
    "API tokens of administrators are refused while two-factor authentication is required "
    "for them; use the website, where you are asked for the code."
)


def refuse_token_for(user) -> None:
    if two_factor.required_for(user):
        raise exceptions.PermissionDenied(
            detail={"detail": OTP_REQUIRED_FOR_TOKENS, "code": "otp_required"}
        )


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        refuse_token_for(user)
        return user, token
