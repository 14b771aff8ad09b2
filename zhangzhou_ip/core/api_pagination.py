"""Keyset ("cursor") pagination for every API list (issue 9, decision 0020).

Page numbers make the database skip ``OFFSET`` rows and count them all (``COUNT(*)`` over a
million evidence records for every page); a cursor names the last row seen instead, so page
10,000 costs what page 1 does. ``?cursor=`` is opaque (base64 of the last row's sort values);
``next``/``previous`` links carry it; ``page_size`` still chooses the size (at most 100).

The order is the list's own (``?ordering=`` or the view's default) with the primary key added
as the last tie-breaker; NULLs sort last in both directions, as on the HTML lists. The
condition "after this row" is written out field by field (``a > x OR (a = x AND b > y) …``)
so it holds for mixed directions and NULLs; when the first field cannot be NULL a plain
range on it lets PostgreSQL start the index scan at the cursor.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Field, Model, Q, QuerySet
from django.db.models.expressions import OrderBy
from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

CURSOR_PARAM = "cursor"
PAGE_SIZE_PARAM = "page_size"


@dataclass(frozen=True)
class Key:
    """One sort field: its lookup path, direction, model field and whether it may be NULL."""

    path: str
    descending: bool
    field: Field
    nullable: bool

    @property
    def alias(self) -> str:
        return "_keyset_" + self.path.replace("__", "_")


def _field(model: type[Model], path: str) -> tuple[Field, bool]:
    """The model field at ``path`` and whether NULL can occur on the way to it."""
    opts, nullable = model._meta, False
    parts = path.split("__")
    for depth, part in enumerate(parts):
        field = opts.pk if part == "pk" else opts.get_field(part)
        nullable = nullable or field.null
        if field.is_relation and depth < len(parts) - 1:
            opts = field.related_model._meta
    if field.is_relation:  # ordering by a foreign key orders by its id
        field = field.target_field
    return field, nullable


def _ordering(queryset: QuerySet) -> list[tuple[str, bool]]:
    terms = list(queryset.query.order_by) or (
        list(queryset.model._meta.ordering) if queryset.query.default_ordering else []
    )
    keys: list[tuple[str, bool]] = []
    for term in terms:
        if isinstance(term, OrderBy) and isinstance(term.expression, F):
            keys.append((term.expression.name, term.descending))
        elif isinstance(term, str) and term != "?":
            keys.append((term.lstrip("-"), term.startswith("-")))
        else:
            raise exceptions.ValidationError(
                {"ordering": ["This list cannot be paged in this order."]}, code="invalid"
            )
    keys = [(("pk" if path == queryset.model._meta.pk.name else path), d) for path, d in keys]
    if not any(path == "pk" for path, _d in keys):
        keys.append(("pk", keys[-1][1] if keys else False))
    return keys


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class KeysetPagination(BasePagination):
    page_size = 25
    max_page_size = 100

    def __init__(self) -> None:
        self.next_cursor: str | None = None
        self.previous_cursor: str | None = None

    # --- request side ------------------------------------------------------------------------

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(PAGE_SIZE_PARAM)
        if raw in (None, ""):
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {PAGE_SIZE_PARAM: [f"A whole number from 1 to {self.max_page_size}."]},
                code="invalid",
            )
        return size

    def _decode(self, raw: str, keys: list[Key]) -> tuple[bool, list[Any]]:
        invalid = exceptions.ValidationError({CURSOR_PARAM: ["Invalid cursor."]}, code="invalid")
        try:
            data = json.loads(base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4)))
            backwards, values = data["p"], data["v"]
            if not isinstance(backwards, bool) or len(values) != len(keys):
                raise invalid
            return backwards, [
                None if value is None else key.field.to_python(value)
                for key, value in zip(keys, values, strict=True)
            ]
        except (ValueError, KeyError, TypeError, binascii.Error, DjangoValidationError):
            raise invalid from None

    @staticmethod
    def _make(backwards: bool, row: Model, keys: list[Key]) -> str:
        values = [_encode(getattr(row, key.alias)) for key in keys]
        raw = json.dumps({"p": backwards, "v": values}, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def _after(keys: list[Key], values: list[Any], backwards: bool) -> Q:
        """Rows after the cursor's row in the (possibly reversed) order."""
        result, equal = Q(pk__in=[]), Q()
        for key, value in zip(keys, values, strict=True):
            descending = key.descending != backwards
            nulls_after = not backwards  # NULLs come last going forwards, first going back
            if value is None:
                beyond = Q(pk__in=[]) if nulls_after else ~Q(**{f"{key.alias}__isnull": True})
                same = Q(**{f"{key.alias}__isnull": True})
            else:
                beyond = Q(**{f"{key.alias}__{'lt' if descending else 'gt'}": value})
                if key.nullable and nulls_after:
                    beyond |= Q(**{f"{key.alias}__isnull": True})
                same = Q(**{key.alias: value})
            result |= equal & beyond
            equal &= same
        first, first_value = keys[0], values[0]
        if not first.nullable and first_value is not None:
            descending = first.descending != backwards
            result &= Q(**{f"{first.alias}__{'lte' if descending else 'gte'}": first_value})
        return result

    def paginate_queryset(self, queryset: QuerySet, request, view=None) -> list[Model]:
        self.request = request
        size = self.get_page_size(request)
        model = queryset.model
        try:
            keys = [Key(path, desc, *_field(model, path)) for path, desc in _ordering(queryset)]
        except FieldDoesNotExist:
            raise exceptions.ValidationError(
                {"ordering": ["This list cannot be paged in this order."]}, code="invalid"
            ) from None
        queryset = queryset.annotate(**{key.alias: F(key.path) for key in keys})
        raw = request.query_params.get(CURSOR_PARAM)
        backwards = False
        if raw:
            backwards, values = self._decode(raw, keys)
            queryset = queryset.filter(self._after(keys, values, backwards))
        order = []
        for key in keys:
            descending = key.descending != backwards
            nulls = {"nulls_last": True} if key.nullable and not backwards else {}
            if key.nullable and backwards:
                nulls = {"nulls_first": True}
            expression = F(key.alias)
            order.append(expression.desc(**nulls) if descending else expression.asc(**nulls))
        rows = list(queryset.order_by(*order)[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
        self.next_cursor = self.previous_cursor = None
        if rows:
            if more or backwards:
                self.next_cursor = self._make(False, rows[-1], keys)
            if (more and backwards) or (raw and not backwards):
                self.previous_cursor = self._make(True, rows[0], keys)
        return rows

    # --- response side -----------------------------------------------------------------------

    def _link(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, CURSOR_PARAM, cursor)

    def get_paginated_response(self, data) -> Response:
        return Response(
            OrderedDict(
                [
                    ("next", self._link(self.next_cursor)),
                    ("previous", self._link(self.previous_cursor)),
                    ("results", data),
                ]
            )
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": CURSOR_PARAM,
                "required": False,
                "in": "query",
                "description": "The page: the `next` or `previous` link's cursor.",
                "schema": {"type": "string"},
            },
            {
                "name": PAGE_SIZE_PARAM,
                "required": False,
                "in": "query",
                "description": f"Rows per page, 1 to {self.max_page_size} (default 25).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
