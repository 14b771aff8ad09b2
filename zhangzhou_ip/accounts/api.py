"""``POST /api/v1/auth/token/``: a username and password for the user's API token.

The same protection as the login page: failures count towards the lockout (axes sees the
underlying ``HttpRequest``), a locked-out pair gets 429 JSON and no token even with the right
password, a success clears the pair's failures; superusers get no token while two-factor is
required for them (403, a token would bypass the code).
"""

from __future__ import annotations

from axes.utils import reset as axes_reset
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from zhangzhou_ip.accounts.authentication import refuse_token_for
from zhangzhou_ip.accounts.lockout import lockout_response
from zhangzhou_ip.core.api import ERRORS


class TokenRequestSerializer(AuthTokenSerializer):
    """DRF's serializer, but ``authenticate`` gets the Django request: axes records the
    attempt on it and flags a lockout there, where the view (and ``AxesMiddleware``) look."""

    def validate(self, attrs):
        request = self.context["request"]
        user = authenticate(
            request=getattr(request, "_request", request),
            username=attrs["username"],
            password=attrs["password"],
        )
        if user is None:
            raise serializers.ValidationError(
                _("Unable to log in with provided credentials."), code="authorization"
            )
        attrs["user"] = user
        return attrs


class ObtainTokenView(ObtainAuthToken):
    """Exchange a username and password for the user's API token (deliberately public)."""

    permission_classes = [AllowAny]
    serializer_class = TokenRequestSerializer

    @extend_schema(
        request=AuthTokenSerializer,
        responses={
            200: inline_serializer("AuthToken", {"token": serializers.CharField()}),
            400: ERRORS[400],
            403: OpenApiResponse(
                ERRORS[403].response,
                description="Two-factor authentication is required for this user "
                '(`"code": "otp_required"`).',
            ),
            429: OpenApiResponse(
                ERRORS[429].response,
                description="Too many failed attempts for this username from this address "
                '(`"code": "locked_out"`, with `retry_at` and a `Retry-After` header).',
            ),
        },
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        valid = serializer.is_valid()
        http_request = request._request
        if getattr(http_request, "axes_locked_out", False):
            return lockout_response(http_request)
        if not valid:
            raise exceptions.ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        refuse_token_for(user)
        address = getattr(http_request, "axes_ip_address", None)
        if address:  # as AXES_RESET_ON_SUCCESS does for the login page
            axes_reset(ip=address, username=user.get_username())
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
