"""The generated OpenAPI document and a small check of a value against one of its property
schemas, for regression tests of answers the fuzzer (test_fuzz.py) found undocumented — so
that they are reproduced without schemathesis."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer


@cache
def openapi_document() -> dict[str, Any]:
    """The schema ``manage.py spectacular`` writes (hooks included), as JSON data."""
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(public=True)))


def component_property(component: str, name: str) -> dict[str, Any]:
    return openapi_document()["components"]["schemas"][component]["properties"][name]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref:
        return openapi_document()["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return schema


def admits(schema: dict[str, Any], value: Any) -> bool:
    """Whether an OpenAPI 3.0 schema admits ``value`` — for the shapes a property can have here
    (``$ref``, ``oneOf``/``anyOf``, ``nullable``, ``enum``, strings with ``format: uri`` and
    ``maxLength``, integers, booleans)."""
    schema = _resolve(schema)
    alternatives = schema.get("oneOf") or schema.get("anyOf")
    if value is None:
        return bool(schema.get("nullable")) or any(admits(s, value) for s in alternatives or ())
    if alternatives:
        return any(admits(s, value) for s in alternatives)
    if "enum" in schema and value not in schema["enum"]:
        return False
    kind = schema.get("type")
    if kind == "string":
        if not isinstance(value, str) or len(value) > schema.get("maxLength", len(value)):
            return False
        if schema.get("format") == "uri":
            try:
                URLValidator()(value)
            except ValidationError:
                return False
        return True
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    return kind is None or (kind == "object" and isinstance(value, dict))
