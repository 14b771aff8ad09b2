"""Keyset pages of the API (zhangzhou_ip/core/api_pagination.py): walking ``next`` and then
``previous`` visits every row exactly once in the list's order — NULLs last, mixed
directions, ties broken by id — and a page costs the same queries however deep it is."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from cases.models import MediationCase
from tests.cases.conftest import make_case

pytestmark = pytest.mark.django_db

URL = "/api/v1/mediation-cases/"


@pytest.fixture
def rows(case_world):
    """23 committee cases with repeated and missing claim amounts and closing dates."""
    users, orgs = case_world["users"], case_world["orgs"]
    for i in range(20):
        case = make_case(users["clerk"], orgs["committee"], title=f"案件{i % 7}")
        MediationCase.objects.filter(pk=case.pk).update(
            claim_amount=None if i % 4 == 0 else Decimal(1000 * (i % 3)),
            closed_on=None if i % 3 else dt.date(2024, 1, 1 + i % 2),
        )
    return MediationCase.objects.all()


def _client(case_world) -> APIClient:
    client = APIClient()
    client.force_authenticate(case_world["users"]["superuser"])
    return client


def _walk(client, params) -> tuple[list[int], list[int]]:
    body = client.get(URL, params).json()
    forward, pages = [r["id"] for r in body["results"]], [body]
    while body["next"]:
        body = client.get(body["next"]).json()
        forward += [r["id"] for r in body["results"]]
        pages.append(body)
    backward: list[int] = []
    for page in reversed(pages[1:]):
        previous = client.get(page["previous"]).json()
        backward = [r["id"] for r in previous["results"]] + backward
    return forward, backward


def _expected(queryset, field: str, descending: bool) -> list[int]:
    """The order in Python: NULLs last in both directions, then id in the same direction."""
    rows = list(queryset.values_list(field, "pk"))
    present = sorted((r for r in rows if r[0] is not None), reverse=descending)
    missing = sorted((r for r in rows if r[0] is None), key=lambda r: r[1], reverse=descending)
    return [pk for _value, pk in present + missing]


@pytest.mark.parametrize(
    ("ordering", "field", "descending"),
    [
        ("claim_amount", "claim_amount", False),
        ("-claim_amount", "claim_amount", True),
        ("closed_on", "closed_on", False),
        ("-closed_on", "closed_on", True),
        ("title", "title", False),
        ("-created_at", "created_at", True),
    ],
)
def test_next_then_previous_visit_every_row_once_in_order(
    case_world, rows, ordering, field, descending
):
    forward, backward = _walk(_client(case_world), {"ordering": ordering, "page_size": 4})
    assert forward == _expected(rows, field, descending)
    assert backward == forward[: len(backward)]
    assert len(backward) >= len(forward) - 4  # everything but the last page, walked back


def test_the_first_page_has_no_previous_and_the_last_no_next(case_world, rows):
    client = _client(case_world)
    first = client.get(URL, {"page_size": 100}).json()
    assert first["previous"] is None and first["next"] is None
    assert len(first["results"]) == rows.count()


def test_a_deep_page_costs_the_queries_of_the_second(case_world, rows):
    client = _client(case_world)
    client.get(URL, {"page_size": 2})  # warm-up
    second_url = client.get(URL, {"page_size": 2}).json()["next"]
    with CaptureQueriesContext(connection) as second:
        body = client.get(second_url).json()
    for _ in range(6):
        body = client.get(body["next"]).json()
    with CaptureQueriesContext(connection) as deep:
        client.get(body["next"])
    assert len(deep.captured_queries) == len(second.captured_queries)
    assert "OFFSET" not in deep.captured_queries[-1]["sql"].upper()


@pytest.mark.parametrize("cursor", ["nonsense", "eyJwIjp0cnVlfQ", "eyJwIjoxLCJ2IjpbXX0"])
def test_a_forged_cursor_is_a_400_naming_it(case_world, rows, cursor):
    response = _client(case_world).get(URL, {"cursor": cursor})
    assert response.status_code == 400
    assert response.json() == {"cursor": ["Invalid cursor."]}


@pytest.mark.parametrize("size", ["0", "101", "x"])
def test_a_page_size_out_of_range_is_a_400_naming_it(case_world, size):
    response = _client(case_world).get(URL, {"page_size": size})
    assert response.status_code == 400
    assert list(response.json()) == ["page_size"]
