"""Role dashboards (issue 7 part 4), continued: which stored dates make a deadline this week,
the one-calendar window computation, and the query budget of the home page for a user with
every role (the same number of queries for 3 and for 20 items of each kind)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alliance import collaboration, deadlines
from alliance.models import CollaborationRequest, Membership
from cases import selectors, services
from cases.choices import DisputeType, PartyRole
from cases.models import (
    Agreement,
    CourtReferral,
    JudicialConfirmation,
    MediationCase,
    ProtectionAction,
)
from evidence import retrieval
from evidence import services as evidence_services
from evidence.models import Category
from tests.cases.conftest import advance, make_case, org_party
from tests.core.dashboard_helpers import HOME, at_today, court, filed_at, settled, the_panel
from zhangzhou_ip import dashboards

pytestmark = pytest.mark.django_db

CS = JudicialConfirmation.Status
MONDAY = dt.date(2026, 3, 2)  # a working Monday; the week runs to Sunday 8 March


def _day(n: int) -> dt.date:
    return MONDAY + dt.timedelta(days=n)


def _agreement_dates(case: MediationCase, **dates) -> None:
    Agreement.objects.filter(case=case).update(**dates)


# --- deadlines this week -----------------------------------------------------------------------


def test_the_deadlines_of_the_week_come_from_the_stored_dates_soonest_first(case_world):
    users, orgs = case_world["users"], case_world["orgs"]
    # Confirmation windows of settled cases without an application: 30 days from the day the
    # agreement took effect, moved past a rest day (CPL art. 85).
    in_week = settled(case_world, "窗口本周届满")
    _agreement_dates(in_week, signed_on=dt.date(2026, 1, 31), effective_on=dt.date(2026, 1, 31))
    moved_out = settled(case_world, "窗口顺延至下周")  # 7 March is a Saturday → Monday 9 March
    _agreement_dates(moved_out, signed_on=dt.date(2026, 2, 5), effective_on=dt.date(2026, 2, 5))
    # Stored on applications: the window of a prepared one, the court's clocks of the others.
    prepared = services.confirmation_prepare(
        actor=users["mediator"], case=settled(case_world, "已准备申请"), court=court("闽0602")
    )
    JudicialConfirmation.objects.filter(pk=prepared.pk).update(window_closes_on=_day(2))
    filed = services.confirmation_prepare(
        actor=users["mediator"], case=settled(case_world, "已申请"), court=court("闽0602")
    )
    filed_at(filed, _day(1), "闽0602")
    accepted = services.confirmation_prepare(
        actor=users["mediator"], case=settled(case_world, "法院已受理"), court=court("闽0602")
    )
    JudicialConfirmation.objects.filter(pk=accepted.pk).update(
        status=CS.ACCEPTED, filed_on=_day(-10), accepted_on=_day(-9),
        court_case_number="（2026）闽0602民特1号", decision_due=_day(6),
    )  # fmt: skip
    # The mediation term of open cases: this week, next week, already passed.
    mediating = case_world["cases"]["mediating"]
    MediationCase.objects.filter(pk=mediating.pk).update(mediation_deadline=_day(3))
    for title, due in [("下周到期", _day(7)), ("已过期", _day(-1))]:
        later = advance(
            make_case(users["clerk"], orgs["committee"], title=title,
                      parties=[org_party(PartyRole.APPLICANT, orgs["ent_a"]),
                               org_party(PartyRole.RESPONDENT, orgs["ent_b"])]),
            users["clerk"], users["mediator"], "mediating",
        )  # fmt: skip
        MediationCase.objects.filter(pk=later.pk).update(mediation_deadline=due)
    # A court's referral ending on Thursday; an agreement to perform by Saturday.
    referral = services.referral_receive(
        actor=users["clerk"], handling_organization=orgs["committee"], court=court("闽0602"),
        kind=CourtReferral.Kind.DELEGATION, court_reference="（2026）闽0602民诉前调7号",
        referred_on=timezone.localdate(), title="诉前委派", dispute_type=DisputeType.OTHER,
    )  # fmt: skip
    CourtReferral.objects.filter(pk=referral.pk).update(term_ends_on=_day(4))
    performing = settled(case_world, "履行期限")
    _agreement_dates(performing, performance_deadline=_day(5))

    clerk = users["clerk"]
    cases = selectors.case_visible_to(clerk).filter(handling_organization=orgs["committee"])
    found = [
        (row.day, str(row.note), row.title.split(" ", 1)[-1])
        for row in dashboards.deadline_rows(clerk, cases, MONDAY)
    ]
    assert found == [
        (_day(0), "Application window closes on", "窗口本周届满"),
        (_day(1), "Court should accept by", "已申请"),
        (_day(2), "Application window closes on", "已准备申请"),
        (_day(3), "Mediation deadline", "调解中案件"),
        (_day(4), "Mediation term ends on", "诉前委派"),
        (_day(5), "Performance deadline", "履行期限"),
        (_day(6), "Court should decide by", "法院已受理"),
    ]
    # The Shenyang partner sees none of these (its own scope is empty of them).
    partner_cases = selectors.case_visible_to(users["partner"])
    assert dashboards.deadline_rows(users["partner"], partner_cases, MONDAY) == []


def test_many_windows_share_one_calendar(db, django_assert_num_queries):
    starts = [dt.date(2026, 1, 31) + dt.timedelta(days=n) for n in range(12)]
    with django_assert_num_queries(1):  # one year looked at: 2026
        ends = deadlines.statutory_period_ends(starts, days=30)
    assert ends == {start: deadlines.statutory_period_end(start, days=30) for start in starts}
    assert ends[dt.date(2026, 2, 5)] == dt.date(2026, 3, 9)  # Saturday 7 March → Monday


def test_a_missing_calendar_year_maps_to_none(db):
    last = deadlines.package_years()[1]
    late = dt.date(last + 5, 6, 1)
    assert deadlines.statutory_period_ends([late], days=30) == {late: None}


# --- the query budget --------------------------------------------------------------------------


@pytest.fixture
def everyone(case_world):
    """A user with every role: mediator and clerk of the committee, clerk of the Zhangzhou
    bureau (an alliance member), liaison of 芗城法院, clerk of the service point, admin of
    ent_a; and an administrator of the Shenyang bureau who shares cases and sends requests."""
    User = get_user_model()
    orgs = case_world["orgs"]
    user = User.objects.create_user("everyone", password="pw-test-123")
    for org, role in [
        (orgs["committee"], "mediator"),
        (orgs["committee"], "clerk"),
        (orgs["zz_bureau"], "clerk"),
        (court("闽0602"), "liaison"),
        (orgs["service_point"], "clerk"),
        (orgs["ent_a"], "admin"),
    ]:
        Membership.objects.create(user=user, organization=org, role=role)
    sy_admin = User.objects.create_user("sy_admin", password="pw-test-123")
    Membership.objects.create(user=sy_admin, organization=orgs["partner"], role="admin")
    return {**case_world, "everyone": user, "sy_admin": sy_admin}


def _add_items(world, numbers) -> None:
    """For each number: an assigned case mediating with a session today and its deadline this
    week, a settled one filed with the user's court, a court referral, a Shenyang case shared
    with the bureau, a request to the bureau, a deposit, a retrieval request and an action."""
    users, orgs, me = world["users"], world["orgs"], world["everyone"]
    today = timezone.localdate()
    parties = [
        org_party(PartyRole.APPLICANT, orgs["ent_a"]),
        org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
    ]
    for n in numbers:
        case = advance(
            make_case(users["clerk"], orgs["committee"], title=f"调解 {n}", parties=parties),
            users["clerk"], me, "mediating",
        )  # fmt: skip
        MediationCase.objects.filter(pk=case.pk).update(
            mediation_deadline=today + dt.timedelta(days=1)
        )
        services.session_schedule(actor=me, case=case, starts_at=at_today(0, 1), location="一室")
        confirmation = services.confirmation_prepare(
            actor=users["mediator"], case=settled(world, f"确认 {n}"), court=court("闽0602")
        )
        filed_at(confirmation, today + dt.timedelta(days=1), "闽0602")
        services.referral_receive(
            actor=users["clerk"], handling_organization=orgs["committee"], court=court("闽0602"),
            kind=CourtReferral.Kind.DELEGATION, court_reference=f"（2026）闽0602民诉前调{n + 1}号",
            referred_on=today, title=f"委派 {n}", dispute_type=DisputeType.OTHER,
        )  # fmt: skip
        shenyang = make_case(users["partner"], orgs["partner"], title=f"沈阳 {n}", parties=parties)
        services.case_submit(actor=users["partner"], case=shenyang)
        services.share_grant(
            actor=world["sy_admin"], case=shenyang, organization=orgs["zz_bureau"],
            level="view", reason="漳州当事人协查",
        )  # fmt: skip
        collaboration.collaboration_send(
            actor=world["sy_admin"], from_organization=orgs["partner"],
            to_organization=orgs["zz_bureau"], kind=CollaborationRequest.Kind.INFORMATION,
            subject=f"请求 {n}",
        )  # fmt: skip
        record = evidence_services.deposit(
            actor=me, depositor=orgs["ent_a"], kind="text", title=f"证据 {n}",
            category=Category.LISTING, text=f"evidence {n}",
        )  # fmt: skip
        retrieval.request_retrieval(
            actor=me, enterprise=orgs["ent_a"], service_point=None, kind="web_capture",
            subject=f"截图 {n}", target_url="https://shop.example.com/item/9",
        )  # fmt: skip
        services.action_record(
            actor=me, enterprise=orgs["ent_a"], title=f"维权 {n}", evidence=[record],
            kind=ProtectionAction.Kind.PLATFORM_TAKEDOWN, started_on=today,
            amount_recovered=Decimal("0"),
        )  # fmt: skip


def _home_queries(client) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(HOME)
    assert response.status_code == 200
    return len(queries), response


# The whole page: session, user, navigation, the directory overview (about a dozen) and seven
# panels, each a fixed number of queries (51 measured).
BUDGET = 55


def test_the_home_page_of_a_user_with_every_role_does_not_grow_with_the_items(
    client, everyone, django_assert_max_num_queries
):
    client.force_login(everyone["everyone"])
    _add_items(everyone, range(3))
    client.get(HOME)  # warm caches (content types, calendars) outside the count
    few, response = _home_queries(client)
    assert [p.key for p in response.context["panels"]] == [
        "mediator", "clerk", "clerk", "court", "partner", "service_point", "enterprise",
    ]  # fmt: skip
    assert the_panel(response, "mediator").figures[0].value == 3
    _add_items(everyone, range(3, 20))
    with django_assert_max_num_queries(BUDGET):
        many, response = _home_queries(client)
    mediator = the_panel(response, "mediator")
    assert [f.value for f in mediator.figures] == [20, 0, 20, 20, 20]
    assert the_panel(response, "partner").figures[0].value == 20
    assert the_panel(response, "service_point").figures[0].value == 20
    assert many == few


def test_the_administrators_overview_does_not_grow_with_the_items(
    client, everyone, django_assert_max_num_queries
):
    client.force_login(everyone["users"]["superuser"])
    _add_items(everyone, range(2))
    client.get(HOME)
    few, _response = _home_queries(client)
    _add_items(everyone, range(2, 8))
    with django_assert_max_num_queries(18):  # 15 measured
        many, response = _home_queries(client)
    assert the_panel(response, "admin").figures[1].value >= 16  # 8 mediating + 8 Shenyang
    assert many == few
