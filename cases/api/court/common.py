"""Shared shapes and helpers of the court API (issue 4)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema_field,
)
from rest_framework import serializers

from alliance.models import Organization
from cases import selectors
from cases.api.serializers import _request_user
from cases.forms.sessions import check_agreement_document
from cases.models import (
    JudicialConfirmation,
    MediationCase,
)

CStatus = JudicialConfirmation.Status
WRITE_ERRORS = (400, 403, 404, 409)
BINARY = {(200, "*/*"): OpenApiTypes.BINARY}  # the stored file, in its own type


def _courts() -> QuerySet[Organization]:
    return Organization.objects.filter(kind=Organization.Kind.COURT, is_active=True)


def _visible_cases(serializer: serializers.Serializer) -> QuerySet[MediationCase]:
    user = _request_user(serializer)
    return selectors.case_visible_to(user) if user is not None else MediationCase.objects.none()


def _check_upload(upload: Any) -> Any:
    """The web's size/extension/content check, before a service stores anything."""
    try:
        check_agreement_document(upload)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from exc
    return upload


def _values(choices: list[tuple[str, str]]) -> Any:
    return format_lazy(_("One of: {values}."), values=", ".join(value for value, _l in choices))


@extend_schema_field(OpenApiTypes.STR)
class PlainChoiceField(serializers.ChoiceField):
    """Validated against its choices, documented as a string with the values listed: other
    models' ``status``, ``kind`` and ``outcome`` enums keep their schema names (a second choice
    set under the same property name would rename them)."""

    def __init__(self, *, choices: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _values(list(choices)))
        super().__init__(choices=choices, **kwargs)


def _plain(choices: Any, **kwargs: Any) -> serializers.CharField:
    """A read-only code documented as a string with its values listed (see PlainChoiceField)."""
    return serializers.CharField(read_only=True, help_text=_values(list(choices)), **kwargs)


# --- shapes -----------------------------------------------------------------------------------


class CourtRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "court_code"]
        read_only_fields = fields


class CaseRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = MediationCase
        fields = ["id", "number", "title"]
        read_only_fields = fields


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("The version you read; a stale version is refused with 409."),
    )


def _version(data: dict[str, Any]) -> int | None:
    return data.get("version")
