"""A party's enterprise sees its cases as a summary (DESIGN §6): the case, parties, sessions'
times and the agreement — not the timeline, session minutes or related cases in other cities."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from cases import selectors, services
from tests.cases.conftest import case_page

pytestmark = pytest.mark.django_db

MINUTES = "申请人同意分期付款，内部评估：被申请人资金紧张。"


@pytest.fixture
def mediating(case_world):
    case = case_world["cases"]["mediating"]
    session = case.sessions.get()
    services.session_record(
        actor=case_world["users"]["mediator"], session=session, minutes=MINUTES, outcome="continued"
    )
    return case


def test_only_parties_see_the_summary(case_world, mediating):
    users = case_world["users"]
    assert selectors.sees_summary_only(users["enterprise"], mediating)
    for name in ("mediator", "clerk", "org_admin", "superuser"):
        assert not selectors.sees_summary_only(users[name], mediating), name


def test_detail_page_shows_the_enterprise_a_summary(client, case_world, mediating):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(case_world["users"]["enterprise"])
    page = case_page(client, mediating, "sessions")
    assert mediating.title in page
    assert mediating.number in page
    assert 'data-session="' in page  # the session's time, without its minutes
    assert 'id="pane-timeline"' not in page
    assert MINUTES not in page
    timeline = reverse("cases:case-pane", args=[mediating.pk, "timeline"])
    assert client.get(timeline).status_code == 403
    client.force_login(case_world["users"]["mediator"])
    page = case_page(client, mediating, "sessions", "timeline")
    assert 'id="pane-timeline"' in page
    assert MINUTES in page


def test_api_gives_the_enterprise_no_timeline_and_no_minutes(case_world, mediating):
    api = APIClient()
    api.force_authenticate(case_world["users"]["enterprise"])
    case_url = f"/api/v1/mediation-cases/{mediating.pk}/"
    assert api.get(case_url).json()["number"] == mediating.number
    assert api.get(case_url + "timeline/").json() == []
    assert len(api.get("/api/v1/case-events/", {"case": mediating.pk}).json()["results"]) == 0
    sessions = api.get("/api/v1/mediation-sessions/", {"case": mediating.pk}).json()["results"]
    assert [s["minutes"] for s in sessions] == [""]
    api.force_authenticate(case_world["users"]["mediator"])
    sessions = api.get("/api/v1/mediation-sessions/", {"case": mediating.pk}).json()["results"]
    assert [s["minutes"] for s in sessions] == [MINUTES]
    assert len(api.get(case_url + "timeline/").json()) > 3
