"""The statistics page, API, exports and report: who may read them, bad input answered with a
message (never a 500), the page in both languages with its definitions and chart fallbacks."""

from __future__ import annotations

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client, world):
    def login(name, language=None):
        client.force_login(world["users"][name])
        if language:
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client

    return login


def test_the_page_in_chinese_by_default_with_definitions_and_data_tables(as_user):
    page = as_user("mediator").get("/stats/").content.decode()
    assert "<h1" in page and "统计" in page
    assert 'id="definitions"' in page and "统计口径" in page
    # every chart has a data table that is open until the script draws the chart
    assert page.count('class="chart-data" open') >= 5
    assert 'id="chart-data" type="application/json"' in page
    assert "vendor/echarts/echarts.min.js" in page


def test_the_page_in_english(as_user):
    page = as_user("mediator", "en").get("/stats/", {"year": "2024"}).content.decode()
    assert "Definitions: how each figure is counted" in page
    assert "Coordinated cases" in page and ">2024<" in page


@pytest.mark.parametrize("name", ["nobody", "enterprise"])
def test_members_only(as_user, name):
    client = as_user(name)
    assert client.get("/stats/").status_code == 403
    assert client.get("/api/v1/stats/").status_code == 403
    assert client.get("/stats/report.pdf").status_code == 403
    assert client.get("/stats/export/", {"format": "csv"}).status_code == 403


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [({"start": "2024-05-01", "end": "2024-01-01"}, "end", "before its start"),
     ({"start": "2024-05-01"}, "end", "both a start and an end"),
     ({"organization": "999999"}, "organization", "valid choice"),
     ({"region": "nowhere"}, "region", "valid choice"),
     ({"year": "abc"}, "year", "whole number")],
)  # fmt: skip
def test_bad_scope_everywhere(as_user, query, field, message):
    client = as_user("superuser", "en")
    page = client.get("/stats/", query)
    assert page.status_code == 400
    assert message in page.content.decode()
    assert "Correct the period or the filters" in page.content.decode()
    api = client.get("/api/v1/stats/", query)
    assert api.status_code == 400 and field in api.json()
    assert message in " ".join(api.json()[field])
    for url in ("/stats/report.pdf", "/stats/export/"):
        response = client.get(url, {**query, "format": "csv"})
        assert response.status_code == 400 and message in response.content.decode()


def test_unknown_export_format(as_user):
    response = as_user("superuser", "en").get("/stats/export/", {"format": "pdf"})
    assert response.status_code == 400
    assert "format=csv or format=xlsx" in response.content.decode()


def test_a_period_with_no_data_shows_zeros_not_an_error(as_user):
    client = as_user("superuser", "en")
    page = client.get("/stats/", {"year": "2001"}).content.decode()
    assert 'data-figure="cases_received"' in page
    assert "Nothing in this period." in page
    data = client.get("/api/v1/stats/", {"year": "2001"}).json()
    assert data["cases_received"] == 0 and data["success_rate"] is None
    assert data["breakdowns"]["cases_by_status"] == []


def test_figure_links_keep_the_scope(as_user, world):
    client = as_user("superuser")
    org = world["orgs"]["committee"]
    data = client.get(
        "/api/v1/stats/", {"year": "2024", "quarter": "2", "organization": org.pk}
    ).json()
    assert data["period"]["start"] == "2024-04-01" and data["organization"] == org.pk
    link = data["links"]["cases_received"]
    assert "received_after=2024-04-01" in link and "received_before=2024-06-30" in link
    assert f"handling_organization={org.pk}" in link


def test_indicators_with_the_previous_year_and_a_year_on_year_chart(as_user, regions):
    from decimal import Decimal

    from alliance.models import Indicator, IndicatorValue

    patents = Indicator.objects.get(code="patents_granted")
    for year, value in ((2023, "5000"), (2024, "5448")):
        IndicatorValue.objects.create(
            indicator=patents, region=regions["zhangzhou"], year=year, value=Decimal(value),
            source="发布会",
        )  # fmt: skip
    page = as_user("mediator").get("/stats/", {"year": "2024"}).content.decode()
    assert 'data-chart="indicators"' in page
    assert "5,448" in page and "5,000" in page and ">9.0<" in page  # (5448 - 5000) / 5000
    only_one = as_user("mediator").get("/stats/", {"year": "2023"}).content.decode()
    assert 'id="indicators"' in only_one and 'data-chart="indicators"' not in only_one


def test_the_navigation_offers_statistics_to_members_only(as_user):
    assert 'href="/stats/"' in as_user("mediator").get("/").content.decode()
    assert 'href="/stats/"' not in as_user("enterprise").get("/").content.decode()
