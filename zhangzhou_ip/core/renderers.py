"""DRF's browsable API under the Content-Security-Policy (decision 0016).

DRF's own templates put ``style`` attributes on a few elements (floats, a search box width) and
a pygments ``<style>`` for Markdown descriptions. Copying those templates to change five
attributes would have to be repeated on every DRF upgrade, so the browsable pages, and only
they, allow style attributes (``style-src-attr 'unsafe-inline'``). Scripts and ``<style>``
elements stay strict; the pygments block is left out (Markdown is not installed, so it styles
nothing). JSON answers are unaffected.
"""

from __future__ import annotations

from typing import Any

from csp.constants import UNSAFE_INLINE
from rest_framework import renderers

BROWSABLE_API_CSP = {"style-src-attr": [UNSAFE_INLINE]}


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    def get_context(
        self, data: Any, accepted_media_type: str, renderer_context: dict[str, Any]
    ) -> dict[str, Any]:
        context = super().get_context(data, accepted_media_type, renderer_context)
        context["code_style"] = None
        response = renderer_context["response"]
        # What csp.decorators.csp_update sets, for the enforced and the report-only policy.
        for attribute in ("_csp_update", "_csp_update_ro"):
            merged = {**BROWSABLE_API_CSP, **(getattr(response, attribute, None) or {})}
            setattr(response, attribute, merged)
        return context
