"""The API documentation pages (Swagger UI, Redoc) under the Content-Security-Policy.

drf-spectacular's stock pages put their start-up script and a few style rules inline, which
the site-wide policy (no inline script or style, decision 0016) blocks. Swagger UI works
strictly once its start-up script is a separate request (``SpectacularSwaggerSplitView``) and
the page's style rules are a static file. Redoc cannot: its bundle (styled-components) writes
<style> elements at run time and builds its search index in a Worker made from a blob: URL.
So the Redoc page, and only it, allows <style> elements carrying this response's nonce (Redoc
stamps its nonce option on every <style> it writes), the one <style> its bundle writes before it
knows the nonce (perfect-scrollbar's rules, allowed by their hash) and blob: workers. Scripts
stay 'self'. Its attribution logo (cdn.redoc.ly) stays blocked by img-src: no third-party
requests; Redoc hides the image when it fails and the link text remains.
"""

from __future__ import annotations

from typing import Any

from csp.constants import NONCE
from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.request import Request
from rest_framework.response import Response

# sha256 of the perfect-scrollbar <style> that redoc.standalone.js of drf-spectacular-sidecar
# 2026.10.1 writes when it loads. Another sidecar version may change it: run the browser check
# (a blocked <style> on the Redoc page) and take the hash from Chromium's console message.
REDOC_SIDECAR_VERSION = "2026.10.1"
REDOC_PERFECT_SCROLLBAR_HASH = "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='"
# The bundle inserts that <style> empty and fills it afterwards; the browser checks both states.
EMPTY_STYLE_HASH = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"  # sha256 of ""
REDOC_CSP = {
    "style-src": [NONCE, REDOC_PERFECT_SCROLLBAR_HASH, EMPTY_STYLE_HASH],
    "worker-src": ["blob:"],
}


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI; its initialisation script is served by the same URL with ``?script``."""

    template_name = "api/swagger_ui.html"


# Applied to the enforced and to the report-only policy, whichever settings.py configures.
@method_decorator(csp_update(REDOC_CSP), name="dispatch")
@method_decorator(csp_update(REDOC_CSP, REPORT_ONLY=True), name="dispatch")
class RedocView(SpectacularRedocView):
    """Redoc, started by a static script with the nonce of this response (see module doc)."""

    template_name = "api/redoc.html"

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        # The template hands these to json_script (the stock template pastes them into a script).
        response.data["redoc_options"] = spectacular_settings.REDOC_UI_SETTINGS or {}
        return response
