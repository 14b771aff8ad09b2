"""The lists of judicial confirmations and court referrals (``cases:confirmation-list``,
``cases:referral-list``): only the items the user may see (the handling side; a court its own
items), the API's FilterSets, sorting, the count badge the statistics page relies on, the
empty state, and CSV/XLSX exports of exactly the listed rows."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from alliance.models import Membership, Organization
from cases import services
from cases.choices import DisputeType, PartyRole
from cases.models import CourtReferral, JudicialConfirmation
from tests.cases.conftest import advance, make_case, org_party
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

CONFIRMATIONS = reverse("cases:confirmation-list")
REFERRALS = reverse("cases:referral-list")


def court(code: str) -> Organization:
    return Organization.objects.get(court_code=code)


@pytest.fixture
def court_world(case_world):
    """Three confirmations — at 芗城法院 (闽0602), at the intermediate court (闽06, the world's
    ``court`` user) and a remote one at a Xiamen court — and two referrals, at 闽0602 and
    闽06; plus a liaison of 芗城法院."""
    users, orgs = case_world["users"], case_world["orgs"]
    liaison = get_user_model().objects.create_user("xc_liaison", password="pw-test-123")
    Membership.objects.create(user=liaison, organization=court("闽0602"), role="liaison")
    users["xc_liaison"] = liaison
    today = timezone.localdate()

    def confirmation(title, dispute_type, code) -> JudicialConfirmation:
        case = make_case(
            users["clerk"], orgs["committee"], title=title, dispute_type=dispute_type,
            parties=[org_party(PartyRole.APPLICANT, orgs["ent_a"]),
                     org_party(PartyRole.RESPONDENT, orgs["ent_b"])],
        )  # fmt: skip
        case = advance(case, users["clerk"], users["mediator"], "settled")
        return services.confirmation_prepare(
            actor=users["mediator"], case=case, court=court(code), joint_application=True
        )

    confirmations = {
        "xc": confirmation("商标侵权确认", DisputeType.TRADEMARK_INFRINGEMENT, "闽0602"),
        "zz": confirmation("外观设计确认", DisputeType.DESIGN_INFRINGEMENT, "闽06"),
        "xm": confirmation("异地确认", DisputeType.DESIGN_INFRINGEMENT, "闽02"),
    }
    # The court's steps are not what these lists test: set their traces directly.
    JudicialConfirmation.objects.filter(pk=confirmations["zz"].pk).update(
        status="accepted",
        filed_on=today - dt.timedelta(days=10),
        accepted_on=today - dt.timedelta(days=8),
        court_case_number="（2025）闽06民特7号",
    )
    JudicialConfirmation.objects.filter(pk=confirmations["xm"].pk).update(
        status="filed", filed_on=today - dt.timedelta(days=2)
    )

    def referral(reference, code, kind, days_ago, title) -> CourtReferral:
        return services.referral_receive(
            actor=users["clerk"], handling_organization=orgs["committee"], court=court(code),
            kind=kind, court_reference=reference, referred_on=today - dt.timedelta(days=days_ago),
            title=title, dispute_type=DisputeType.TRADEMARK_INFRINGEMENT,
        )  # fmt: skip

    referrals = {
        "xc": referral("（2025）闽0602民诉前调301号", "闽0602", "delegation", 3, "芗城委派案件"),
        "zz": referral("（2025）闽06民初88号", "闽06", "entrustment", 12, "中院委托案件"),
    }
    return {**case_world, "users": users, "confirmations": confirmations, "referrals": referrals}


@pytest.fixture
def login(client, court_world):
    def as_user(name: str, language: str | None = "en"):
        client.force_login(court_world["users"][name])
        return use_language(client, language)

    return as_user


def listed(response, attribute: str) -> list[int]:
    assert response.status_code == 200
    return [int(pk) for pk in re.findall(rf'data-{attribute}="(\d+)"', response.content.decode())]


def count_badge(response) -> int:
    match = re.search(
        r'<span class="badge [^"]*list-count">(\d+)</span>', response.content.decode()
    )
    return int(match.group(1))


def pks(world, kind: str, *names: str) -> list[int]:
    return [world[kind][name].pk for name in names]


# --- confirmations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("mediator", ["xm", "zz", "xc"]),  # filed newest first, never-filed last
        ("superuser", ["xm", "zz", "xc"]),
        ("court", ["zz"]),
        ("xc_liaison", ["xc"]),
        ("partner", []),
        ("nobody", []),
    ],
)
def test_confirmations_show_only_what_the_user_may_see(login, court_world, user, expected):
    response = login(user).get(CONFIRMATIONS)
    assert listed(response, "confirmation") == pks(court_world, "confirmations", *expected)
    assert count_badge(response) == len(expected)
    rows = csv_rows(login(user).get(CONFIRMATIONS, {"format": "csv"}), "judicial-confirmations")
    titles = {c: court_world["confirmations"][c].case.title for c in expected}
    assert column(rows, "Case title") == [titles[c] for c in expected]
    if not expected:
        assert "empty-state" in response.content.decode()
        assert "No application for judicial confirmation here." in response.content.decode()


def test_confirmation_rows_link_to_their_detail_and_show_the_columns(login, court_world):
    zz = court_world["confirmations"]["zz"]
    html = login("mediator").get(CONFIRMATIONS, {"status": "accepted"}).content.decode()
    assert reverse("cases:confirmation-detail", args=[zz.pk]) in html
    assert zz.case.number in html and "（2025）闽06民特7号" in html
    assert "福建省漳州市中级人民法院" in html and "漳州市知识产权纠纷人民调解委员会" in html
    assert "remote-badge" not in html
    xm = login("mediator").get(CONFIRMATIONS, {"is_remote": "true"})
    assert listed(xm, "confirmation") == pks(court_world, "confirmations", "xm")
    assert "remote-badge" in xm.content.decode()
    assert 'href="/cases/confirmations/"' in html  # the Cases menu links the list


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": ["filed", "accepted"]}, ["xm", "zz"]),
        ({"q": "闽06民特7"}, ["zz"]),
        ({"court": "COURT:闽0602"}, ["xc"]),
        ({"filed_after": "2000-01-01", "sort": "filed"}, ["zz", "xm"]),
        ({"sort": "court"}, None),
        ({"sort": "-case"}, ["xm", "zz", "xc"]),
    ],
)
def test_confirmation_filters_and_sort(login, court_world, params, expected):
    params = {
        key: str(court("闽0602").pk) if value == "COURT:闽0602" else value
        for key, value in params.items()
    }
    client = login("mediator")
    shown = listed(client.get(CONFIRMATIONS, params), "confirmation")
    exported = column(
        csv_rows(client.get(CONFIRMATIONS, {**params, "format": "csv"})), "Case title"
    )
    by_pk = {c.pk: c for c in court_world["confirmations"].values()}
    assert exported == [by_pk[pk].case.title for pk in shown]
    if expected is None:  # sorted by court name
        names = [by_pk[pk].court.name for pk in shown]
        assert names == sorted(names) and len(names) == 3
    else:
        assert shown == pks(court_world, "confirmations", *expected)


def test_confirmation_export_columns_in_both_languages(login, court_world):
    zz = court_world["confirmations"]["zz"]
    rows = csv_rows(login("mediator").get(CONFIRMATIONS, {"format": "csv", "status": "accepted"}))
    assert records(rows) == [
        {
            "Case number": zz.case.number,
            "Case title": "外观设计确认",
            "Handling organisation": "漳州市知识产权纠纷人民调解委员会",
            "Court": "福建省漳州市中级人民法院",
            "Legal basis": "Civil Procedure Law art. 205 (mediation organisation)",
            "Remote (异地)": "No",
            "Status": "Accepted by the court",
            "Filed on": (timezone.localdate() - dt.timedelta(days=10)).isoformat(),
            "Court should accept by": "",
            "Accepted on": (timezone.localdate() - dt.timedelta(days=8)).isoformat(),
            "Court should decide by": "",
            "Ruling date": "",
            "Court case number": "（2025）闽06民特7号",
        }
    ]
    sheet = xlsx_sheet(login("court", language=None).get(CONFIRMATIONS, {"format": "xlsx"}))
    header, row = list(sheet.iter_rows(values_only=True))
    assert header[:4] == ("案号", "案件名称", "承办组织", "法院")
    assert row[6] == "法院已受理" and row[5] == "否"
    assert sheet.title == "司法确认"


def test_confirmation_list_refuses_bad_input(login, court_world):
    client = login("mediator")
    text = bad_request_text(client.get(CONFIRMATIONS, {"format": "csv", "status": "lost"}))
    assert "status (Status)" in text
    text = bad_request_text(client.get(CONFIRMATIONS, {"format": "csv", "filed_after": "x"}))
    assert "filed (Filed between)" in text
    assert "Unknown export format" in bad_request_text(client.get(CONFIRMATIONS, {"format": "x"}))
    page = client.get(CONFIRMATIONS, {"status": "lost"})
    assert listed(page, "confirmation") == [] and "format=csv" not in page.content.decode()
    # A court the user cannot see is not a choice: refused, not an empty file.
    text = bad_request_text(
        login("xc_liaison").get(CONFIRMATIONS, {"format": "csv", "court": court("闽06").pk})
    )
    assert "court (Court)" in text


def test_confirmation_export_holds_every_page(login, court_world):
    client = login("mediator")
    response = client.get(CONFIRMATIONS, {"page_size": "25", "page": "9"})
    assert count_badge(response) == 3
    assert len(records(xlsx_rows(client.get(CONFIRMATIONS, {"format": "xlsx", "page": "2"})))) == 3


# --- referrals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("clerk", ["xc", "zz"]),  # referred newest first
        ("court", ["zz"]),
        ("xc_liaison", ["xc"]),
        ("partner", []),
    ],
)
def test_referrals_show_only_what_the_user_may_see(login, court_world, user, expected):
    response = login(user).get(REFERRALS)
    assert listed(response, "referral") == pks(court_world, "referrals", *expected)
    assert count_badge(response) == len(expected)
    rows = csv_rows(login(user).get(REFERRALS, {"format": "csv"}), "court-referrals")
    references = {r: court_world["referrals"][r].court_reference for r in expected}
    assert column(rows, "Court reference number") == [references[r] for r in expected]
    if not expected:
        assert "No referral here." in response.content.decode()


def test_referral_rows_filters_sort_and_export(login, court_world):
    xc = court_world["referrals"]["xc"]
    client = login("mediator")
    html = client.get(REFERRALS).content.decode()
    assert reverse("cases:referral-detail", args=[xc.pk]) in html
    assert "draft" in html  # a received referral opens a draft case: no number yet
    assert 'href="/cases/referrals/"' in html
    for params, expected in [
        ({"kind": "entrustment"}, ["zz"]),
        ({"court": court("闽0602").pk}, ["xc"]),
        ({"sort": "referred"}, ["zz", "xc"]),
        ({"sort": "term"}, ["zz", "xc"]),
        ({"q": "芗城委派"}, ["xc"]),
        ({"status": "closed"}, []),
    ]:
        assert listed(client.get(REFERRALS, params), "referral") == pks(
            court_world, "referrals", *expected
        ), params
    (row,) = records(csv_rows(client.get(REFERRALS, {"format": "csv", "kind": "delegation"})))
    assert row["Case number"] == "" and row["Case title"] == "芗城委派案件"
    assert row["Court"] == "福建省漳州市芗城区人民法院"
    assert row["Direction"] == "From a court to mediation"
    assert row["Kind"] == "Delegation before filing (委派)"
    assert row["Status"] == "Open" and row["Outcome"] == ""
    assert row["Mediation term ends on"] == xc.term_ends_on.isoformat()
    text = bad_request_text(client.get(REFERRALS, {"format": "xlsx", "referred_before": "x"}))
    assert "referred" in text
    empty = client.get(REFERRALS, {"status": "closed"}).content.decode()
    assert "Nothing matches these filters." in empty


def test_court_lists_need_a_login(client, court_world):
    for url in (CONFIRMATIONS, REFERRALS):
        for params in ({}, {"format": "csv"}):
            response = client.get(url, params)
            assert response.status_code == 302 and "/accounts/login/" in response.url
