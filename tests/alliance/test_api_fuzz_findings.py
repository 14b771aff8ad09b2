"""Directory API answers that the OpenAPI schema must admit (found by the API fuzzer,
tests/api/test_fuzz.py; reproduced here without it)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from alliance.models import Region
from tests.api.schema_helpers import admits, component_property

pytestmark = pytest.mark.django_db


def test_a_province_has_no_parent_and_the_schema_says_it_may_be_null(world):
    client = APIClient()
    client.force_authenticate(world["users"]["mediator"])
    province = Region.objects.get(code="350000")

    body = client.get(f"/api/v1/regions/{province.pk}/").json()

    assert body["code"] == "350000"
    assert body["parent"] is None
    assert admits(component_property("Region", "parent"), body["parent"])
    city = client.get(f"/api/v1/regions/{Region.objects.get(code='350600').pk}/").json()
    assert city["parent"] == "350000"
    assert admits(component_property("Region", "parent"), city["parent"])


@pytest.mark.parametrize(
    ("url", "payload", "field"),
    [
        ("/api/v1/organizations/", {"kind": "enterprise", "name": "甲", "region": "3506\x0000"},
         "region"),
        ("/api/v1/memberships/", {"user": "mediator\x00", "role": "clerk"}, "user"),
    ],
)  # fmt: skip
def test_a_nul_character_in_a_code_or_username_is_a_400_not_a_500(world, url, payload, field):
    """PostgreSQL refuses NUL in text (``DataError``); the lookup must not reach it."""
    client = APIClient()
    client.force_authenticate(world["users"]["superuser"])
    payload = {**payload, "organization": world["orgs"]["committee"].pk}

    response = client.post(url, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
