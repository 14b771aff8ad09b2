"""The case page's tabs that load when opened (sessions, court, evidence, timeline,
comments — ``cases/<pk>/panes/<name>/``): what each shows and to whom, their badges read
with the case, and a page whose statements do not grow with the case's history."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from tests.cases.conftest import case_page
from tests.world import build_objects

pytestmark = pytest.mark.django_db

PANES = ("sessions", "court", "evidence", "timeline", "comments")


@pytest.fixture
def objects(case_world):
    return build_objects(case_world)


@pytest.fixture
def login(client):
    def login(user):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return login


def _pane_url(case, name: str) -> str:
    return reverse("cases:case-pane", args=[case.pk, name])


def _badge(html: str, tab: str) -> int:
    match = re.search(rf'id="tab-{tab}"[^>]*>[^<]*<span class="badge[^"]*">(\d+)</span>', html)
    assert match, f"no badge on the {tab} tab"
    return int(match.group(1))


def test_the_page_holds_a_loader_per_tab_and_no_tab_content(login, objects):
    case = objects["case"]
    html = (
        login(objects["users"]["mediator"])
        .get(reverse("cases:case-detail", args=[case.pk]))
        .content.decode()
    )
    for name in PANES:
        assert f'hx-get="{_pane_url(case, name)}"' in html, name
        assert f'<a class="ms-2" href="{_pane_url(case, name)}">' in html, name  # without JS
    assert "data-verb=" not in html and "请注意期限" not in html and "data-session=" not in html


def test_a_pane_is_a_fragment_for_htmx_and_a_page_without(login, objects):
    case, client = objects["case"], login(objects["users"]["mediator"])
    fragment = client.get(_pane_url(case, "comments"), HTTP_HX_REQUEST="true").content.decode()
    assert "请注意期限" in fragment
    assert "<html" not in fragment and 'class="comment-form"' in fragment
    page = client.get(_pane_url(case, "comments")).content.decode()
    assert page.startswith("<!doctype html>") and "请注意期限" in page
    assert f'<a href="{reverse("cases:case-detail", args=[case.pk])}">{case.number}</a>' in page


def test_the_badges_count_what_the_panes_show(login, objects):
    users = objects["users"]
    case = objects["case"]  # one session, one comment, one cited record
    services.comment_add(actor=users["mediator"], case=case, body="第二条")
    html = case_page(login(users["mediator"]), case, *PANES)
    assert _badge(html, "sessions") == html.count("data-session=") == 1
    assert _badge(html, "comments") == html.count("data-comment=") == 2
    assert _badge(html, "evidence") == 1 and objects["record"].number in html
    settled = case_page(login(users["mediator"]), objects["settled"], "court")
    assert _badge(settled, "court") == settled.count("data-confirmation=") == 1
    failed = case_page(login(users["mediator"]), objects["failed"], "court")
    assert _badge(failed, "court") == 1 and "data-referral=" in failed


def test_a_court_liaison_counts_and_sees_only_its_court(login, objects):
    """The court sees the settled case through its confirmation; the badge counts that one."""
    html = case_page(login(objects["users"]["court"]), objects["settled"], "court")
    assert _badge(html, "court") == 1
    assert f'data-confirmation="{objects["confirmation"].pk}"' in html


def test_the_enterprise_sees_sessions_without_minutes_and_no_timeline(login, objects):
    users, case = objects["users"], objects["case"]
    services.session_record(
        actor=users["mediator"], session=objects["session"], minutes="内部评估", outcome="continued"
    )
    client = login(users["enterprise"])
    html = case_page(client, case, "sessions")
    assert 'data-session="' in html and "内部评估" not in html
    assert 'data-pane="timeline"' not in html
    assert client.get(_pane_url(case, "timeline")).status_code == 403
    assert "内部评估" in case_page(login(users["mediator"]), case, "sessions")


def test_comments_are_refused_to_whom_the_tab_is_not_shown(login, objects):
    users, case = objects["users"], objects["case"]
    client = login(users["enterprise"])
    assert 'data-pane="comments"' not in case_page(client, case)
    response = client.get(_pane_url(case, "comments"), HTTP_HX_REQUEST="true")
    assert response.status_code == 403 and "请注意期限" not in response.content.decode()


def test_panes_of_a_case_one_may_not_see_and_unknown_panes_are_404(login, objects):
    client = login(objects["users"]["partner"])
    for name in PANES:
        assert client.get(_pane_url(objects["case"], name)).status_code == 404, name
    client = login(objects["users"]["mediator"])
    assert client.get(_pane_url(objects["case"], "minutes")).status_code == 404


def test_panes_require_login(client, objects):
    response = client.get(_pane_url(objects["case"], "timeline"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=" + _pane_url(
        objects["case"], "timeline"
    )


def test_the_page_costs_the_same_statements_however_long_the_history(login, objects):
    users, case = objects["users"], objects["case"]
    client = login(users["mediator"])
    url = reverse("cases:case-detail", args=[case.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as short:
        client.get(url)
    for n in range(5):
        services.comment_add(actor=users["mediator"], case=case, body=f"意见 {n}")
        services.session_schedule(
            actor=users["mediator"],
            case=case,
            starts_at=objects["session"].starts_at,
            location=f"会议室 {n}",
        )
    with CaptureQueriesContext(connection) as long:
        html = client.get(url).content.decode()
    assert _badge(html, "comments") == 6 and _badge(html, "sessions") == 6
    assert len(long.captured_queries) == len(short.captured_queries) <= 10
