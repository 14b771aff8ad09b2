"""The demo reproduces the 2024 press release (issue 7 part 6): after ``load_demo`` the 2024
statistics show exactly its figures, every figure opens a list with the same count, and the
API and the exports say the same."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from openpyxl import load_workbook
from pypdf import PdfReader

from cases.selectors import case_visible_to
from tests.cases.test_demo_court import demo  # noqa: F401  (load_demo once for the module)
from tests.stats.conftest import check_links
from zhangzhou_ip.stats.figures import statistics
from zhangzhou_ip.stats.period import StatsScopeForm

PRESS_RELEASE_2024 = {
    "member_bureaus": 34,
    "member_provinces": 13,
    "collaborations": 159,
    "coordinated_cases": 89,
    "confirmations": 45,
    "confirmations_administrative": 26,
    "evidence_records": 2765,
    "enterprises_served": 55,
    "service_points": 17,
    "protection_actions": 61,
    "enterprises_helped": 27,
}


def _user(name):
    return get_user_model().objects.get(username=name)


def _stats(name, **data):
    user = _user(name)
    form = StatsScopeForm({"year": "2024", **data}, user=user)
    assert form.is_valid(), form.errors
    request = RequestFactory().get("/stats/")
    request.user = user
    return statistics(request, form.scope())


@pytest.fixture
def admin_stats(demo, db):  # noqa: F811
    return _stats("admin")


def test_the_2024_figures_are_the_press_release(admin_stats):
    values = admin_stats.values()
    assert {key: values[key] for key in PRESS_RELEASE_2024} == PRESS_RELEASE_2024


def test_the_amounts_of_the_press_release(admin_stats):
    values = admin_stats.values()
    assert values["amount_recovered"] > Decimal("20000000")  # "more than 20 million yuan"
    assert values["amount_recovered"] == Decimal("20386500.00")
    assert values["evidence_cost_saved"] == Decimal("2703600.00")  # "about 2.7 million"
    assert values["alliance_cost_saved"] == Decimal("2012000.00")  # "about 2 million"


def test_every_2024_figure_opens_a_list_with_its_count(admin_stats, client):
    client.force_login(_user("admin"))
    page = client.get("/stats/", {"year": "2024"}).content.decode()
    checked = check_links(client, admin_stats, page)
    assert set(PRESS_RELEASE_2024) <= set(checked)


def test_the_partner_counts_only_the_cases_it_may_see(admin_stats, client):
    partner = _stats("partner")
    visible = case_visible_to(_user("partner")).filter(received_on__year=2024).count()
    assert partner["cases_received"].value == visible < admin_stats["cases_received"].value
    assert partner["evidence_records"].value == 0
    client.force_login(_user("partner"))
    page = client.get("/stats/", {"year": "2024"}).content.decode()
    check_links(client, partner, page)


def test_the_api_answers_the_same_figures(admin_stats, client):
    client.force_login(_user("admin"))
    data = client.get("/api/v1/stats/", {"year": "2024"}).json()
    for key, value in PRESS_RELEASE_2024.items():
        assert data[key] == value, key
    assert Decimal(data["amount_recovered"]) == admin_stats["amount_recovered"].value
    assert data["period"] == {"start": "2024-01-01", "end": "2024-12-31", "label": "2024"}
    assert data["links"]["coordinated_cases"].endswith(admin_stats["coordinated_cases"].url)
    assert len(data["breakdowns"]["enterprises_served"]) == 55


def test_the_exports_carry_the_figures_in_the_reader_language(admin_stats, client, settings):
    client.force_login(_user("admin"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/stats/export/", {"year": "2024", "format": "csv"})
    csv = b"".join(response.streaming_content).decode("utf-8-sig")
    assert csv.splitlines()[0] == "Section,Figure,Value,Unit,Definition,List"
    assert "Evidence records,2765," in csv
    assert "Coordinated cases,89," in csv
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    xlsx = client.get("/stats/export/", {"year": "2024", "format": "xlsx"}).content
    rows = list(load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("部分", "指标", "指标值")
    values = {row[1]: row[2] for row in rows[1:]}
    assert values["存证记录"] == 2765
    assert values["成员单位"] == 34


def test_the_annual_report_pdf_has_the_figures(admin_stats, client):
    client.force_login(_user("admin"))
    # A prepared download: the immediate backend builds it at once and sends the user to it.
    response = client.get("/stats/report.pdf", {"year": "2024"}, follow=True)
    assert response.redirect_chain[-1][0].endswith("/file/")
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content) if response.streaming else response.content
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "2,765" in text and "20,386,500.00" in text
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert all(name.endswith("NotoSerifSC-Regular") for name in fonts), fonts
