"""Each figure's definition on hand-built data, its link opening a list with the same count,
and a partner's figures counting only what it may see."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import timezone

from alliance import collaboration
from alliance.models import CollaborationRequest
from cases import services
from cases.choices import PartyRole
from cases.models import CaseShare, MediationCase, ProtectionAction
from tests.cases.conftest import advance, make_case, org_party
from tests.stats.conftest import check_links
from zhangzhou_ip.stats.figures import statistics
from zhangzhou_ip.stats.period import Scope

TODAY = timezone.localdate()
# Ends a day after TODAY: TODAY is read when the module is imported, and a run that crosses
# midnight in Asia/Shanghai creates its cases on the next day.
PERIOD = Scope(TODAY - dt.timedelta(days=400), TODAY + dt.timedelta(days=1))


def stats_for(user, scope=PERIOD):
    request = RequestFactory().get("/stats/")
    request.user = user
    return statistics(request, scope)


def _received(case, days_before_signing: int) -> None:
    """Test data only: move the receipt back so that durations to settlement differ.

    Counted back from the agreement's own date, not from TODAY: a run that crosses midnight in
    Asia/Shanghai signs the agreement on the day after TODAY."""
    signed_on = MediationCase.objects.values_list("agreement__signed_on", flat=True).get(pk=case.pk)
    MediationCase.objects.filter(pk=case.pk).update(
        received_on=signed_on - dt.timedelta(days=days_before_signing)
    )


@pytest.fixture
def data(case_world, deposit):
    users, orgs = case_world["users"], case_world["orgs"]
    parties = [org_party(PartyRole.APPLICANT, orgs["ent_a"]),
               org_party(PartyRole.RESPONDENT, orgs["ent_b"])]  # fmt: skip

    def case(title, to):
        made = make_case(users["clerk"], orgs["committee"], title=title, parties=parties)
        return advance(made, users["clerk"], users["mediator"], to)

    settled, closed, settled2 = case("甲", "settled"), case("乙", "closed"), case("丙", "settled")
    for made, days in ((settled, 4), (closed, 6), (settled2, 20)):
        _received(made, days)
    failed = services.case_fail(
        actor=users["mediator"], case=case("丁", "mediating"), reason="双方分歧过大"
    )
    withdrawn = services.case_withdraw(
        actor=users["org_admin"], case=case("戊", "submitted"), reason="申请人撤回"
    )
    services.share_grant(
        actor=users["org_admin"], case=settled, organization=orgs["partner"],
        level=CaseShare.Level.VIEW, reason="当事人在沈阳",
    )  # fmt: skip
    collaboration.collaboration_send(
        actor=users["org_admin"], from_organization=orgs["zz_bureau"],
        to_organization=orgs["partner"], kind=CollaborationRequest.Kind.EVIDENCE,
        subject="协助调取证据",
    )  # fmt: skip
    records = [deposit(depositor="ent_a"), deposit(depositor="ent_a"), deposit(depositor="ent_b")]
    amounts = [("12000.00", "3000.00", "500.00"), ("8000.50", "0.00", "0.00"),
               ("500.00", "1200.00", "800.00")]  # fmt: skip
    for enterprise, (recovered, evidence_saved, alliance_saved) in zip(
        ["ent_a", "ent_a", "ent_b"], amounts, strict=True
    ):
        services.action_record(
            actor=users["servicepoint"], enterprise=orgs[enterprise],
            kind=ProtectionAction.Kind.PLATFORM_TAKEDOWN, title="投诉售假链接下架",
            started_on=TODAY, concluded_on=TODAY, outcome=ProtectionAction.Outcome.SUCCEEDED,
            amount_recovered=Decimal(recovered), evidence_cost_saved=Decimal(evidence_saved),
            alliance_cost_saved=Decimal(alliance_saved), cost_saved_basis="公证费用估算",
        )  # fmt: skip
    return {**case_world, "failed": failed, "withdrawn": withdrawn, "records": records}


def test_every_figure_on_hand_built_data(data):
    values = stats_for(data["users"]["superuser"]).values()
    expected = {
        "member_bureaus": 2,  # Zhangzhou and Shenyang joined before the period
        "member_provinces": 2,
        "collaborations": 1,
        "coordinated_cases": 1,  # the shared case, once
        # submitted, mediating and the partner's from case_world; 3 settled, failed, withdrawn;
        # never the draft
        "cases_received": 8,
        "cases_settled": 3,
        "cases_failed": 1,
        "success_rate": Decimal("75.0"),
        "settlement_days_average": Decimal("10.0"),  # (4 + 6 + 20) / 3
        "settlement_days_median": Decimal("6.0"),
        "confirmations": 0,
        "referrals_in": 0,
        "evidence_records": 3,
        "enterprises_served": 2,
        "service_points": 1,
        "retrieval_requests": 0,
        "protection_actions": 3,
        "enterprises_helped": 2,
        "amount_recovered": Decimal("20500.50"),
        "evidence_cost_saved": Decimal("4200.00"),
        "alliance_cost_saved": Decimal("1300.00"),
    }
    assert {key: values[key] for key in expected} == expected


def test_breakdowns_and_months_add_up(data):
    stats = stats_for(data["users"]["superuser"])
    statuses = {row.key: row.value for row in stats.breakdowns["cases_by_status"].rows}
    assert statuses == {"submitted": 2, "mediating": 1, "settled": 2, "closed": 1, "failed": 1,
                        "withdrawn": 1}  # fmt: skip
    assert stats.breakdowns["cases_by_region"].total == 8
    provinces = {row.label: row.value for row in stats.breakdowns["cases_by_region"].rows}
    assert provinces == {"Fujian": 7, "Liaoning": 1}  # English names in English
    monthly = stats.monthly["evidence_by_month"]
    assert sum(monthly.series[0][2]) == 3
    assert monthly.months[-1] == TODAY.strftime("%Y-%m")
    assert sum(sum(data) for _k, _l, data in stats.monthly["cases_by_month"].series) == 8
    assert [flow.value for flow in stats.flows] == [1]


def test_each_link_opens_a_list_with_the_figure(data, client_of):
    user = data["users"]["superuser"]
    client = client_of(user)
    stats = stats_for(user)
    page = client.get(
        "/stats/", {"start": PERIOD.start.isoformat(), "end": PERIOD.end.isoformat()}
    ).content.decode()
    checked = check_links(client, stats, page)
    assert {"member_bureaus", "collaborations", "cases_settled", "evidence_records",
            "enterprises_served", "protection_actions"} <= set(checked)  # fmt: skip


def test_a_partner_counts_only_what_it_may_see(data, client_of):
    partner = data["users"]["partner"]
    values = stats_for(partner).values()
    # its own case and the one Zhangzhou shared with it — not the other six
    assert values["cases_received"] == 2
    assert values["coordinated_cases"] == 1
    assert values["collaborations"] == 1
    assert values["evidence_records"] == values["protection_actions"] == 0
    client = client_of(partner)
    page = client.get(
        "/stats/", {"start": PERIOD.start.isoformat(), "end": PERIOD.end.isoformat()}
    ).content.decode()
    check_links(client, stats_for(partner), page)


def test_organisation_and_region_narrow_the_figures(data, regions):
    orgs = data["orgs"]
    superuser = data["users"]["superuser"]
    committee = stats_for(superuser, Scope(PERIOD.start, PERIOD.end, orgs["committee"])).values()
    assert committee["cases_received"] == 7
    shenyang = stats_for(
        superuser, Scope(PERIOD.start, PERIOD.end, region=regions["liaoning"])
    ).values()
    assert shenyang["cases_received"] == 1
    assert shenyang["member_bureaus"] == 1
    point = stats_for(superuser, Scope(PERIOD.start, PERIOD.end, orgs["service_point"]))
    assert point["evidence_records"].value == 3
    assert point["protection_actions"].value == 3  # a point helps the actions it records
    assert not point.notes


def test_an_empty_period_is_all_zero(data):
    old = Scope(dt.date(2001, 1, 1), dt.date(2001, 12, 31), year=2001)
    values = stats_for(data["users"]["superuser"], old).values()
    assert values["cases_received"] == values["evidence_records"] == 0
    assert values["success_rate"] is None and values["settlement_days_median"] is None
    assert values["amount_recovered"] == Decimal("0.00")


def test_the_query_count_does_not_grow_with_the_rows(data, deposit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = data["users"]["superuser"]
    with CaptureQueriesContext(connection) as before:
        stats_for(user)
    users, orgs = data["users"], data["orgs"]
    parties = [org_party(PartyRole.APPLICANT, orgs["ent_a"]),
               org_party(PartyRole.RESPONDENT, orgs["ent_b"])]  # fmt: skip
    for title in ("己", "庚", "辛"):
        case = make_case(users["clerk"], orgs["committee"], title=title, parties=parties)
        advance(case, users["clerk"], users["mediator"], "settled")
        deposit(depositor="ent_b")
    with CaptureQueriesContext(connection) as after:
        stats = stats_for(user)
    assert stats["cases_received"].value == 11
    assert len(after) == len(before) <= 30


def test_within_a_province_the_cases_break_down_by_city(data, regions):
    scope = Scope(PERIOD.start, PERIOD.end, region=regions["fujian"])
    stats = stats_for(data["users"]["superuser"], scope)
    breakdown = stats.breakdowns["cases_by_region"]
    assert {row.key: row.value for row in breakdown.rows} == {"350600": 7}
    assert "region=350600" in breakdown.rows[0].url
