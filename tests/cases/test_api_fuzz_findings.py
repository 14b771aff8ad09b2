"""Case API answers that the OpenAPI schema must admit (found by the API fuzzer,
tests/api/test_fuzz.py; reproduced here without it)."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from tests.api.schema_helpers import admits, component_property

pytestmark = pytest.mark.django_db


def test_a_session_without_minutes_has_an_outcome_the_schema_admits(case_world):
    session = case_world["cases"]["mediating"].sessions.get()
    client = APIClient()
    client.force_authenticate(case_world["users"]["mediator"])

    body = client.get(f"/api/v1/mediation-sessions/{session.pk}/").json()

    assert body["outcome"] == ""
    assert body["online_link"] == ""
    assert admits(component_property("MediationSession", "outcome"), "")
    assert admits(component_property("MediationSession", "outcome"), "agreement")
    assert not admits(component_property("MediationSession", "outcome"), "maybe")
    assert admits(component_property("MediationSession", "online_link"), "")


@pytest.mark.parametrize(
    "query",
    [
        {"starts_before": "0001-01-01T00:00:00+08:00"},  # before year 1 in UTC
        {"starts_after": "9999-12-31T23:59:59-10:00"},  # after year 9999 in UTC
    ],
)
def test_session_start_filter_refuses_an_instant_outside_the_calendar(case_world, query):
    client = APIClient()
    client.force_authenticate(case_world["users"]["mediator"])

    response = client.get("/api/v1/mediation-sessions/", query)

    assert response.status_code == 400
    assert "starts" in response.json()


def test_session_start_filter_compares_in_utc(case_world):
    session = case_world["cases"]["mediating"].sessions.get()
    client = APIClient()
    client.force_authenticate(case_world["users"]["mediator"])
    # An instant written with an offset Python allows and PostgreSQL does not (±15:59 at most):
    # it was sent as is and answered 500 ("time zone displacement out of range").
    just_before = (session.starts_at - dt.timedelta(minutes=1)).astimezone(
        dt.timezone(dt.timedelta(hours=-23, minutes=-53))
    )
    just_after = session.starts_at + dt.timedelta(minutes=1)

    found = client.get("/api/v1/mediation-sessions/", {"starts_after": just_before.isoformat()})
    none = client.get("/api/v1/mediation-sessions/", {"starts_after": just_after.isoformat()})

    assert [row["id"] for row in found.json()["results"]] == [session.pk]
    assert none.json()["results"] == []
