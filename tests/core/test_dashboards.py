"""Role dashboards on the home page (issue 7 part 4): per role the right figures and rows, never
another organisation's items, every figure's link opens a list with exactly that many rows,
the explanatory message without membership, both languages.

Deadlines, the query budget and the calendar helper: ``test_dashboards_budget.py``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from alliance import collaboration
from alliance.models import CollaborationRequest, Membership
from cases import services
from cases.choices import DisputeType, PartyRole
from cases.models import CourtReferral, MediationCase, ProtectionAction
from evidence import retrieval
from evidence.models import EvidenceRecord
from tests.cases.conftest import advance, make_case, org_party
from tests.core.dashboard_helpers import (
    HOME,
    assert_links_agree,
    at_today,
    court,
    figures,
    filed_at,
    home,
    opened,
    panels,
    rows,
    settled,
    text,
    the_panel,
)

pytestmark = pytest.mark.django_db


# --- the busy world --------------------------------------------------------------------------


@pytest.fixture
def busy(case_world):
    """``case_world`` with something for every panel, and next to each item one that belongs
    to someone else."""
    users, orgs, cases = case_world["users"], case_world["orgs"], case_world["cases"]
    User = get_user_model()
    today = timezone.localdate()
    liaison = User.objects.create_user("xc_liaison", password="pw-test-123")
    Membership.objects.create(
        user=liaison, organization=court("闽0602"), role=Membership.Role.LIAISON
    )
    partner_admin = User.objects.create_user("sy_admin", password="pw-test-123")
    Membership.objects.create(
        user=partner_admin, organization=orgs["partner"], role=Membership.Role.ADMIN
    )
    users.update(liaison=liaison, partner_admin=partner_admin)

    # mediator: the mediating case has a session today and its deadline this week; the second
    # mediator's case has a session today too (not ours).
    mediating = cases["mediating"]
    MediationCase.objects.filter(pk=mediating.pk).update(
        mediation_deadline=today + dt.timedelta(days=2)
    )
    services.session_schedule(
        actor=users["mediator"], case=mediating, starts_at=at_today(0, 1), location="第二调解室"
    )
    other = advance(
        make_case(users["clerk"], orgs["committee"], title="他人调解案件",
                  parties=[org_party(PartyRole.APPLICANT, orgs["ent_b"]),
                           org_party(PartyRole.RESPONDENT, orgs["ent_a"])]),
        users["clerk"], users["mediator2"], "mediating",
    )  # fmt: skip
    services.session_schedule(
        actor=users["mediator2"], case=other, starts_at=at_today(0, 2), location="第三调解室"
    )

    # court: one application filed with 芗城法院 (overdue), one with 漳州中院; a referral.
    at_xc = services.confirmation_prepare(
        actor=users["mediator"], case=settled(case_world, "芗城确认案件"), court=court("闽0602")
    )
    filed_at(at_xc, today - dt.timedelta(days=1), "闽0602")
    at_zz = services.confirmation_prepare(
        actor=users["mediator"], case=settled(case_world, "中院确认案件"), court=court("闽0602")
    )
    filed_at(at_zz, today + dt.timedelta(days=2), "闽06")
    referral = services.referral_receive(
        actor=users["clerk"],
        handling_organization=orgs["committee"],
        court=court("闽0602"),
        kind=CourtReferral.Kind.DELEGATION,
        court_reference="（2025）闽0602民诉前调301号",
        referred_on=today,
        title="诉前委派案件",
        dispute_type=DisputeType.TRADEMARK_INFRINGEMENT,
    )

    # partner: the submitted case shared with Shenyang; requests both ways, one overdue.
    services.share_grant(
        actor=users["org_admin"],
        case=cases["submitted"],
        organization=orgs["partner"],
        level="view",
        reason="沈阳当事人住所地协查",
    )
    to_partner = collaboration.collaboration_send(
        actor=users["org_admin"],
        from_organization=orgs["zz_bureau"],
        to_organization=orgs["partner"],
        kind=CollaborationRequest.Kind.EVIDENCE,
        subject="请协助调查沈阳销售网点",
    )
    late = collaboration.collaboration_send(
        actor=partner_admin,
        from_organization=orgs["partner"],
        to_organization=orgs["zz_bureau"],
        kind=CollaborationRequest.Kind.INFORMATION,
        subject="请提供漳州案件信息",
    )
    CollaborationRequest.objects.filter(pk=late.pk).update(
        sent_on=today - dt.timedelta(days=20), due_on=today - dt.timedelta(days=5)
    )

    # evidence: two records of ent_a and one of ent_b deposited at the service point today;
    # ent_b's is cited in the case ent_a is a party to (so ent_a's people see it).
    own = [text(case_world, "甲公司证据一"), text(case_world, "甲公司证据二")]
    foreign = text(case_world, "乙公司证据", depositor="ent_b")
    services.evidence_link(actor=users["superuser"], case=cases["submitted"], record=foreign)
    request = retrieval.request_retrieval(
        actor=users["enterprise"],
        enterprise=orgs["ent_a"],
        service_point=None,
        kind="web_capture",
        subject="侵权网店截图",
        target_url="https://shop.example.com/item/9",
        due_date=today + dt.timedelta(days=3),
    )
    fields = {
        "kind": ProtectionAction.Kind.PLATFORM_TAKEDOWN,
        "started_on": today,
        "amount_recovered": Decimal("0"),
    }
    services.action_record(
        actor=users["enterprise"], enterprise=orgs["ent_a"], title="甲公司投诉下架", **fields
    )
    services.action_record(
        actor=users["servicepoint"], enterprise=orgs["ent_b"], title="乙公司投诉下架", **fields
    )
    return {
        **case_world,
        "users": users,
        "items": {
            "at_xc": at_xc, "at_zz": at_zz, "referral": referral, "to_partner": to_partner,
            "late": late, "own": own, "foreign": foreign, "request": request,
        },
    }  # fmt: skip


# --- per role ----------------------------------------------------------------------------------


def test_a_mediator_sees_their_open_cases_deadlines_and_sessions_today(client, busy):
    response = home(client, busy["users"]["mediator"])
    panel = the_panel(response, "mediator")
    assert panel.subtitle == "漳州市知识产权纠纷人民调解委员会"
    # Assigned: the mediating case and the two settled ones (not open).
    assert figures(panel) == {
        "open_cases": 1, "submitted": 0, "mediating": 1, "deadlines": 2, "sessions": 1,
    }  # fmt: skip
    mediating = busy["cases"]["mediating"]
    label = f"{mediating.number} {mediating.title}"
    assert rows(panel, "open_cases") == [label]
    # Its mediation deadline, and the court's acceptance date of an application of ours.
    deadlines = {(r.title, r.note) for r in panel.lists[1].rows}
    assert deadlines == {
        (label, "Mediation deadline"),
        (f"{busy['items']['at_zz'].case.number} 中院确认案件", "Court should accept by"),
    }
    assert rows(panel, "sessions") == [label]  # not the other mediator's session
    (session,) = next(rl for rl in panel.lists if rl.key == "sessions").rows
    assert session.note == "第二调解室"
    count, ids = opened(client, panel.figures[0].url)
    assert (count, ids) == (1, {mediating.pk})
    assert panels(response, "clerk") == [] and panels(response, "court") == []


def test_a_clerk_sees_the_intake_of_each_of_their_organisations(client, busy):
    response = home(client, busy["users"]["clerk"])
    by_org = {p.subtitle: p for p in panels(response, "clerk")}
    assert set(by_org) == {"漳州市知识产权纠纷人民调解委员会", "漳州市市场监督管理局"}
    committee = by_org["漳州市知识产权纠纷人民调解委员会"]
    # draft + the referral's draft; submitted; open = submitted + two mediating; 2 settled.
    assert figures(committee) == {"draft": 2, "submitted": 1, "open": 3, "settled": 2}
    assert figures(by_org["漳州市市场监督管理局"]) == dict.fromkeys(figures(committee), 0)
    count, ids = opened(client, committee.figures[0].url)
    assert count == 2 and busy["cases"]["draft"].pk in ids
    # Both sessions of today are the committee's; the Shenyang case appears nowhere.
    assert len(rows(committee, "sessions")) == 2
    assert "沈阳案件" not in response.content.decode()


def test_a_court_liaison_sees_only_the_items_at_their_court(client, busy):
    response = home(client, busy["users"]["liaison"])
    panel = the_panel(response, "court")
    assert panel.subtitle == "福建省漳州市芗城区人民法院"
    assert figures(panel) == {"filed": 1, "accepted": 0, "referrals": 1}
    at_xc = busy["items"]["at_xc"]
    assert rows(panel, "confirmations") == [f"{at_xc.case.number} 芗城确认案件"]
    (row,) = panel.lists[0].rows
    assert row.alert and row.badge == "overdue"
    assert rows(panel, "referrals") == ["诉前委派案件"]  # a draft: no number yet
    assert opened(client, panel.figures[0].url) == (1, {at_xc.pk})
    assert opened(client, panel.figures[2].url) == (1, {busy["items"]["referral"].pk})
    # 漳州中院's liaison sees the other application only.
    other = the_panel(home(client, busy["users"]["court"]), "court")
    assert rows(other, "confirmations") == [f"{busy['items']['at_zz'].case.number} 中院确认案件"]
    assert other.lists[0].rows[0].alert is False


def test_a_partner_sees_shared_cases_and_requests_received(client, busy):
    response = home(client, busy["users"]["partner"])
    panel = the_panel(response, "partner")
    assert figures(panel) == {"shared": 1, "requests_open": 1, "requests_overdue": 0}
    submitted = busy["cases"]["submitted"]
    assert rows(panel, "shares") == [f"{submitted.number} {submitted.title}"]
    assert rows(panel, "requests") == ["请协助调查沈阳销售网点"]
    assert opened(client, panel.figures[0].url) == (1, {submitted.pk})
    assert opened(client, panel.figures[1].url) == (1, {busy["items"]["to_partner"].pk})
    # Only what is shared: the committee's other cases do not show.
    html = response.content.decode()
    assert "调解中案件" not in html and "草稿案件" not in html


def test_the_receiving_bureau_sees_its_overdue_request_first_in_red(client, busy):
    panel = the_panel(home(client, busy["users"]["org_admin"]), "partner")
    assert figures(panel) == {"shared": 0, "requests_open": 1, "requests_overdue": 1}
    (row,) = next(rl for rl in panel.lists if rl.key == "requests").rows
    assert row.title == "请提供漳州案件信息" and row.alert and row.badge == "overdue"
    overdue = next(f for f in panel.figures if f.key == "requests_overdue")
    assert opened(client, overdue.url) == (1, {busy["items"]["late"].pk})


def test_a_service_point_sees_todays_deposits_and_open_requests(client, busy):
    response = home(client, busy["users"]["servicepoint"])
    panel = the_panel(response, "service_point")
    assert panel.subtitle == "芗城服务网点"
    assert figures(panel) == {"deposits_today": 3, "requests_open": 1, "requests_new": 1}
    assert rows(panel, "requests") == ["侵权网店截图"]
    assert len(rows(panel, "deposits")) == 3
    records = {r.pk for r in [*busy["items"]["own"], busy["items"]["foreign"]]}
    assert opened(client, panel.figures[0].url) == (3, records)
    assert opened(client, panel.figures[1].url) == (1, {busy["items"]["request"].pk})


def test_an_enterprise_sees_only_its_own_evidence_and_actions(client, busy):
    response = home(client, busy["users"]["enterprise"])
    panel = the_panel(response, "enterprise")
    assert panel.subtitle == "漳州甲食品有限公司"
    assert figures(panel) == {
        "records": 2, "actions": 1, "actions_ongoing": 1, "requests_open": 1,
    }  # fmt: skip
    # ent_b's record is visible to ent_a's people (cited in their case) but is not theirs.
    foreign = busy["items"]["foreign"]
    assert EvidenceRecord.objects.filter(pk=foreign.pk).exists()
    assert f"{foreign.number} {foreign.title}" not in rows(panel, "records")
    assert set(rows(panel, "records")) == {f"{r.number} {r.title}" for r in busy["items"]["own"]}
    assert rows(panel, "actions") == ["甲公司投诉下架"]
    assert opened(client, panel.figures[0].url) == (2, {r.pk for r in busy["items"]["own"]})
    assert opened(client, panel.figures[1].url)[0] == 1
    assert "乙公司投诉下架" not in response.content.decode()


def test_the_platform_administrator_sees_the_alliance_overview(client, busy):
    panel = the_panel(home(client, busy["users"]["superuser"]), "admin")
    assert figures(panel) == {
        "members": 2, "open_cases": 4, "submitted": 2, "accepted": 0, "mediating": 2,
        "confirmations_pending": 2, "deposits_month": 3, "collaboration_overdue": 1,
    }  # fmt: skip
    # Open: the two submitted cases (one of Shenyang) and the two mediating ones.
    assert opened(client, panel.figures[1].url)[0] == 4


@pytest.mark.parametrize(
    "name",
    ["superuser", "org_admin", "mediator", "clerk", "partner", "liaison", "court",
     "servicepoint", "enterprise"],
)  # fmt: skip
def test_every_figure_opens_a_list_with_as_many_rows(client, busy, name):
    response = home(client, busy["users"][name])
    assert response.context["panels"]
    assert assert_links_agree(client, response) >= 1
    html = response.content.decode()
    for panel in response.context["panels"]:
        for figure in panel.figures:
            if figure.url and figure.value:
                assert f'href="{figure.url.replace("&", "&amp;")}"' in html


def test_a_user_without_membership_gets_the_explanation_and_no_panel(client, busy):
    response = home(client, busy["users"]["nobody"])
    html = response.content.decode()
    assert response.context["panels"] == []
    assert "does not belong to any organisation yet" in html
    assert "data-panel=" not in html


def test_a_user_with_several_roles_sees_several_panels(client, busy):
    user = busy["users"]["mediator"]
    for org, role in [("service_point", "clerk"), ("ent_a", "viewer")]:
        Membership.objects.create(user=user, organization=busy["orgs"][org], role=role)
    Membership.objects.create(user=user, organization=court("闽0602"), role=Membership.Role.LIAISON)
    response = home(client, user)
    keys = [p.key for p in response.context["panels"]]
    assert keys == ["mediator", "court", "service_point", "enterprise"]
    assert assert_links_agree(client, response) >= 5


def test_empty_panels_say_what_will_appear_there(client, case_world):
    response = home(client, case_world["users"]["partner"])
    html = response.content.decode()
    assert "No sessions today. Sessions scheduled for today will appear here." in html
    assert "No case is shared with your organisation." in html
    # A zero is not a link (the list would show nothing).
    assert 'data-figure="shared" href' not in html
    assert '<div class="card stat-card h-100" data-figure="shared">' in html


def _panel_html(html: str, key: str) -> str:
    start = html.index(f'data-panel="{key}"')
    return html[start : html.index("</section>", start)]


def test_the_panels_render_in_chinese_by_default_and_in_english(client, busy):
    client.force_login(busy["users"]["mediator"])
    chinese = _panel_html(client.get(HOME).content.decode(), "mediator")
    assert "调解员" in chinese and "在办案件" in chinese and "调解期限" in chinese
    assert "Mediator" not in chinese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _panel_html(client.get(HOME).content.decode(), "mediator")
    assert "Mediator" in english and "Open cases" in english and "Sessions today" in english
    assert "调解员" not in english
