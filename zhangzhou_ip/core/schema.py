"""OpenAPI post-processing: the error answers every operation can give, documented once.

Views document their own success answer and the errors peculiar to them (``core.api.responses``:
409 on a stale version, 413 on an upload…). The errors that come from the plumbing every view
shares are added here, so the schema says what the API really answers (the API fuzzer,
tests/api/test_fuzz.py, fails on any undocumented status):

* 400 — an operation with parameters or a body: invalid fields, unknown query parameters
  (``StrictDjangoFilterBackend``), bad ordering, malformed JSON;
* 403 — an operation that needs a signed-in user: not signed in, or not allowed. DRF answers
  403, not 401, for missing credentials because the first authentication class (session) sends
  no ``WWW-Authenticate`` challenge;
* 404 — a path with an id (out of scope or missing) (a bad ``cursor`` of a list is a 400);
* 413 — an upload (a binary field in a multipart body) larger than its limit;
* 429 — an operation whose view is throttled.

An answer a view already documents keeps its description and schema (given the common one
when it has none). Error answers are always JSON (the
exception handler's dict; ``evidence.api``'s download renderers switch to JSON for them), so
an error documented under the view's renderer type (``text/plain``, a file) is moved to
``application/json``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema

from zhangzhou_ip.core.api import ERRORS

HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


def _component_ref(result: dict[str, Any], generator, serializer) -> dict[str, str]:
    """A ``$ref`` to the serializer's component, added to ``result`` when no view used it."""
    auto_schema = AutoSchema()
    auto_schema.registry = generator.registry
    auto_schema.method, auto_schema.path, auto_schema.view = "GET", "", None
    component = auto_schema.resolve_serializer(serializer, "response")
    result.setdefault("components", {}).setdefault("schemas", {}).setdefault(
        component.name, component.schema
    )
    return component.ref


def _error_response(result, generator, code: int) -> dict[str, Any]:
    documented = ERRORS.get(code)
    if documented is None:
        return {}
    response: dict[str, Any] = {"description": str(documented.description)}
    if documented.response is not None:
        ref = _component_ref(result, generator, documented.response)
        response["content"] = {"application/json": {"schema": ref}}
    return response


def _throttled(generator) -> set[tuple[str, str]]:
    """(path, method) of every endpoint whose view has throttle classes."""
    found = set()
    for path, _regex, method, callback in generator.endpoints or ():
        view_class = getattr(callback, "cls", None)
        if view_class is not None and getattr(view_class, "throttle_classes", None):
            found.add((path.replace("{pk}", "{id}"), method.lower()))
    return found


def _resolve(result: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        return result["components"]["schemas"].get(ref.rsplit("/", 1)[1], {})
    return schema


def _uploads_a_file(result: dict[str, Any], operation: dict[str, Any]) -> bool:
    content = operation.get("requestBody", {}).get("content", {})
    schema = _resolve(result, content.get("multipart/form-data", {}).get("schema", {}))
    return any(
        _resolve(result, prop).get("format") == "binary"
        for prop in schema.get("properties", {}).values()
    )


def _needs_sign_in(operation: dict[str, Any]) -> bool:
    security = operation.get("security")
    return bool(security) and {} not in security


def _error_codes(result, path: str, method: str, operation: dict[str, Any], throttled) -> list:
    parameters = operation.get("parameters", [])
    codes = []
    if parameters or "requestBody" in operation:
        codes.append(400)
    if _needs_sign_in(operation):
        codes.append(403)
    if "{" in path:
        codes.append(404)
    if _uploads_a_file(result, operation):
        codes.append(413)
    if (path, method) in throttled:
        codes.append(429)
    return codes


def _as_json(response: dict[str, Any]) -> None:
    content = response.get("content")
    if content and "application/json" not in content:
        response["content"] = {"application/json": next(iter(content.values()))}


def document_error_responses(result, generator, request, public):
    """drf-spectacular ``POSTPROCESSING_HOOKS`` entry (after the enum hook)."""
    throttled = _throttled(generator)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code in _error_codes(result, path, method, operation, throttled):
                if str(code) not in responses:
                    responses[str(code)] = _error_response(result, generator, code)
            for code, response in responses.items():
                if code.startswith("4") and "content" not in response:
                    content = _error_response(result, generator, int(code)).get("content")
                    if content:
                        response["content"] = content
                if code.startswith("4"):
                    _as_json(response)
            operation["responses"] = dict(sorted(responses.items()))
    return result
