"""The evidence list's count: unfiltered, a list whose id arrays alone pass the count limit
says "limit+" without a count query (``selectors.visible_at_least``); any filter counts."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evidence import visibility
from evidence.filters import EvidenceRecordFilterSet
from evidence.models import Category, EvidenceRecord
from evidence.selectors import evidence_visible_to, visible_at_least
from zhangzhou_ip.core.views import is_unfiltered

pytestmark = pytest.mark.django_db
LIST = reverse("evidence:list")
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="id arrays: PostgreSQL only"
)


@pytest.fixture
def cited(world, deposit, monkeypatch):
    """Five records the mediator sees only as a case citing them would (a provider)."""
    records = [deposit(category=Category.LISTING) for _ in range(4)]
    records.append(deposit(category=Category.CONTRACT))
    ids = [r.pk for r in records]

    def provider(user, few):
        pks = EvidenceRecord.objects.values_list("pk", flat=True)
        return pks.filter(pk__in=ids) if user.pk == world["users"]["mediator"].pk else pks.none()

    monkeypatch.setattr(visibility, "_providers", [*visibility.providers(), provider])
    return records


def _list(client, query: str = "") -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        html = client.get(LIST + query).content.decode()
    # the paginator's count (with the ids of a short list on PostgreSQL, core.pagination)
    counts = [
        q["sql"] for q in queries if re.match(r"SELECT COUNT\(\*\)[^\n]* FROM \(SELECT", q["sql"])
    ]
    match = re.search(r'list-count">([^<]+)</span>', html)
    assert match, "no count badge"
    return match.group(1), counts


@on_postgresql
def test_unfiltered_past_the_limit_the_arrays_say_so_without_a_count(
    client, world, cited, settings
):
    client.force_login(world["users"]["mediator"])
    settings.LIST_COUNT_LIMIT = 3
    assert _list(client) == ("3+", [])
    assert _list(client, "?sort=title&page_size=50&q=") == ("3+", [])  # sorting is no filter
    # a filter counts: four listings are still past the limit, one contract is not
    shown, counts = _list(client, f"?category={Category.LISTING}")
    assert shown == "3+" and len(counts) == 1
    shown, counts = _list(client, f"?category={Category.CONTRACT}")
    assert shown == "1" and len(counts) == 1


def test_under_the_limit_the_count_is_exact(client, world, cited, settings):
    client.force_login(world["users"]["mediator"])
    settings.LIST_COUNT_LIMIT = 5
    shown, counts = _list(client)
    assert shown == "5" and len(counts) == 1
    settings.LIST_COUNT_LIMIT = 4
    assert _list(client)[0] == "4+"


def test_the_lower_bound_is_known_only_within_a_request_that_read_the_arrays(world, cited):
    mediator, superuser = world["users"]["mediator"], world["users"]["superuser"]
    evidence_visible_to(mediator)  # outside a request nothing is kept
    assert visible_at_least(mediator) == 0
    assert visible_at_least(superuser) == 0


def _filterset(query: dict[str, str] | None) -> EvidenceRecordFilterSet:
    request = RequestFactory().get(LIST, query or {})
    return EvidenceRecordFilterSet(query, queryset=EvidenceRecord.objects.all(), request=request)


@pytest.mark.parametrize(
    ("query", "unfiltered"),
    [
        (None, True),
        ({"sort": "title", "page": "2", "q": "", "kind": "", "deposited_after": ""}, True),
        ({"q": "网店"}, False),
        ({"kind": "text"}, False),
        ({"withdrawn": "false"}, False),  # False is a value, not an empty one
        ({"deposited_after": "2024-01-01"}, False),
        ({"deposited_after": "not a date"}, False),  # invalid: no rows are shown anyway
    ],
)
def test_is_unfiltered(world, query, unfiltered):
    assert is_unfiltered(_filterset(query)) is unfiltered
