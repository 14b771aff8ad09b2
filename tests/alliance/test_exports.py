"""CSV/XLSX exports of the directory lists, the indicator values and the collaboration boxes
(``?format=`` on each list's own URL): exactly the filtered rows the user may see, on every
page, headers in the request's language, invalid input refused with a 400 naming the field,
formula-like cells neutralised."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from alliance import selectors
from alliance.models import (
    CollaborationRequest,
    Indicator,
    IndicatorValue,
    Membership,
    Organization,
    Region,
)
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

ORGS = reverse("alliance:organization-list")
ENTERPRISES = reverse("alliance:enterprise-list")
IP_RIGHTS = reverse("alliance:ip-list")
REGIONS = reverse("alliance:region-list")
INDICATORS = reverse("alliance:indicator-list")
INBOX = reverse("alliance:collaboration-inbox")
OUTBOX = reverse("alliance:collaboration-outbox")
OVERDUE = reverse("alliance:collaboration-overdue")
FORMULA = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture
def login(client, world):
    def as_user(name: str, language: str | None = "en"):
        client.force_login(world["users"][name])
        return use_language(client, language)

    return as_user


# --- organisations and enterprises ---------------------------------------------------------------


def test_organisation_csv_has_english_headers_and_the_filtered_rows(login, world):
    rows = csv_rows(
        login("mediator").get(ORGS, {"format": "csv", "kind": "enterprise"}), "organisations"
    )
    assert rows[0] == [
        "Name", "Short name", "Kind", "Region", "Region code", "USCC", "Court code",
        "Parent organisation", "Joined the alliance", "Key enterprise",
    ]  # fmt: skip
    assert set(column(rows, "Name")) == {"漳州甲食品有限公司", "厦门乙科技有限公司"}
    ent_a = next(r for r in records(rows) if r["Name"] == "漳州甲食品有限公司")
    assert ent_a["Kind"] == "Enterprise"
    assert ent_a["Region"] == "芗城区" and ent_a["Region code"] == "350602"
    assert ent_a["USCC"] == world["orgs"]["ent_a"].uscc
    assert ent_a["Parent organisation"] == "芗城服务网点"
    assert ent_a["Key enterprise"] == "Yes"
    bureau = records(csv_rows(login("mediator").get(ORGS, {"format": "csv", "q": "漳州市市场"})))
    assert [r["Joined the alliance"] for r in bureau] == ["2023-04-26"]


def test_organisation_xlsx_is_in_chinese_by_default(login, world):
    response = login("mediator", language=None).get(
        ORGS, {"format": "xlsx", "kind": "enterprise", "is_key_enterprise": "true"}
    )
    rows = xlsx_rows(response, "organisations")
    assert rows[0][:4] == ("名称", "简称", "类型", "行政区划")
    (row,) = records(rows)
    assert row["名称"] == "漳州甲食品有限公司" and row["类型"] == "企业" and row["重点企业"] == "是"


def test_an_enterprise_exports_only_itself_among_enterprises(login, world):
    client = login("enterprise")
    assert column(csv_rows(client.get(ENTERPRISES, {"format": "csv"})), "Name") == [
        "漳州甲食品有限公司"
    ]
    names = column(csv_rows(client.get(ORGS, {"format": "csv"})), "Name")
    assert "漳州甲食品有限公司" in names and "厦门乙科技有限公司" not in names
    nobody = csv_rows(login("nobody").get(ORGS, {"format": "csv"}))
    assert nobody[0][0] == "Name" and nobody[1:] == []  # the header row only


def test_enterprise_export_columns(login, world):
    rows = csv_rows(
        login("mediator").get(ENTERPRISES, {"format": "csv", "q": "厦门"}), "enterprises"
    )
    assert records(rows) == [
        {
            "Name": "厦门乙科技有限公司",
            "USCC": world["orgs"]["ent_b"].uscc,
            "Region": "厦门市",
            "Region code": "350200",
            "Service point": "",
            "Key enterprise": "No",
            "IP rights": "1",
        }
    ]


def test_export_holds_every_page_in_the_list_order(login, world, regions):
    for n in range(30):
        Organization.objects.create(
            kind=Organization.Kind.OTHER, name=f"测试单位{n:02d}", region=regions["zhangzhou"]
        )
    client = login("mediator")
    params = {"q": "测试单位", "sort": "-name", "page": "2"}
    assert client.get(ORGS, params).context["paginator"].count == 30
    names = column(csv_rows(client.get(ORGS, {**params, "format": "csv"})), "Name")
    assert names == [f"测试单位{n:02d}" for n in reversed(range(30))]
    page = client.get(ORGS, params).content.decode()
    assert '<span class="badge text-bg-light align-middle list-count">30</span>' in page
    assert 'href="?q=%E6%B5%8B%E8%AF%95%E5%8D%95%E4%BD%8D&amp;sort=-name&amp;format=csv"' in page


def test_invalid_filter_or_format_is_a_400_naming_it(login, world):
    client = login("mediator")
    text = bad_request_text(client.get(ORGS, {"format": "csv", "joined_after": "yesterday"}))
    assert "The filters are not valid" in text and "joined (Joined the alliance)" in text
    text = bad_request_text(client.get(ORGS, {"format": "pdf"}))
    assert "Unknown export format. Use format=csv or format=xlsx." in text
    page = client.get(ORGS, {"joined_after": "yesterday"}).content.decode()
    assert "format=csv" not in page  # no export buttons while the filters are invalid
    assert "format=csv" in client.get(ORGS).content.decode()


def test_formula_like_names_are_neutralised(login, world, regions):
    Organization.objects.create(
        kind=Organization.Kind.OTHER, name=FORMULA, region=regions["fujian"]
    )
    client = login("mediator")
    rows = csv_rows(client.get(ORGS, {"format": "csv", "q": "HYPERLINK"}))
    assert column(rows, "Name") == ["'" + FORMULA]
    cell = xlsx_sheet(client.get(ORGS, {"format": "xlsx", "q": "HYPERLINK"}))["A2"]
    assert cell.value == FORMULA and cell.data_type == "s"


# --- IP rights and regions -----------------------------------------------------------------------


def test_ip_rights_export(login, world):
    rows = csv_rows(login("enterprise").get(IP_RIGHTS, {"format": "csv"}), "ip-rights")
    assert rows[0] == [
        "Kind", "Number", "Title", "Owner", "Nice class", "Filed on", "Granted / registered",
        "Expires on",
    ]  # fmt: skip
    assert column(rows, "Number") == ["ZL201710601862.3"]  # not ent_b's trademark
    rows = csv_rows(login("mediator").get(IP_RIGHTS, {"format": "csv", "kind": "trademark"}))
    (mark,) = records(rows)
    assert mark["Title"] == "乙" and mark["Owner"] == "厦门乙科技有限公司"
    assert mark["Nice class"] == "9" and mark["Number"] == "第12345678号"
    text = bad_request_text(login("mediator").get(IP_RIGHTS, {"format": "xlsx", "nice_class": "x"}))
    assert "nice_class" in text


def test_region_export_counts_the_visible_organisations(login, world):
    client = login("enterprise", language=None)
    rows = xlsx_rows(client.get(REGIONS, {"format": "xlsx", "parent": "350600"}), "regions")
    assert rows[0][:4] == ("代码", "名称", "英文名称", "级别")
    codes = [row[0] for row in rows[1:]]
    expected = Region.objects.filter(parent__code="350600").order_by("code")
    assert codes == list(expected.values_list("code", flat=True)) and len(codes) > 5
    visible = selectors.organization_visible_to(world["users"]["enterprise"])
    xiangcheng = next(row for row in rows[1:] if row[0] == "350602")
    assert xiangcheng[-1] == visible.filter(region__code="350602", is_active=True).count() > 0
    # Xiamen: its court counts, the enterprise there (which this user may not see) does not.
    cities = xlsx_rows(client.get(REGIONS, {"format": "xlsx", "parent": "350000"}))
    xiamen = next(row for row in cities[1:] if row[0] == "350200")
    assert xiamen[-1] == Organization.objects.filter(region__code="350200").count() - 1
    assert "level" in bad_request_text(client.get(REGIONS, {"format": "csv", "level": "planet"}))


# --- indicator values ---------------------------------------------------------------------------


def _value(code: str, year: int, value: str, region: Region) -> IndicatorValue:
    return IndicatorValue.objects.create(
        indicator=Indicator.objects.get(code=code),
        region=region,
        year=year,
        value=Decimal(value),
        source="漳州市知识产权新闻发布会",
        source_date=dt.date(year + 1, 4, 20),
    )


def test_indicator_export_has_the_change_on_the_previous_year(login, world, regions):
    zz = regions["zhangzhou"]
    _value("patents_granted", 2023, "8000", zz)
    _value("patents_granted", 2024, "9000", zz)
    _value("ip_pledge_financing", 2024, "12.5", zz)
    _value("patents_granted", 2024, "50000", regions["xiamen"])
    client = login("clerk")
    params = {"format": "csv", "year": "2024", "region": "350600", "sort": "indicator"}
    rows = csv_rows(client.get(INDICATORS, params), "indicators")
    assert rows[0] == [
        "Year", "Region code", "Region", "Indicator", "Value", "Unit", "Previous year",
        "Year on year", "Change (%)", "Source of the figure", "Source date",
    ]  # fmt: skip
    patents, pledges = records(rows)
    assert patents["Value"] == "9000" and patents["Previous year"] == "8000"
    assert patents["Year on year"] == "1000" and patents["Change (%)"] == "12.50"
    assert patents["Region"] == "漳州市" and patents["Source date"] == "2025-04-20"
    assert pledges["Value"] == "12.50" and pledges["Previous year"] == ""
    xlsx = records(xlsx_rows(client.get(INDICATORS, {**params, "format": "xlsx"})))
    assert [r["Value"] for r in xlsx] == [9000, 12.5]
    assert "year" in bad_request_text(client.get(INDICATORS, {"format": "csv", "year": "1800"}))
    assert login("nobody").get(INDICATORS, {"format": "csv"}).status_code == 403


# --- collaboration boxes ------------------------------------------------------------------------


@pytest.fixture
def requests_(world, regions):
    """Zhangzhou ↔ Shenyang requests in both directions, one overdue, and one between two
    other bureaus that no Zhangzhou user may see."""
    orgs = world["orgs"]
    xiamen = Organization.objects.create(
        kind=Organization.Kind.BUREAU,
        name="厦门市市场监督管理局",
        region=regions["xiamen"],
        alliance_joined_on=dt.date(2023, 4, 26),
    )
    today = timezone.localdate()

    def make(frm, to, subject, *, sent_ago, due_in, status="open", **extra):
        sent = today - dt.timedelta(days=sent_ago)
        return CollaborationRequest.objects.create(
            from_organization=frm, to_organization=to, subject=subject,
            kind=extra.pop("kind", CollaborationRequest.Kind.EVIDENCE), sent_on=sent,
            due_on=today + dt.timedelta(days=due_in), status=status, **extra,
        )  # fmt: skip

    return {
        "in": make(orgs["partner"], orgs["zz_bureau"], "沈阳请漳州协查", sent_ago=3, due_in=5),
        "late": make(orgs["partner"], orgs["zz_bureau"], FORMULA, sent_ago=20, due_in=-2),
        "out": make(
            orgs["zz_bureau"],
            orgs["partner"],
            "漳州请沈阳调证",
            sent_ago=10,
            due_in=1,
            status="accepted",
            accepted_on=today - dt.timedelta(days=9),
            kind=CollaborationRequest.Kind.JOINT_MEDIATION,
        ),
        "other": make(xiamen, orgs["partner"], "厦门请沈阳", sent_ago=30, due_in=-10),
    }


def test_collaboration_boxes_export_their_own_rows(login, world, requests_):
    client = login("org_admin")
    inbox = csv_rows(client.get(INBOX, {"format": "csv"}), "collaboration-received")
    assert inbox[0] == [
        "Subject", "Kind", "Status", "From", "To", "Sent on", "Due on", "Accepted on",
        "Closed on", "Overdue", "Replies",
    ]  # fmt: skip
    assert column(inbox, "Subject") == ["沈阳请漳州协查", "'" + FORMULA]  # newest first
    assert column(inbox, "Overdue") == ["No", "Yes"]
    outbox = records(csv_rows(client.get(OUTBOX, {"format": "csv"}), "collaboration-sent"))
    assert [(r["Subject"], r["Kind"], r["Status"], r["To"]) for r in outbox] == [
        ("漳州请沈阳调证", "Joint mediation", "Accepted", "沈阳市市场监督管理局")
    ]
    overdue = csv_rows(client.get(OVERDUE, {"format": "csv"}), "collaboration-overdue")
    assert column(overdue, "Subject") == ["'" + FORMULA]  # never the Xiamen→Shenyang one
    filtered = csv_rows(client.get(INBOX, {"format": "csv", "overdue": "false"}))
    assert column(filtered, "Subject") == ["沈阳请漳州协查"]
    partner = column(csv_rows(login("partner").get(OVERDUE, {"format": "csv"})), "Subject")
    assert sorted(partner) == sorted(["'" + FORMULA, "厦门请沈阳"])


def test_collaboration_xlsx_in_chinese_and_bad_filters(login, world, requests_):
    client = login("org_admin", language=None)
    sheet = xlsx_sheet(client.get(INBOX, {"format": "xlsx", "q": "HYPERLINK"}))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("事由", "类型", "状态", "发出单位", "接收单位")
    assert sheet["A2"].value == FORMULA and sheet["A2"].data_type == "s"
    assert rows[1][1] == "协助取证" and rows[1][9] == "是"
    assert sheet.title == "收到的协作请求"
    text = bad_request_text(client.get(INBOX, {"format": "csv", "status": "lost"}))
    assert "status" in text


def test_exports_need_a_login(client, world):
    for url in (ORGS, ENTERPRISES, IP_RIGHTS, REGIONS, INDICATORS, INBOX, OUTBOX, OVERDUE):
        response = client.get(url, {"format": "csv"})
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_export_follows_the_users_memberships_as_they_are_now(login, world):
    user = world["users"]["enterprise"]
    Membership.objects.create(
        user=user, organization=world["orgs"]["ent_b"], role=Membership.Role.VIEWER
    )
    names = column(csv_rows(login("enterprise").get(ENTERPRISES, {"format": "csv"})), "Name")
    assert sorted(names) == sorted(["漳州甲食品有限公司", "厦门乙科技有限公司"])
