"""The case lists' status sample and count: with no filter but the status, a list that one
id array of the user's visibility already fills past the count limit reads neither
(``selectors.visible_at_least``), nor does a superuser's search whose party and right ids
pass it (``filters.search_ids_at_least``); any other filter, "my cases", and a list an
array does not bound (the inbox and the court's array, a party's drafts) read them."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import selectors, services
from cases.choices import Status
from cases.models import CourtReferral, JudicialConfirmation, MediationCase
from cases.selectors import case_visible_to, visible_at_least
from tests.world import build_objects

pytestmark = pytest.mark.django_db
LIST = reverse("cases:case-list")
MINE = reverse("cases:my-cases")
INBOX = reverse("cases:shared-with-us")
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="id arrays: PostgreSQL only"
)


@pytest.fixture
def objects(case_world):
    """The matrix's world (one case shared with the partner city, a confirmation and a
    referral at the court), and a second case shared with the partner."""
    objects = build_objects(case_world)
    users, orgs = case_world["users"], case_world["orgs"]
    services.share_grant(
        actor=users["org_admin"],
        case=case_world["cases"]["mediating"],
        organization=orgs["partner"],
        level="view",
        reason="协查",
    )
    return objects


_COUNT = re.compile(
    r"SELECT COUNT\(\*\)(, CASE WHEN COUNT\(\*\) <= \S+ THEN ARRAY_AGG\(id\)::text END)?"
    r" FROM \(SELECT"
)


def _list(client, url: str) -> tuple[str, int, int, list[str | None]]:
    """The count badge, how many status samples and counts were read, and the chips'
    numbers."""
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    statements = [q["sql"] for q in queries]
    samples = sum(sql.startswith("WITH sample") for sql in statements)
    # the paginator's count; on PostgreSQL it also reads the ids of a few rows (§30)
    counts = sum(bool(_COUNT.match(sql)) for sql in statements)
    badge = re.search(r'list-count">([^<]+)</span>', html)
    assert badge, "no count badge"
    chips = re.findall(r'data-status="[a-z_]+">[^<]*(?:<span class="count">([^<]*)</span>)?', html)
    return badge.group(1), samples, counts, [n or None for n in chips]


@on_postgresql
def test_unfiltered_past_the_limit_the_shared_ids_say_so_without_reading(
    client, objects, case_world, settings
):
    client.force_login(case_world["users"]["partner"])
    settings.LIST_COUNT_LIMIT = 1  # the partner sees its own case and two shared ones
    shown, samples, counts, chips = _list(client, LIST)
    assert (shown, samples, counts) == ("1+", 0, 0)
    assert chips and set(chips) == {None}  # every status, without numbers
    assert _list(client, LIST + "?sort=title&q=")[:3] == ("1+", 0, 0)  # sorting is no filter
    shown, samples, counts, chips = _list(client, INBOX)
    assert (shown, samples, counts) == ("1+", 0, 0)
    assert chips and set(chips) == {None}
    # a status alone still needs no sample, but the list under it is counted
    assert _list(client, LIST + f"?status={Status.SUBMITTED}")[1:3] == (0, 1)
    # any other filter reads the sample; "my cases" is narrower than what the arrays hold
    assert _list(client, LIST + "?dispute_type=trademark_infringement")[1] == 1
    assert _list(client, MINE)[1] == 1


@on_postgresql
def test_the_inbox_is_bounded_by_the_shared_ids_only(client, objects, case_world, settings):
    court = case_world["users"]["court"]
    at_court = {
        *JudicialConfirmation.objects.filter(court__memberships__user=court).values_list(
            "case_id", flat=True
        ),
        *CourtReferral.objects.filter(court__memberships__user=court).values_list(
            "case_id", flat=True
        ),
    }
    assert at_court, "the world puts cases at the court"
    client.force_login(court)
    settings.LIST_COUNT_LIMIT = len(at_court) - 1
    assert _list(client, LIST)[:3] == (f"{len(at_court) - 1}+", 0, 0)
    # the court's array says nothing about what is shared with the court: none is
    shown, samples, _counts, _chips = _list(client, INBOX)
    assert (shown, samples) == ("0", 1)


def test_under_the_limit_the_sample_counts_every_status(client, objects, case_world, settings):
    partner = case_world["users"]["partner"]
    client.force_login(partner)
    settings.LIST_COUNT_LIMIT = 5
    visible = case_visible_to(partner)
    shown, samples, counts, chips = _list(client, LIST)
    assert (shown, samples, counts) == (str(visible.count()), 1, 0)
    assert sorted(int(n) for n in chips) == sorted(
        visible.filter(status=status).count()
        for status in set(visible.values_list("status", flat=True))
    )


def test_a_superusers_unfiltered_list_probes_the_table_instead_of_sampling(
    client, objects, case_world, settings
):
    client.force_login(case_world["users"]["superuser"])
    every = MediationCase.objects.count()
    settings.LIST_COUNT_LIMIT = every - 1  # one case past the limit
    shown, samples, counts, chips = _list(client, LIST)
    assert (shown, samples, counts) == (f"{every - 1}+", 0, 0)
    assert chips and set(chips) == {None}  # every status, without numbers
    # a status alone: no sample, and the paginator counts the chosen status
    assert _list(client, LIST + f"?status={Status.SUBMITTED}")[1:3] == (0, 1)
    settings.LIST_COUNT_LIMIT = every  # not past it: the sample counts every status
    shown, samples, counts, chips = _list(client, LIST)
    assert (shown, samples, counts) == (str(every), 1, 0)
    assert sum(int(n) for n in chips) == every
    # any filter reads the sample, as for everyone
    assert _list(client, LIST + "?dispute_type=trademark_infringement")[1] == 1


def test_the_lower_bound_is_known_only_within_a_request_that_read_the_arrays(objects, case_world):
    partner, superuser = case_world["users"]["partner"], case_world["users"]["superuser"]
    case_visible_to(partner)  # outside a request nothing is kept
    assert visible_at_least(partner) == 0
    assert visible_at_least(superuser) == 0


@on_postgresql
def test_a_partys_ids_are_no_bound_they_hold_drafts(client, objects, case_world, settings):
    enterprise = case_world["users"]["enterprise"]
    client.force_login(enterprise)
    visible = case_visible_to(enterprise).count()
    assert case_world["cases"]["draft"].parties.filter(organization__memberships__user=enterprise)
    settings.LIST_COUNT_LIMIT = visible  # the party array holds the draft too: one more
    shown, samples, _counts, _chips = _list(client, LIST)
    assert (shown, samples) == (str(visible), 1)


@on_postgresql
def test_a_superusers_search_is_bounded_by_its_party_ids(client, objects, case_world, settings):
    ent_a = case_world["orgs"]["ent_a"]
    as_party = MediationCase.objects.filter(parties__organization=ent_a).distinct().count()
    assert as_party >= 2, "ent_a is a party to several cases"
    settings.LIST_COUNT_LIMIT = as_party - 1
    search = LIST + "?q=" + quote(ent_a.name)
    client.force_login(case_world["users"]["superuser"])
    assert _list(client, search)[:3] == (f"{as_party - 1}+", 0, 0)
    assert _list(client, search + f"&status={Status.SUBMITTED}")[1] == 0
    # another filter, or a user who does not see every case those ids name, reads the sample
    assert _list(client, search + "&dispute_type=trademark_infringement")[1] == 1
    client.force_login(case_world["users"]["org_admin"])
    assert _list(client, search)[1] == 1


def _rows_and_statements(client, url: str) -> tuple[list[int], str, str]:
    """The rows' case ids in page order, the status sample and the page's statement."""
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    statements = [q["sql"] for q in queries]
    (sample,) = [sql for sql in statements if sql.startswith("WITH sample")]
    (page,) = [
        sql
        for sql in statements
        if sql.startswith('SELECT "cases_mediationcase"."id"') and " LIMIT " in sql
    ]
    return [int(pk) for pk in re.findall(r'<tr data-case="(\d+)"', html)], sample, page


@on_postgresql
@pytest.mark.parametrize("url", [LIST, INBOX])
def test_a_short_list_reads_its_page_by_the_ids_its_sample_found(
    client, objects, case_world, url, monkeypatch
):
    """The sample of at most ``FEW_ROWS`` rows reads their ids, and the page is read by
    those ids alone, in the list's order, with each row's details (decision 0020 §33);
    past ``FEW_ROWS`` the page is read through the visibility and the filters as before."""
    from cases.views.cases import _apply_sort
    from zhangzhou_ip.core import pagination

    partner = case_world["users"]["partner"]
    client.force_login(partner)
    seen = selectors.shared_with(partner) if url == INBOX else case_visible_to(partner)
    expected = list(_apply_sort(seen, "title").values_list("pk", flat=True))
    assert len(expected) >= 2
    inbox = url == INBOX
    url += "?sort=title"

    rows, sample, page = _rows_and_statements(client, url)
    assert rows == expected
    assert "ARRAY_AGG" in sample
    where = page.split(" WHERE ", 1)[1]
    assert where.count("ANY(") == 1 and "handling_organization_id" not in where
    if inbox:  # the share column still comes with each row
        assert client.get(url).content.decode().count("<div data-level=") >= len(expected)

    monkeypatch.setattr(pagination, "FEW_ROWS", len(expected) - 1)
    rows, _sample, page = _rows_and_statements(client, url)
    assert rows == expected
    if not inbox:  # (the inbox's own rows are an id array already)
        assert "handling_organization_id" in page.split(" WHERE ", 1)[1]
