"""Exports of the retrieval-request list (``?format=csv|xlsx``): each user's own requests
(the enterprise's, the service point's), the list's filters and sort, headers in the
request's language, refusals naming the field, formula-like text neutralised. The export
is not an access to evidence, so it leaves every custody log untouched."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse

from evidence import retrieval
from evidence.models import AccessEvent, RetrievalRequest
from tests.export_helpers import (
    bad_request_text,
    column,
    csv_rows,
    records,
    use_language,
    xlsx_rows,
    xlsx_sheet,
)

pytestmark = pytest.mark.django_db

LIST = reverse("evidence:retrieval-list")
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def login(client, people):
    def as_user(name: str, language: str | None = "en"):
        client.force_login(people["users"][name])
        return use_language(client, language)

    return as_user


@pytest.fixture
def requests_(people, ask, deposit):
    """ent_a: a web capture accepted and completed with one record, an open on-site request
    with a formula-like subject; ent_b: a request at the other service point."""
    users = people["users"]
    done = retrieval.accept(actor=users["servicepoint"], request=ask(subject="甲 网店截图"))
    record = deposit(actor="servicepoint", depositor="ent_a", title="网店截图")
    done = retrieval.complete(actor=users["servicepoint"], request=done, records=[record])
    open_ = ask(
        subject="=HYPERLINK(1)",
        kind=RetrievalRequest.Kind.ONSITE_PHOTOS,
        target_url="",
        due_date=dt.date(2030, 1, 31),
    )
    other = ask(
        actor="enterprise_b",
        enterprise="ent_b",
        service_point="other_point",
        subject="乙 现场拍照",
    )
    return {"done": done, "open": open_, "other": other}


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("enterprise", ["'=HYPERLINK(1)", "甲 网店截图"]),
        ("servicepoint", ["'=HYPERLINK(1)", "甲 网店截图"]),
        ("otherpoint", ["乙 现场拍照"]),
        ("superuser", ["乙 现场拍照", "'=HYPERLINK(1)", "甲 网店截图"]),
        ("mediator", []),
    ],
)
def test_each_user_exports_their_own_requests(login, requests_, user, expected):
    rows = csv_rows(login(user).get(LIST, {"format": "csv"}), "retrieval-requests")
    assert column(rows, "Subject") == expected  # newest first, like the list


def test_row_content_in_english(login, people, requests_):
    rows = csv_rows(login("servicepoint").get(LIST, {"format": "csv", "status": "completed"}))
    assert rows[0] == [
        "Subject", "Kind", "Status", "Enterprise", "Service point", "Target URL",
        "Requested on", "Wanted by", "Assignee", "Records", "Closed at",
    ]  # fmt: skip
    (row,) = records(rows)
    done = requests_["done"]
    assert row["Kind"] == "Web capture" and row["Status"] == "Completed"
    assert row["Enterprise"] == "漳州甲食品有限公司" and row["Service point"] == "芗城服务网点"
    assert row["Target URL"] == "https://shop.example.com/item/9"
    assert row["Requested on"] == done.created_at.astimezone(SHANGHAI).date().isoformat()
    assert row["Assignee"] == "servicepoint" and row["Records"] == "1"
    assert row["Closed at"] == done.closed_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def test_filters_and_sort_narrow_the_export(login, requests_):
    client = login("superuser")
    for params, expected in [
        ({"kind": "onsite_photos"}, ["'=HYPERLINK(1)"]),
        ({"q": "网店"}, ["甲 网店截图"]),
        ({"service_point": requests_["other"].service_point_id}, ["乙 现场拍照"]),
        ({"sort": "subject"}, ["'=HYPERLINK(1)", "乙 现场拍照", "甲 网店截图"]),
    ]:
        rows = csv_rows(client.get(LIST, {"format": "csv", **params}))
        assert column(rows, "Subject") == expected, params
        shown = [o.subject for o in client.get(LIST, params).context["object_list"]]
        assert shown == [subject.removeprefix("'") for subject in expected]  # the list's rows


def test_xlsx_in_chinese_keeps_formulas_as_text(login, requests_):
    response = login("enterprise", language=None).get(LIST, {"format": "xlsx", "sort": "-due"})
    sheet = xlsx_sheet(response, "retrieval-requests")
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("事由", "类型", "状态")
    assert sheet["A2"].value == "=HYPERLINK(1)" and sheet["A2"].data_type == "s"
    assert rows[1][7] == dt.datetime(2030, 1, 31)  # wanted by, a date cell
    assert sheet.title == "取证请求"


def test_refusals_name_the_field(login, requests_):
    client = login("enterprise")
    assert "status (Status)" in bad_request_text(client.get(LIST, {"format": "csv", "status": "x"}))
    text = bad_request_text(client.get(LIST, {"format": "csv", "enterprise": "999999"}))
    assert "enterprise (Enterprise)" in text
    assert "Unknown export format" in bad_request_text(client.get(LIST, {"format": "txt"}))


def test_the_export_is_no_access_to_evidence(login, requests_):
    before = AccessEvent.objects.count()
    xlsx_rows(login("servicepoint").get(LIST, {"format": "xlsx"}))
    csv_rows(login("enterprise").get(LIST, {"format": "csv"}))
    assert AccessEvent.objects.count() == before


def test_the_page_has_a_count_badge_and_export_buttons(login, requests_):
    page = login("enterprise").get(LIST, {"kind": "web_capture"}).content.decode()
    assert '<span class="badge text-bg-light align-middle list-count">1</span>' in page
    assert 'href="?kind=web_capture&amp;format=csv"' in page
