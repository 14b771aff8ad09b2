"""Exports of the case lists other than the case list itself — "my cases", "shared with us" —
and of the mediator workload: each exports exactly its own rows on its own URL (the general
case export exports every visible case), in the case export's columns."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases import services
from tests.export_helpers import (
    bad_request_text,
    column,
    csv_rows,
    records,
    use_language,
    xlsx_rows,
)

pytestmark = pytest.mark.django_db

MINE = reverse("cases:my-cases")
SHARED = reverse("cases:shared-with-us")
WORKLOAD = reverse("cases:workload")
CASE_EXPORT = reverse("cases:case-export")
FULL_ID = "11010519491231002X"


@pytest.fixture
def login(client, case_world):
    def as_user(name: str, language: str | None = "en"):
        client.force_login(case_world["users"][name])
        return use_language(client, language)

    return as_user


@pytest.fixture
def shared(case_world):
    """The committee's submitted case shared with the Shenyang bureau to view, its mediating
    case to collaborate; the Shenyang bureau's own case is not "shared with" it."""
    users, orgs, cases = case_world["users"], case_world["orgs"], case_world["cases"]
    for name, level in (("submitted", "view"), ("mediating", "collaborate")):
        services.share_grant(
            actor=users["org_admin"], case=cases[name], organization=orgs["partner"],
            level=level, reason="协查侵权线索",
        )  # fmt: skip
    return cases


def test_my_cases_export_has_only_my_cases(login, case_world):
    client = login("mediator")
    everything = column(csv_rows(client.get(CASE_EXPORT, {"format": "csv"})), "Title")
    assert sorted(everything) == sorted(["草稿案件", "已提交案件", "调解中案件"])
    rows = csv_rows(client.get(MINE, {"format": "csv"}), "my-cases")
    assert rows[0][:3] == ["Case number", "Title", "Status"]  # the case export's columns
    (row,) = records(rows)
    assert row["Title"] == "调解中案件" and row["Status"] == "Mediating"
    assert row["Case number"] == case_world["cases"]["mediating"].number
    assert row["Third parties"] == "张三"  # by name only
    body = "".join(",".join(r) for r in rows)
    assert FULL_ID not in body and "110105" not in body
    assert csv_rows(client.get(MINE, {"format": "csv", "status": "submitted"}))[1:] == []
    assert csv_rows(login("mediator2").get(MINE, {"format": "csv"}))[1:] == []


def test_my_cases_xlsx_in_chinese_and_refusals(login, case_world):
    client = login("mediator", language=None)
    rows = xlsx_rows(client.get(MINE, {"format": "xlsx"}), "my-cases")
    assert rows[0][:3] == ("案号", "名称", "状态")
    assert [r["名称"] for r in records(rows)] == ["调解中案件"]
    assert "status" in bad_request_text(client.get(MINE, {"format": "csv", "status": "lost"}))
    assert bad_request_text(client.get(MINE, {"format": "docx"})).startswith("未知的导出格式")


def test_shared_with_us_exports_the_shared_cases_only(login, case_world, shared):
    client = login("partner")
    everything = column(csv_rows(client.get(CASE_EXPORT, {"format": "csv"})), "Title")
    assert "沈阳案件" in everything  # the general export has the partner's own case too
    rows = csv_rows(client.get(SHARED, {"format": "csv", "sort": "title"}), "shared-with-us")
    assert rows[0][-1] == "Share"
    assert [(r["Title"], r["Share"]) for r in records(rows)] == [
        ("已提交案件", "View (沈阳市市场监督管理局)"),
        ("调解中案件", "Collaborate (comments and replies) (沈阳市市场监督管理局)"),
    ]
    filtered = csv_rows(client.get(SHARED, {"format": "csv", "status": "mediating"}))
    assert column(filtered, "Title") == ["调解中案件"]
    page = client.get(SHARED, {"status": "mediating"}).content.decode()
    assert '<span class="badge text-bg-light align-middle list-count">1</span>' in page
    assert 'href="?status=mediating&amp;format=xlsx"' in page
    # The handling side shares, it is not shared with: nothing here for them.
    assert csv_rows(login("mediator").get(SHARED, {"format": "csv"}))[1:] == []


def test_a_revoked_share_leaves_the_export(login, case_world, shared):
    share = shared["submitted"].shares.get()
    services.share_revoke(actor=case_world["users"]["org_admin"], share=share, reason="已办结")
    rows = csv_rows(login("partner").get(SHARED, {"format": "csv"}))
    assert column(rows, "Title") == ["调解中案件"]


def test_workload_export(login, case_world):
    rows = csv_rows(login("org_admin").get(WORKLOAD, {"format": "csv"}), "workload")
    assert rows[0] == ["Organisation", "Mediator", "Open cases", "Being mediated"]
    committee = [
        r for r in records(rows) if r["Organisation"] == "漳州市知识产权纠纷人民调解委员会"
    ]
    assert sorted((r["Mediator"], r["Open cases"], r["Being mediated"]) for r in committee) == [
        ("mediator", "1", "1"),
        ("mediator2", "0", "0"),
    ]
    assert csv_rows(login("partner").get(WORKLOAD, {"format": "csv"}))[1:] == [
        ["沈阳市市场监督管理局", "partner", "0", "0"]  # its case is not assigned yet
    ]
    assert csv_rows(login("enterprise").get(WORKLOAD, {"format": "csv"}))[1:] == []
    xlsx = xlsx_rows(login("org_admin", language=None).get(WORKLOAD, {"format": "xlsx"}))
    assert xlsx[0] == ("单位", "调解员", "在办案件", "调解中")
    assert "Unknown export format" in bad_request_text(
        login("org_admin").get(WORKLOAD, {"format": "pdf"})
    )
