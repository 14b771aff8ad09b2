"""API plumbing shared by every app: one permission class driven by django-rules, a filter
backend that refuses unknown query parameters (a typo must never return everything), strict
ordering, pagination and an exception handler that turns domain errors into JSON."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django_filters.fields import IsoDateTimeField, IsoDateTimeRangeField, RangeField
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, filters, permissions, serializers
from rest_framework.response import Response

# Query parameters every list endpoint understands besides its FilterSet's.
COMMON_PARAMS = {"cursor", "page_size", "ordering", "format"}
RANGE_SUFFIXES = ("_min", "_max", "_after", "_before", "_0", "_1")


class DisplayField(serializers.CharField):
    """A choice's label, read only: ``DisplayField(source="get_kind_display")``. The method is
    called directly; DRF's ``CharField`` would first test it with ``inspect.signature``
    (~21 µs a value, two or three values a row of every list)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> Any:
        return getattr(instance, self.source)()


def model_perm(model, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


class RulesPermission(permissions.BasePermission):
    """Every API request is checked against the app's ``rules.py``.

    Reads need the ``view_`` permission (DRF's default lets any authenticated user read).
    Objects outside the user's scope are 404 (the viewset's queryset comes from the
    selector, and ``has_object_permission`` raises 404 when ``view_`` is refused), never 403,
    so ids of other cities' objects leak nothing.
    """

    action_map = {
        "list": "view",
        "retrieve": "view",
        "create": "add",
        "update": "change",
        "partial_update": "change",
        "destroy": "delete",
        "metadata": "view",
    }

    def _perm(self, view) -> str | None:
        custom = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if custom:
            return custom
        action = self.action_map.get(getattr(view, "action", None) or "")
        if action is None:
            method_action = {"GET": "view", "HEAD": "view", "OPTIONS": "view"}
            action = method_action.get(view.request.method, "change")
        queryset = getattr(view, "queryset", None)
        model = queryset.model if queryset is not None else None
        if model is None:
            return None
        return model_perm(model, action)

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if getattr(view, "action", None) in ("list", "retrieve", "metadata"):
            # Visibility is decided per object by the selector-backed queryset.
            return True
        if getattr(view, "action", None) == "create":
            perm = self._perm(view)
            return perm is None or request.user.has_perm(perm)
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        user = request.user
        view_perm = model_perm(type(obj), "view")
        if not user.has_perm(view_perm, obj):
            raise Http404
        perm = self._perm(view)
        return perm is None or user.has_perm(perm, obj)


class StrictDjangoFilterBackend(DjangoFilterBackend):
    """The view's FilterSet, and a 400 naming any query parameter it does not know."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        known = set(COMMON_PARAMS) | set(getattr(view, "extra_query_params", ()))
        if filterset_class is not None:
            for name in filterset_class.base_filters:
                known.add(name)
                known.update(name + suffix for suffix in RANGE_SUFFIXES)
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            raise exceptions.ValidationError(
                {name: ["Unknown query parameter."] for name in unknown}, code="unknown_parameter"
            )
        return super().filter_queryset(request, queryset, view)


class StrictOrderingFilter(filters.OrderingFilter):
    """``?ordering=`` over the view's ``ordering_fields`` only; anything else is a 400."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [param.strip() for param in params.split(",") if param.strip()]
            valid = {
                item[0] for item in self.get_valid_fields(queryset, view, {"request": request})
            }
            bad = [f for f in fields if f.lstrip("-") not in valid]
            if bad:
                raise exceptions.ValidationError(
                    {self.ordering_param: [f"Unknown ordering field: {', '.join(bad)}."]},
                    code="invalid_ordering",
                )
            return fields
        return self.get_default_ordering(view)


class UTCIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, converted to UTC before it reaches a query: Python accepts UTC
    offsets up to ±23:59, PostgreSQL only up to ±15:59 ("time zone displacement out of
    range", a 500). A value that UTC puts outside the calendar (year 1 or 9999 with an offset)
    is invalid, like any unreadable one."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is not None and timezone.is_aware(parsed):
            try:
                return parsed.astimezone(dt.UTC)
            except OverflowError:
                invalid = self.error_messages["invalid"]
                raise DjangoValidationError(invalid, code="invalid") from None
        return parsed


class UTCIsoDateTimeRangeField(IsoDateTimeRangeField):
    def __init__(self, *args, **kwargs):
        RangeField.__init__(self, (UTCIsoDateTimeField(), UTCIsoDateTimeField()), *args, **kwargs)


class IsoDateTimeFromToRangeFilter(django_filters.IsoDateTimeFromToRangeFilter):
    """django-filter's ``…_after``/``…_before`` date-time range, read as UTC (see above)."""

    field_class = UTCIsoDateTimeRangeField


class SlugRelatedField(serializers.SlugRelatedField):
    """DRF's, refusing a value with a NUL character as invalid: PostgreSQL cannot hold NUL in
    text, so the lookup would fail with a ``DataError`` (a 500) instead of "no such object"."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


def exception_handler(exc: Exception, context: dict[str, Any]):
    """DRF's handler, plus domain errors and Django ``ValidationError`` as JSON.

    Field errors keep DRF's shape (``{"field": ["message"]}``); a domain error answers
    ``{"detail": "...", "code": "..."}`` with its own status (400, 403 or 409).
    """
    if isinstance(exc, DjangoValidationError):
        status = getattr(exc, "http_status", 400)
        if hasattr(exc, "error_dict"):
            data: dict[str, Any] = {k: list(v) for k, v in exc.message_dict.items()}
        else:
            data = {"detail": " ".join(str(m) for m in exc.messages)}
        code = getattr(exc, "code", None)
        if code:
            data["code"] = code
        return Response(data, status=status)
    # Imported here: rest_framework.views reads DEFAULT_PERMISSION_CLASSES (this module) at
    # import time, so a module-level import would be circular.
    from rest_framework.views import exception_handler as drf_exception_handler

    return drf_exception_handler(exc, context)


# --- how every app documents its error answers (drf-spectacular) ------------------------------


class DomainErrorSerializer(serializers.Serializer):
    """What a refused action answers (403, 404, 409, 429): the message and its code."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False)


class ValidationErrorSerializer(serializers.Serializer):
    """What invalid input answers (400): either each refused field's name with its messages
    (`{"title": ["This field is required."]}`; nested serializers nest, form-wide errors are
    under `non_field_errors`), or a condition not met (`{"detail": "…", "code": "…"}`).
    Field names vary by operation, so only `detail` and `code` are declared."""

    detail = serializers.CharField(required=False)
    code = serializers.CharField(required=False)


class UploadTooLargeSerializer(serializers.Serializer):
    """The 413 answer of ``core.uploads.UploadLimitMiddleware``."""

    file = serializers.ListField(child=serializers.CharField())
    limit_bytes = serializers.IntegerField()


ERRORS: dict[int, OpenApiResponse] = {
    400: OpenApiResponse(
        ValidationErrorSerializer,
        description='Invalid field (`{"field": ["message"]}`) or a condition not met '
        '(`{"detail": "…", "code": "…"}`).',
    ),
    403: OpenApiResponse(
        DomainErrorSerializer,
        description="Not signed in (no session or token, or an invalid one), or you may not do "
        "this.",
    ),
    404: OpenApiResponse(
        DomainErrorSerializer,
        description="No such object among those you may see (or no such page of the list).",
    ),
    409: OpenApiResponse(
        DomainErrorSerializer,
        description="The object is not in a state that allows this, or it was changed by "
        "someone else since you read it (stale `version`).",
    ),
    413: OpenApiResponse(
        UploadTooLargeSerializer,
        description="The file is larger than the upload limit; nothing was stored.",
    ),
    429: OpenApiResponse(DomainErrorSerializer, description="Too many requests; wait and retry."),
}


def responses(ok: Any, *codes: int, ok_status: int = 200) -> dict[Any, Any]:
    """``@extend_schema(responses=…)``: the success answer plus the listed error answers."""
    return {ok_status: ok, **{code: ERRORS[code] for code in codes}}
