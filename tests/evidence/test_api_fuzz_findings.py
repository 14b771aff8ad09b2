"""Evidence API answers that the OpenAPI schema must admit (found by the API fuzzer,
tests/api/test_fuzz.py; reproduced here without it): URL fields are "" when a record or a
request is not a web capture, and errors of the download endpoints are JSON."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from evidence import retrieval
from tests.api.schema_helpers import admits, component_property, openapi_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(world):
    client = APIClient()
    client.force_authenticate(world["users"]["servicepoint"])
    return client


def test_a_text_record_has_an_empty_source_url_the_schema_admits(client, deposit):
    record = deposit(kind="text")
    capture = deposit(kind="web_capture", source_url="https://shop.example.com/item/1")
    schema = component_property("EvidenceRecord", "source_url")

    text_body = client.get(f"/api/v1/evidence-records/{record.pk}/").json()
    capture_body = client.get(f"/api/v1/evidence-records/{capture.pk}/").json()

    assert text_body["source_url"] == ""
    assert admits(schema, "")
    assert capture_body["source_url"] == "https://shop.example.com/item/1"
    assert admits(schema, capture_body["source_url"])
    assert not admits(schema, "not a url")


def test_a_retrieval_request_without_target_url_is_admitted(client, world):
    orgs, users = world["orgs"], world["users"]
    request = retrieval.request_retrieval(
        actor=users["enterprise"],
        enterprise=orgs["ent_a"],
        service_point=orgs["service_point"],
        kind="onsite_photos",
        subject="门店现场拍照",
    )

    body = client.get(f"/api/v1/retrieval-requests/{request.pk}/").json()

    assert body["target_url"] == ""
    assert admits(component_property("RetrievalRequest", "target_url"), "")


@pytest.mark.parametrize("action", ["content", "receipt"])
def test_download_errors_are_json_and_documented_as_json(client, action):
    response = client.get(f"/api/v1/evidence-records/999999/{action}/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()
    documented = openapi_document()["paths"][f"/api/v1/evidence-records/{{id}}/{action}/"]
    assert list(documented["get"]["responses"]["404"]["content"]) == ["application/json"]
