"""CSV and XLSX exports of the case list: exactly the filtered rows the user may see, parsed
back with the csv module and openpyxl; never a partner's case, never a full resident ID."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cases import services
from cases.choices import PartyRole
from tests.cases.conftest import make_case, org_party, person_party

FULL_ID = "11010519491231002X"
EXPORT = reverse("cases:case-export")


@pytest.fixture
def login(client, case_world):
    def as_user(name, language="en"):
        client.force_login(case_world["users"][name])
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client

    return as_user


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())  # Excel needs the BOM to read UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _xlsx(response) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(response.content))
    return list(workbook.worksheets[0].iter_rows(values_only=True))


def _titles(rows) -> set[str]:
    return {row[1] for row in rows[1:]}


def test_csv_contains_exactly_the_visible_rows(login, case_world):
    response = login("mediator").get(EXPORT, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="cases-{today}.csv"'
    rows = _csv(response)
    assert rows[0][:3] == ["Case number", "Title", "Status"]
    assert _titles(rows) == {"草稿案件", "已提交案件", "调解中案件"}


def test_csv_row_content(login, case_world):
    rows = _csv(login("mediator").get(EXPORT, {"format": "csv", "status": "submitted"}))
    header, (row,) = rows[0], rows[1:]
    record = dict(zip(header, row, strict=True))
    assert record["Case number"] == case_world["cases"]["submitted"].number
    assert record["Status"] == "Submitted"
    assert record["Applicants"] == "漳州甲食品有限公司"
    assert record["Respondents"] == "厦门乙科技有限公司"
    assert record["Claim amount (CNY)"] == "120000.00"
    assert record["Cross-region"] == "Yes"
    assert record["Received on"] == timezone.localdate().isoformat()
    assert record["Handling organisation"] == "漳州市知识产权纠纷人民调解委员会"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "mediating"}, {"调解中案件"}),
        ({"q": "张三"}, {"调解中案件"}),
        ({"is_cross_region": "false"}, {"草稿案件"}),
        ({"status": ["draft", "submitted"]}, {"草稿案件", "已提交案件"}),
    ],
)
def test_exports_follow_the_list_filters(login, case_world, params, expected):
    client = login("mediator")
    assert _titles(_csv(client.get(EXPORT, {"format": "csv", **params}))) == expected
    assert _titles(_xlsx(client.get(EXPORT, {"format": "xlsx", **params}))) == expected
    listed = client.get(reverse("cases:case-list"), params).content.decode()
    for title in expected:
        assert title in listed


def test_export_of_my_cases(login, case_world):
    rows = _csv(login("mediator").get(EXPORT, {"format": "csv", "mine": "1"}))
    assert _titles(rows) == {"调解中案件"}


def test_no_partner_rows_for_zhangzhou_users(login, case_world):
    for user in ("mediator", "org_admin", "clerk"):
        titles = _titles(_csv(login(user).get(EXPORT, {"format": "csv"})))
        assert "沈阳案件" not in titles and titles
    assert _titles(_csv(login("partner").get(EXPORT, {"format": "csv"}))) == {"沈阳案件"}
    assert "沈阳案件" in _titles(_csv(login("superuser").get(EXPORT, {"format": "csv"})))
    enterprise = _titles(_xlsx(login("enterprise").get(EXPORT, {"format": "xlsx"})))
    assert enterprise == {"已提交案件", "调解中案件"}


def test_exports_never_contain_a_full_resident_id(login, case_world):
    client = login("mediator")  # sees full IDs on the page, but never in an export
    body = b"".join(client.get(EXPORT, {"format": "csv"}).streaming_content).decode("utf-8-sig")
    assert "张三" in body
    assert FULL_ID not in body and "110105" not in body
    rows = _xlsx(client.get(EXPORT, {"format": "xlsx"}))
    cells = " ".join(str(cell) for row in rows for cell in row if cell is not None)
    assert "张三" in cells and FULL_ID not in cells and "110105" not in cells


def test_xlsx_has_typed_cells(login, case_world):
    response = login("mediator").get(EXPORT, {"format": "xlsx", "status": "submitted"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith('attachment; filename="cases-')
    assert response["Content-Disposition"].endswith('.xlsx"')
    header, row = _xlsx(response)
    record = dict(zip(header, row, strict=True))
    assert record["Title"] == "已提交案件"
    assert record["Claim amount (CNY)"] == 120000
    assert isinstance(record["Received on"], dt.datetime)
    assert record["Received on"].date() == timezone.localdate()


def test_export_sort_follows_the_list(login, case_world):
    rows = _csv(login("mediator").get(EXPORT, {"format": "csv", "sort": "-title"}))
    titles = [row[1] for row in rows[1:]]
    assert titles == sorted(titles, reverse=True)


def test_cells_that_look_like_formulas_are_exported_as_text(login, case_world):
    users, orgs = case_world["users"], case_world["orgs"]
    make_case(
        users["clerk"],
        orgs["committee"],
        title="=HYPERLINK(1)",
        parties=[person_party(PartyRole.APPLICANT, name="+王", id_number="")],
    )
    client = login("mediator")
    rows = _csv(client.get(EXPORT, {"format": "csv", "q": "HYPERLINK"}))
    assert rows[1][1] == "'=HYPERLINK(1)" and rows[1][7] == "'+王"
    workbook = load_workbook(
        io.BytesIO(client.get(EXPORT, {"format": "xlsx", "q": "HYPERLINK"}).content)
    )
    cell = workbook.worksheets[0]["B2"]
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s"


def test_chinese_export_keeps_chinese_data(login, case_world):
    users, orgs = case_world["users"], case_world["orgs"]
    services.party_add(
        actor=users["clerk"],
        case=case_world["cases"]["draft"],
        **org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
    )
    response = login("mediator", language="zh-hans").get(EXPORT, {"format": "csv"})
    rows = _csv(response)
    draft = next(row for row in rows[1:] if row[1] == "草稿案件")
    assert draft[0] == "" and draft[8] == "厦门乙科技有限公司"


@pytest.mark.parametrize("fmt", ["", "pdf", "CSV", "xls"])
def test_unknown_format_is_400(login, case_world, fmt):
    response = login("mediator").get(EXPORT, {"format": fmt} if fmt else {})
    assert response.status_code == 400
    assert "Unknown export format" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [{"status": "bogus"}, {"received_after": "yesterday"}, {"mediator": "999999"}],
)
def test_invalid_filters_are_400_not_500(login, case_world, params):
    response = login("mediator").get(EXPORT, {"format": "csv", **params})
    assert response.status_code == 400
    assert "The filters are not valid" in response.content.decode()


def test_handling_organisation_outside_scope_is_refused(login, case_world):
    partner = case_world["orgs"]["partner"]
    response = login("mediator").get(
        EXPORT, {"format": "xlsx", "handling_organization": partner.pk}
    )
    assert response.status_code == 400


def test_export_needs_a_login(client, case_world):
    response = client.get(EXPORT, {"format": "csv"})
    assert response.status_code == 302 and "/accounts/login/" in response.url
