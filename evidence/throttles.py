"""One rate limit for public verification, shared by the page and the API."""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.throttling import SimpleRateThrottle


class VerifyRateThrottle(SimpleRateThrottle):
    """Per client address (``EVIDENCE_VERIFY_RATE``, default 30 per minute)."""

    scope = "evidence-verify"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def allow_verification(request: HttpRequest) -> tuple[bool, float | None]:
    """For the HTML page: (allowed, seconds to wait)."""
    throttle = VerifyRateThrottle()
    if throttle.allow_request(request, None):
        return True, None
    return False, throttle.wait()
