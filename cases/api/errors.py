"""How the case API documents its error answers (shared by every case viewset)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse

from cases.api import serializers as s

ERRORS = {
    400: OpenApiResponse(
        s.DomainErrorSerializer,
        description='Invalid field (`{"field": ["message"]}`) or a condition not met '
        '(`{"detail": "…", "code": "…"}`).',
    ),
    403: OpenApiResponse(s.DomainErrorSerializer, description="You may not do this."),
    404: OpenApiResponse(description="No such object among those you may see."),
    409: OpenApiResponse(
        s.DomainErrorSerializer,
        description="The object is not in a state that allows this, or it was changed by "
        "someone else since you read it (stale `version`).",
    ),
}


def _responses(ok: Any, *codes: int, ok_status: int = 200) -> dict[int, Any]:
    return {ok_status: ok, **{code: ERRORS[code] for code in codes}}
