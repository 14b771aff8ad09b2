"""The measurement headers of ``zhangzhou_ip.core.query_count`` (bench/run.py reads them):
present and equal to what ``CaptureQueriesContext`` counts for a real page when switched on,
absent when off (the default), whether or not the middleware is listed."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from cases.choices import PartyRole
from tests.cases.conftest import make_case, org_party

MIDDLEWARE = "zhangzhou_ip.core.query_count.QueryCountMiddleware"
SERVER_TIMING = re.compile(r'^db;dur=(\d+\.\d);desc="(\d+) queries"$')

pytestmark = pytest.mark.django_db


@pytest.fixture
def mediator_client(client, world):
    orgs, users = world["orgs"], world["users"]
    for title in ("甲公司与乙公司外观设计专利侵权纠纷", "丙公司与丁公司商标侵权纠纷"):
        make_case(
            users["mediator"],
            orgs["committee"],
            title=title,
            parties=[org_party(PartyRole.APPLICANT, orgs["ent_a"])],
        )
    client.force_login(users["mediator"])
    return client


def _counted_on(client, path: str):
    with (
        override_settings(QUERY_COUNT_HEADER=True, MIDDLEWARE=[MIDDLEWARE, *settings.MIDDLEWARE]),
        CaptureQueriesContext(connection) as queries,
    ):
        response = client.get(path)
    return response, len(queries.captured_queries)


def test_the_headers_count_every_statement_of_a_real_page(mediator_client):
    response, captured = _counted_on(mediator_client, reverse("cases:case-list"))
    assert response.status_code == 200
    assert "甲公司与乙公司外观设计专利侵权纠纷" in response.content.decode()
    assert captured > 3  # session, user, memberships, the list itself …
    assert response["X-Query-Count"] == str(captured)
    duration, count = SERVER_TIMING.match(response["Server-Timing"]).groups()
    assert int(count) == captured
    assert float(duration) > 0


def test_each_page_gets_its_own_count(mediator_client, world):
    case = make_case(world["users"]["mediator"], world["orgs"]["committee"], title="详情案件")
    listed, list_count = _counted_on(mediator_client, reverse("cases:case-list"))
    detail, detail_count = _counted_on(
        mediator_client, reverse("cases:case-detail", args=[case.pk])
    )
    assert detail.status_code == 200 and "详情案件" in detail.content.decode()
    assert int(detail["X-Query-Count"]) == detail_count
    assert int(listed["X-Query-Count"]) == list_count
    health, health_count = _counted_on(mediator_client, reverse("healthz"))
    assert int(health["X-Query-Count"]) == health_count < list_count


def test_off_by_default_no_headers(mediator_client):
    assert settings.QUERY_COUNT_HEADER is False
    assert MIDDLEWARE not in settings.MIDDLEWARE
    response = mediator_client.get(reverse("cases:case-list"))
    assert response.status_code == 200
    assert "X-Query-Count" not in response
    assert "Server-Timing" not in response


def test_listed_but_switched_off_it_leaves_the_chain(mediator_client):
    with override_settings(QUERY_COUNT_HEADER=False, MIDDLEWARE=[MIDDLEWARE, *settings.MIDDLEWARE]):
        response = mediator_client.get(reverse("cases:case-list"))
    assert response.status_code == 200
    assert "X-Query-Count" not in response
    assert "Server-Timing" not in response


def test_an_earlier_server_timing_entry_is_kept(mediator_client):
    from django.http import HttpResponse

    from zhangzhou_ip.core.query_count import QueryCountMiddleware

    def view(request):
        answer = HttpResponse("ok")
        answer["Server-Timing"] = "app;dur=1.0"
        return answer

    with override_settings(QUERY_COUNT_HEADER=True):
        response = QueryCountMiddleware(view)(None)
    assert response["Server-Timing"].startswith('app;dur=1.0, db;dur=0.0;desc="0 queries"')
    assert response["X-Query-Count"] == "0"
