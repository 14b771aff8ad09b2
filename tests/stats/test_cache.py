"""The statistics cache: a second read costs no query; any write to what the figures count
(through the services, including bulk evidence deposits) makes the next read recompute; each
reader has their own entry; ``STATS_CACHE_SECONDS = 0`` turns it off."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.choices import PartyRole
from tests.cases.conftest import advance, make_case, org_party
from tests.stats.test_figures import PERIOD, stats_for

pytestmark = pytest.mark.django_db


def _timed(user):
    with CaptureQueriesContext(connection) as queries:
        stats = stats_for(user, PERIOD)
    return stats, len(queries)


def _new_case(world):
    users, orgs = world["users"], world["orgs"]
    parties = [org_party(PartyRole.APPLICANT, orgs["ent_a"]),
               org_party(PartyRole.RESPONDENT, orgs["ent_b"])]  # fmt: skip
    case = make_case(users["clerk"], orgs["committee"], title="新案件", parties=parties)
    return advance(case, users["clerk"], users["mediator"], "submitted")


def test_a_second_read_is_served_from_the_cache(case_world):
    user = case_world["users"]["superuser"]
    first, computed = _timed(user)
    second, cached = _timed(user)
    assert computed > 10 and cached == 0
    assert second.values() == first.values()


def test_a_new_case_is_counted_at_once(case_world):
    user = case_world["users"]["superuser"]
    before = stats_for(user, PERIOD)["cases_received"].value
    _new_case(case_world)
    assert stats_for(user, PERIOD)["cases_received"].value == before + 1


def test_a_deposit_is_counted_at_once(case_world, deposit):
    user = case_world["users"]["superuser"]
    before = stats_for(user, PERIOD)["evidence_records"].value
    deposit(depositor="ent_a")  # bulk insert: no post_save, the deposit signal invalidates
    assert stats_for(user, PERIOD)["evidence_records"].value == before + 1


def test_readers_do_not_share_entries(case_world):
    users = case_world["users"]
    everything = stats_for(users["superuser"], PERIOD)["cases_received"].value
    partner = stats_for(users["partner"], PERIOD)["cases_received"].value
    assert partner < everything
    assert stats_for(users["superuser"], PERIOD)["cases_received"].value == everything


def test_the_cache_can_be_turned_off(case_world, settings):
    settings.STATS_CACHE_SECONDS = 0
    user = case_world["users"]["superuser"]
    _timed(user)
    _stats, queries = _timed(user)
    assert queries > 10
