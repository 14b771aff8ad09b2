"""The error answers ``zhangzhou_ip.core.schema.document_error_responses`` adds to every
operation of the OpenAPI document, checked against what the API really answers."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.api.schema_helpers import openapi_document

METHODS = {"get", "post", "put", "patch", "delete"}


def _operations():
    for path, operations in openapi_document()["paths"].items():
        for method, operation in operations.items():
            if method in METHODS:
                yield path, method, operation


def _json_schema(response: dict) -> dict:
    return response["content"]["application/json"]["schema"]


def test_every_operation_that_needs_a_sign_in_documents_403():
    for path, method, operation in _operations():
        security = operation.get("security")
        if security and {} not in security:
            assert "403" in operation["responses"], (method, path)


def test_paths_with_an_id_document_404():
    for path, method, operation in _operations():
        if "{" in path:
            assert _json_schema(operation["responses"]["404"]) == {
                "$ref": "#/components/schemas/DomainError"
            }, (method, path)


def test_operations_with_input_document_400_as_field_errors():
    for path, method, operation in _operations():
        if operation.get("parameters") or "requestBody" in operation:
            schema = _json_schema(operation["responses"]["400"])
            assert schema == {"$ref": "#/components/schemas/ValidationError"}, (method, path)
    validation_error = openapi_document()["components"]["schemas"]["ValidationError"]
    assert validation_error.get("required", []) == []  # {"field": [...]} is valid too


def test_uploads_document_413_and_the_throttled_verification_429():
    responses = openapi_document()["paths"]["/api/v1/evidence-records/"]["post"]["responses"]
    assert "413" in responses
    verify = openapi_document()["paths"]["/api/v1/evidence/verify/"]["get"]["responses"]
    assert "429" in verify
    assert "429" not in openapi_document()["paths"]["/api/v1/regions/"]["get"]["responses"]


def test_every_error_answer_is_documented_as_json():
    for path, method, operation in _operations():
        for code, response in operation["responses"].items():
            if code.startswith("4") and "content" in response:
                assert list(response["content"]) == ["application/json"], (method, path, code)


@pytest.mark.django_db
def test_missing_credentials_are_answered_403_as_documented(world):
    """DRF answers 401 only with a ``WWW-Authenticate`` challenge, which the first
    authentication class (session) does not send: 403 is what clients get."""
    response = APIClient().get("/api/v1/regions/")
    assert response.status_code == 403
    assert "detail" in response.json()
    bad_token = APIClient(HTTP_AUTHORIZATION="Token 0123456789abcdef").get("/api/v1/regions/")
    assert bad_token.status_code == 403


@pytest.mark.django_db
def test_a_bad_cursor_or_a_page_number_is_answered_400_naming_the_parameter(world):
    client = APIClient()
    client.force_authenticate(world["users"]["mediator"])
    response = client.get("/api/v1/regions/", {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert response.json() == {"cursor": ["Invalid cursor."]}
    response = client.get("/api/v1/regions/", {"page": 2})  # lists page by cursor now
    assert response.status_code == 400
    assert "page" in response.json()
