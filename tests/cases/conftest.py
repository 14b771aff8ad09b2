"""A case world on top of the alliance ``world`` fixture (tests/conftest.py).

Cases of the Zhangzhou mediation committee in several states, one of the partner bureau,
parties that are enterprises and a natural person, rights, an assigned mediator."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from alliance.models import Membership
from cases import services
from cases.choices import DisputeType, PartyKind, PartyRole
from cases.models import MediationCase


def make_case(actor, org, *, title="外观设计专利侵权纠纷", parties=(), **fields) -> MediationCase:
    case = services.case_create(
        actor=actor,
        handling_organization=org,
        title=title,
        dispute_type=fields.pop("dispute_type", DisputeType.DESIGN_INFRINGEMENT),
        **fields,
    )
    for party in parties:
        services.party_add(actor=actor, case=case, **party)
    return case


def org_party(role, organization):
    return {"role": role, "kind": PartyKind.ORGANIZATION, "organization": organization}


def person_party(role, name="张三", id_number="11010519491231002X", **extra):
    return {"role": role, "kind": PartyKind.PERSON, "name": name, "id_number": id_number, **extra}


def case_page(client, case, *panes: str, **headers) -> str:
    """The case page as the client sees it after opening the named tabs: the page, then each
    pane as htmx loads it (``cases/<pk>/panes/<name>/``, which must answer 200)."""
    response = client.get(reverse("cases:case-detail", args=[case.pk]), **headers)
    assert response.status_code == 200, response.status_code
    html = [response.content.decode()]
    for pane in panes:
        assert f'data-pane="{pane}"' in html[0], f"no {pane} tab on the page"
        loaded = client.get(
            reverse("cases:case-pane", args=[case.pk, pane]), HTTP_HX_REQUEST="true", **headers
        )
        assert loaded.status_code == 200, (pane, loaded.status_code)
        html.append(loaded.content.decode())
    return "\n".join(html)


def advance(case, actor, mediator, to: str) -> MediationCase:
    """Drive a case through the workflow with the services up to ``to``."""
    order = ["submitted", "accepted", "mediating", "settled", "closed"]
    if case.status == "draft":
        case = services.case_submit(actor=actor, case=case)
    if to == "submitted":
        return case
    services.case_assign(actor=mediator, case=case, mediator=mediator)
    case = services.case_accept(actor=mediator, case=case)
    if to == "accepted":
        return case
    services.session_schedule(
        actor=mediator,
        case=case,
        starts_at=timezone.now() + dt.timedelta(days=1),
        location="漳州市知识产权纠纷人民调解委员会 第一调解室",
    )
    case = services.case_start_mediation(actor=mediator, case=case)
    if to == "mediating":
        return case
    services.agreement_save(
        actor=mediator,
        case=case,
        terms="被申请人停止销售侵权产品，并赔偿申请人人民币50,000元。",
        amount="50000.00",
        signed_on=timezone.localdate(),
        effective_on=timezone.localdate(),
    )
    case = services.case_settle(actor=mediator, case=case)
    if to == "settled":
        return case
    assert to in order
    return services.case_close(actor=mediator, case=case, waiver_reason="当事人放弃司法确认")


@pytest.fixture(autouse=True)
def _holiday_calendar_ahead(request):
    """Deadlines run up to a year past today; chinesecalendar only knows the years it ships.
    Where it stops, enter later years as an administrator would (weekends only), so these
    tests do not depend on today's date. ``test_services`` covers the missing-year path."""
    if "db" not in request.fixturenames and not request.node.get_closest_marker("django_db"):
        return
    request.getfixturevalue("db")
    from alliance.deadlines import package_years
    from alliance.models import HolidayYear

    last = package_years()[1]
    for year in range(last + 1, timezone.localdate().year + 2):
        HolidayYear.objects.get_or_create(year=year, defaults={"source": "tests: weekends only"})


@pytest.fixture
def case_world(world):
    """Adds to ``world``: the committee's mediator made an org mediator of the committee (already),
    a second mediator, and cases: draft, submitted, mediating (assigned to ``mediator``), and a
    partner-bureau case the Zhangzhou users must not see."""
    orgs, users = world["orgs"], world["users"]
    from django.contrib.auth import get_user_model

    mediator2 = get_user_model().objects.create_user("mediator2", password="pw-test-123")
    Membership.objects.create(
        user=mediator2, organization=orgs["committee"], role=Membership.Role.MEDIATOR
    )
    Membership.objects.create(
        user=users["clerk"], organization=orgs["committee"], role=Membership.Role.CLERK
    )
    users["mediator2"] = mediator2
    applicant = org_party(PartyRole.APPLICANT, orgs["ent_a"])
    respondent = org_party(PartyRole.RESPONDENT, orgs["ent_b"])
    cases = {
        "draft": make_case(
            users["clerk"], orgs["committee"], title="草稿案件", parties=[applicant]
        ),
        "submitted": advance(
            make_case(
                users["clerk"], orgs["committee"], title="已提交案件",
                parties=[applicant, respondent], claim_amount="120000.00",
            ),
            users["clerk"], users["mediator"], "submitted",
        ),
        "mediating": advance(
            make_case(
                users["clerk"], orgs["committee"], title="调解中案件",
                parties=[applicant, respondent, person_party(PartyRole.THIRD_PARTY)],
            ),
            users["clerk"], users["mediator"], "mediating",
        ),
        "partner": advance(
            make_case(
                users["partner"], orgs["partner"], title="沈阳案件",
                parties=[org_party(PartyRole.APPLICANT, orgs["ent_b"]),
                         person_party(PartyRole.RESPONDENT, name="李四")],
            ),
            users["partner"], users["partner"], "submitted",
        ),
    }  # fmt: skip
    return {**world, "users": users, "cases": cases, "make_case": make_case}
