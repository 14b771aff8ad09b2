"""Judicial confirmation (DOMAIN §1) and court referrals (§4): routing, window, clocks, every
state change allowed and refused, and who sees what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from alliance.models import IntellectualProperty, Membership, Organization
from cases import routing, selectors, services
from cases.choices import DisputeType, PartyRole, Status
from cases.errors import ConditionNotMet, InvalidTransition
from cases.models import ConfirmationMaterial, CourtReferral, JudicialConfirmation
from tests.cases.conftest import advance, make_case, org_party
from zhangzhou_ip.core.errors import ConflictError, PermissionDenied

pytestmark = pytest.mark.django_db

CS = JudicialConfirmation.Status


@pytest.fixture
def today(monkeypatch):
    """Set the service clock (``timezone.localdate``)."""
    current = {"date": timezone.localdate()}
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: current["date"])

    def set_today(value: dt.date) -> None:
        current["date"] = value

    return set_today


def court(code: str) -> Organization:
    return Organization.objects.get(court_code=code)


@pytest.fixture
def liaison(world):
    """A liaison of 芗城法院 (the world's ``court`` user is at 漳州中院)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("xc_liaison", password="pw-test-123")
    Membership.objects.create(user=user, organization=court("闽0602"), role=Membership.Role.LIAISON)
    return user


def settled_case(case_world, *, dispute_type=DisputeType.TRADEMARK_INFRINGEMENT, **fields):
    users, orgs = case_world["users"], case_world["orgs"]
    case = make_case(
        users["clerk"],
        orgs["committee"],
        dispute_type=dispute_type,
        parties=[
            org_party(PartyRole.APPLICANT, orgs["ent_a"]),
            org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
        ],
        **fields,
    )
    return advance(case, users["clerk"], users["mediator"], "settled")


def attach_required(confirmation, user) -> None:
    for kind in ConfirmationMaterial.REQUIRED:
        services.confirmation_material_add(
            actor=user,
            confirmation=confirmation,
            kind=kind,
            file=SimpleUploadedFile(f"{kind}.pdf", b"%PDF-1.4 test", "application/pdf"),
        )


def filed(case_world, on: dt.date, today, court_code="闽0602") -> JudicialConfirmation:
    today(on)
    case = settled_case(case_world)
    mediator = case_world["users"]["mediator"]
    confirmation = services.confirmation_prepare(
        actor=mediator, case=case, court=court(court_code), joint_application=True
    )
    attach_required(confirmation, mediator)
    return services.confirmation_file(actor=mediator, confirmation=confirmation)


# --- routing (DOMAIN §1.3) -------------------------------------------------------------------


def test_a_court_invited_mediation_goes_back_to_the_inviting_court(case_world, today):
    today(dt.date(2026, 3, 2))
    referral = services.referral_receive(
        actor=case_world["users"]["clerk"],
        handling_organization=case_world["orgs"]["committee"],
        court=court("闽0603"),
        kind=CourtReferral.Kind.DELEGATION,
        court_reference="（2026）闽0603民诉前调15号",
        referred_on=dt.date(2026, 3, 2),
        title="委派：商标侵权纠纷",
        dispute_type=DisputeType.TRADEMARK_INFRINGEMENT,
    )
    proposals = routing.competent_courts(referral.case)
    assert [p.court.court_code for p in proposals] == ["闽0603"]
    assert "205(1)" in proposals[0].reason


def test_general_disputes_go_to_basic_courts_of_domicile_and_organisation(case_world):
    case = settled_case(case_world)
    proposals = {p.court.court_code: p.reason for p in routing.competent_courts(case)}
    # ent_a lives in 芗城区; the committee sits in Zhangzhou city (its districts' courts);
    # ent_b's Xiamen courts are not in the directory.
    assert set(proposals) == {"闽0602", "闽0603", "闽0681", "闽0625"}
    assert "漳州甲食品有限公司" in proposals["闽0602"]
    assert "mediation organisation" in proposals["闽0603"]
    assert all("205(2)" in reason for reason in proposals.values())


def test_technical_disputes_go_to_the_intermediate_court_of_the_routing_table(case_world):
    case = settled_case(case_world, dispute_type=DisputeType.INVENTION_INFRINGEMENT)
    assert routing.jurisdiction_scope(case) == routing.TECHNICAL
    assert [p.court.court_code for p in routing.competent_courts(case)] == ["闽02"]


def test_design_disputes_go_to_each_places_intermediate_court(case_world):
    case = settled_case(case_world, dispute_type=DisputeType.DESIGN_INFRINGEMENT)
    codes = {p.court.court_code for p in routing.competent_courts(case)}
    assert codes == {"闽06", "闽02"}  # Zhangzhou parties/committee; Xiamen respondent


def test_a_software_right_makes_a_copyright_dispute_technical(case_world):
    users, orgs = case_world["users"], case_world["orgs"]
    case = make_case(
        users["clerk"], orgs["committee"], dispute_type=DisputeType.COPYRIGHT_INFRINGEMENT
    )
    assert routing.jurisdiction_scope(case) == routing.GENERAL
    services.right_add(
        actor=users["clerk"],
        case=case,
        kind=IntellectualProperty.Kind.SOFTWARE_COPYRIGHT,
        description="财务管理软件V1.0",
    )
    assert routing.jurisdiction_scope(case) == routing.TECHNICAL


def test_the_routing_table_is_data(case_world):
    """An administrator re-routes technical disputes of Zhangzhou; no code changes."""
    from alliance.models import CourtJurisdiction

    CourtJurisdiction.objects.filter(region__code="350600", scope="technical").update(
        court=court("闽06")
    )
    case = settled_case(case_world, dispute_type=DisputeType.INVENTION_INFRINGEMENT)
    assert {p.court.court_code for p in routing.competent_courts(case)} == {"闽06", "闽02"}


def test_remote_means_another_city_than_the_handling_organisation(case_world):
    case = settled_case(case_world)
    assert routing.is_remote(court("闽02"), case) is True
    assert routing.is_remote(court("闽0602"), case) is False
    assert routing.is_remote(court("闽06"), case) is False


# --- the window (DOMAIN §2 worked examples) ---------------------------------------------------


@pytest.mark.parametrize(
    ("effective", "closes"),
    [
        (dt.date(2025, 9, 20), dt.date(2025, 10, 20)),  # holiday inside: no extension
        (dt.date(2025, 9, 2), dt.date(2025, 10, 9)),  # last day in the National Day holiday
        (dt.date(2025, 6, 12), dt.date(2025, 7, 14)),  # Saturday → Monday
        (dt.date(2025, 9, 11), dt.date(2025, 10, 11)),  # make-up working Saturday counts
        (dt.date(2025, 12, 20), dt.date(2026, 1, 19)),  # across the year boundary
    ],
)
def test_window_closes_per_the_statutory_rule(case_world, today, effective, closes):
    today(effective)
    case = settled_case(case_world)
    assert case.agreement.effective_on == effective
    assert services.window_closes_on(case.agreement) == closes
    confirmation = services.confirmation_prepare(
        actor=case_world["users"]["mediator"],
        case=case,
        court=court("闽0602"),
        joint_application=True,
    )
    assert confirmation.window_closes_on == closes


def test_filing_after_the_window_is_refused_with_the_date_it_closed(case_world, today):
    today(dt.date(2025, 9, 2))
    case = settled_case(case_world)
    mediator = case_world["users"]["mediator"]
    confirmation = services.confirmation_prepare(
        actor=mediator, case=case, court=court("闽0602"), joint_application=True
    )
    attach_required(confirmation, mediator)
    today(dt.date(2025, 10, 10))
    with pytest.raises(ConditionNotMet) as excinfo:
        services.confirmation_file(actor=mediator, confirmation=confirmation)
    assert excinfo.value.code == "window_closed"
    assert "2025-10-09" in excinfo.value.messages[0]
    confirmation.refresh_from_db()
    assert confirmation.status == CS.PREPARED
    # On the last day (moved past the holiday) it is in time.
    today(dt.date(2025, 10, 9))
    confirmation = services.confirmation_file(actor=mediator, confirmation=confirmation)
    assert confirmation.status == CS.FILED


# --- preparing: refusals ------------------------------------------------------------------------


def test_prepare_refuses_ownership_determinations(case_world):
    users, orgs = case_world["users"], case_world["orgs"]
    case = make_case(
        users["clerk"],
        orgs["committee"],
        dispute_type=DisputeType.TRADEMARK_OWNERSHIP,
        parties=[
            org_party(PartyRole.APPLICANT, orgs["ent_a"]),
            org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
        ],
    )
    case = advance(case, users["clerk"], users["mediator"], "settled")
    assert case.agreement.is_ownership_determination
    with pytest.raises(ConditionNotMet) as excinfo:
        services.confirmation_prepare(actor=users["mediator"], case=case, court=court("闽0602"))
    assert excinfo.value.code == "ownership_determination"
    assert "355(5)" in excinfo.value.messages[0]
    assert not JudicialConfirmation.objects.exists()


def test_prepare_refuses_a_court_that_is_not_competent(case_world):
    case = settled_case(case_world)
    with pytest.raises(ValidationError) as excinfo:
        services.confirmation_prepare(
            actor=case_world["users"]["mediator"], case=case, court=court("闽0622")
        )
    message = excinfo.value.message_dict["court"][0]
    assert "云霄法院" in message or "云霄县" in message
    assert "芗城区人民法院" in message  # the competent ones are named


def test_prepare_needs_a_settled_case_and_one_application_at_a_time(case_world):
    mediator = case_world["users"]["mediator"]
    with pytest.raises(InvalidTransition):
        services.confirmation_prepare(
            actor=mediator, case=case_world["cases"]["mediating"], court=court("闽0602")
        )
    case = settled_case(case_world)
    services.confirmation_prepare(actor=mediator, case=case, court=court("闽0602"))
    with pytest.raises(ConditionNotMet) as excinfo:
        services.confirmation_prepare(actor=mediator, case=case, court=court("闽0603"))
    assert excinfo.value.code == "confirmation_open"


def test_prepare_records_basis_reason_and_remote(case_world):
    case = settled_case(case_world, dispute_type=DisputeType.INVENTION_INFRINGEMENT)
    confirmation = services.confirmation_prepare(
        actor=case_world["users"]["mediator"], case=case, court=court("闽02")
    )
    assert confirmation.is_remote is True
    assert confirmation.basis == JudicialConfirmation.Basis.CPL
    assert "intermediate court" in confirmation.court_reason
    event = case.events.get(verb="confirmation.prepared")
    assert event.data["remote"] is True


def test_filing_needs_the_joint_application_and_the_required_materials(case_world):
    case = settled_case(case_world)
    mediator = case_world["users"]["mediator"]
    confirmation = services.confirmation_prepare(actor=mediator, case=case, court=court("闽0602"))
    with pytest.raises(ConditionNotMet) as excinfo:
        services.confirmation_file(actor=mediator, confirmation=confirmation)
    assert excinfo.value.code == "joint_application_missing"
    assert "art. 33" in excinfo.value.messages[0]
    confirmation = services.confirmation_update(
        actor=mediator,
        confirmation=confirmation,
        joint_application=True,
        joint_application_note="申请人申请，被申请人书面同意",
    )
    with pytest.raises(ConditionNotMet) as excinfo:
        services.confirmation_file(actor=mediator, confirmation=confirmation)
    assert excinfo.value.code == "materials_missing"
    attach_required(confirmation, mediator)
    assert services.missing_materials(confirmation) == []
    confirmation = services.confirmation_file(actor=mediator, confirmation=confirmation)
    assert confirmation.status == CS.FILED


# --- the court's clocks and decisions ---------------------------------------------------------


def test_acceptance_and_decision_clocks(case_world, today, liaison):
    confirmation = filed(case_world, dt.date(2025, 9, 26), today)  # a Friday
    assert confirmation.acceptance_due == dt.date(2025, 9, 29)  # +3 days, a Monday
    today(dt.date(2025, 9, 30))
    confirmation = services.confirmation_accept(
        actor=liaison,
        confirmation=confirmation,
        court_case_number="(2025)闽0602民特 123号",
        accepted_on=dt.date(2025, 9, 20 + 8),
    )
    assert confirmation.court_case_number == "（2025）闽0602民特123号"
    assert confirmation.accepted_on == dt.date(2025, 9, 28)  # a make-up working Sunday
    assert confirmation.decision_due == dt.date(2025, 10, 13)  # 10-13 is a Monday
    confirmation = services.confirmation_extend(actor=liaison, confirmation=confirmation)
    assert confirmation.decision_due == dt.date(2025, 10, 23)  # 15 + 10 days
    with pytest.raises(ConditionNotMet):
        services.confirmation_extend(actor=liaison, confirmation=confirmation)


def test_a_number_of_another_court_or_type_is_refused(case_world, today, liaison):
    confirmation = filed(case_world, dt.date(2025, 9, 26), today)
    for number, expected in [
        ("（2025）闽0603民特123号", "闽0603"),  # another court's code
        ("（2025）闽0602民初123号", "民初"),  # not a special-procedure number
        ("闽0602民特123号", "（2024）"),  # no year: the expected form is shown
    ]:
        with pytest.raises(ValidationError) as excinfo:
            services.confirmation_accept(
                actor=liaison, confirmation=confirmation, court_case_number=number
            )
        assert expected in excinfo.value.message_dict["court_case_number"][0]
    confirmation.refresh_from_db()
    assert confirmation.status == CS.FILED


def test_ruling_before_acceptance_is_refused(case_world, today, liaison):
    confirmation = filed(case_world, dt.date(2025, 9, 26), today)
    today(dt.date(2025, 10, 20))
    confirmation = services.confirmation_accept(
        actor=liaison,
        confirmation=confirmation,
        court_case_number="（2025）闽0602民特7号",
        accepted_on=dt.date(2025, 9, 29),
    )
    with pytest.raises(ValidationError) as excinfo:
        services.confirmation_decide(
            actor=liaison,
            confirmation=confirmation,
            confirmed=True,
            ruling_on=dt.date(2025, 9, 28),
        )
    assert "2025-09-29" in excinfo.value.message_dict["ruling_on"][0]
    confirmation = services.confirmation_decide(
        actor=liaison, confirmation=confirmation, confirmed=True, ruling_on=dt.date(2025, 10, 9)
    )
    assert confirmation.status == CS.CONFIRMED
    verbs = list(confirmation.case.events.values_list("verb", flat=True))
    assert verbs[-4:] == [
        "confirmation.material_added",
        "confirmation.filed",
        "confirmation.accepted",
        "confirmation.confirmed",
    ]


def test_rejection_and_non_acceptance_need_reasons(case_world, today, liaison):
    confirmation = filed(case_world, dt.date(2025, 9, 26), today)
    with pytest.raises(ConditionNotMet):
        services.confirmation_not_accept(actor=liaison, confirmation=confirmation, reason=" ")
    confirmation = services.confirmation_not_accept(
        actor=liaison, confirmation=confirmation, reason="不属于本院管辖"
    )
    assert confirmation.status == CS.NOT_ACCEPTED
    # The agreement may be filed again elsewhere once the first application ended.
    again = services.confirmation_prepare(
        actor=case_world["users"]["mediator"], case=confirmation.case, court=court("闽0603")
    )
    assert again.status == CS.PREPARED


@pytest.mark.parametrize(
    ("state", "call"),
    [
        ("prepared", "accept"),
        ("prepared", "decide"),
        ("filed", "file"),
        ("filed", "decide"),
        ("accepted", "not_accept"),
        ("confirmed", "withdraw"),
    ],
)
def test_steps_from_the_wrong_state_are_refused(case_world, today, liaison, state, call):
    mediator = case_world["users"]["mediator"]
    today(dt.date(2025, 9, 26))
    case = settled_case(case_world)
    confirmation = services.confirmation_prepare(
        actor=mediator, case=case, court=court("闽0602"), joint_application=True
    )
    attach_required(confirmation, mediator)
    if state != "prepared":
        confirmation = services.confirmation_file(actor=mediator, confirmation=confirmation)
    if state in ("accepted", "confirmed"):
        confirmation = services.confirmation_accept(
            actor=liaison, confirmation=confirmation, court_case_number="（2025）闽0602民特9号"
        )
    if state == "confirmed":
        confirmation = services.confirmation_decide(
            actor=liaison, confirmation=confirmation, confirmed=True, ruling_on=dt.date(2025, 9, 26)
        )
    calls = {
        "accept": lambda: services.confirmation_accept(
            actor=liaison, confirmation=confirmation, court_case_number="（2025）闽0602民特10号"
        ),
        "decide": lambda: services.confirmation_decide(
            actor=liaison, confirmation=confirmation, confirmed=True, ruling_on=dt.date(2025, 9, 26)
        ),
        "file": lambda: services.confirmation_file(actor=mediator, confirmation=confirmation),
        "not_accept": lambda: services.confirmation_not_accept(
            actor=liaison, confirmation=confirmation, reason="x"
        ),
        "withdraw": lambda: services.confirmation_withdraw(
            actor=mediator, confirmation=confirmation, reason="x"
        ),
    }
    with pytest.raises(InvalidTransition):
        calls[call]()
    confirmation.refresh_from_db()
    assert confirmation.status == state


def test_a_stale_version_is_a_conflict(case_world, today, liaison):
    confirmation = filed(case_world, dt.date(2025, 9, 26), today)
    seen = confirmation.version
    services.confirmation_not_accept(actor=liaison, confirmation=confirmation, reason="补正")
    with pytest.raises(ConflictError):
        services.confirmation_withdraw(
            actor=case_world["users"]["mediator"],
            confirmation=confirmation,
            reason="x",
            expected_version=seen,
        )


def test_who_may_do_what(case_world, today, liaison):
    users = case_world["users"]
    confirmation = filed(case_world, dt.date(2025, 9, 26), today)
    # Another court's liaison (漳州中院) may not record 芗城法院's decisions, nor see them.
    with pytest.raises(PermissionDenied):
        services.confirmation_not_accept(
            actor=users["court"], confirmation=confirmation, reason="x"
        )
    assert not users["court"].has_perm("cases.view_judicialconfirmation", confirmation)
    # A clerk, or the unassigned mediator, may not file or withdraw.
    for name in ("clerk", "mediator2", "partner", "enterprise"):
        with pytest.raises(PermissionDenied):
            services.confirmation_withdraw(actor=users[name], confirmation=confirmation, reason="x")
    assert liaison.has_perm("cases.decide_judicialconfirmation", confirmation)
    assert not liaison.has_perm("cases.file_judicialconfirmation", confirmation)


# --- what a court liaison sees ------------------------------------------------------------------


def test_a_court_sees_only_the_items_at_that_court(case_world, today, liaison):
    mine = filed(case_world, dt.date(2025, 9, 26), today)
    other = settled_case(case_world)
    other_confirmation = services.confirmation_prepare(
        actor=case_world["users"]["mediator"], case=other, court=court("闽0603")
    )
    assert list(selectors.confirmation_visible_to(liaison)) == [mine]
    assert set(selectors.case_visible_to(liaison)) == {mine.case}
    assert liaison.has_perm("cases.view_mediationcase", mine.case)
    assert not liaison.has_perm("cases.view_mediationcase", other)
    assert not liaison.has_perm("cases.view_judicialconfirmation", other_confirmation)
    assert selectors.sees_summary_only(liaison, mine.case)  # no timeline or minutes
    # The handling side sees both.
    mediator = case_world["users"]["mediator"]
    assert set(selectors.confirmation_visible_to(mediator)) == {mine, other_confirmation}


def test_selectors_and_rules_agree_on_court_items(case_world, today, liaison):
    filed(case_world, dt.date(2025, 9, 26), today)
    services.referral_receive(
        actor=case_world["users"]["clerk"],
        handling_organization=case_world["orgs"]["committee"],
        court=court("闽06"),
        kind=CourtReferral.Kind.ENTRUSTMENT,
        court_reference="（2025）闽06民初88号",
        referred_on=dt.date(2025, 9, 26),
        title="委托调解",
        dispute_type=DisputeType.DESIGN_INFRINGEMENT,
    )
    users = [*case_world["users"].values(), liaison]
    for user in users:
        confirmations = set(selectors.confirmation_visible_to(user))
        referrals = set(selectors.referral_visible_to(user))
        for obj in JudicialConfirmation.objects.all():
            assert user.has_perm("cases.view_judicialconfirmation", obj) == (obj in confirmations)
        for obj in CourtReferral.objects.all():
            assert user.has_perm("cases.view_courtreferral", obj) == (obj in referrals)
        cases = set(selectors.case_visible_to(user))
        for case in {c.case for c in JudicialConfirmation.objects.all()} | {
            r.case for r in CourtReferral.objects.all()
        }:
            assert user.has_perm("cases.view_mediationcase", case) == (case in cases)
    # 漳州中院's liaison sees the entrusted case (a draft) through its referral.
    assert selectors.referral_visible_to(case_world["users"]["court"]).count() == 1


# --- referrals (DOMAIN §4) --------------------------------------------------------------------


def test_a_delegation_opens_a_case_with_a_30_day_term(case_world, today):
    today(dt.date(2025, 9, 1))
    referral = services.referral_receive(
        actor=case_world["users"]["clerk"],
        handling_organization=case_world["orgs"]["committee"],
        court=court("闽0602"),
        kind=CourtReferral.Kind.DELEGATION,
        court_reference="（2025）闽0602民诉前调 301号",
        referred_on=dt.date(2025, 9, 1),
        title="诉前委派：外观设计专利侵权纠纷",
        dispute_type=DisputeType.DESIGN_INFRINGEMENT,
    )
    case = referral.case
    assert (case.source, case.mediation_kind, case.status) == (
        "court_delegation",
        "court_delegated",
        Status.DRAFT,
    )
    assert referral.court_reference == "（2025）闽0602民诉前调301号"
    assert referral.term_ends_on == dt.date(2025, 10, 9)  # 10-01 is in the holiday
    assert case.events.filter(verb="referral.received").count() == 1


def test_a_delegation_needs_a_pre_filing_number_of_that_court(case_world, today):
    with pytest.raises(ValidationError) as excinfo:
        services.referral_receive(
            actor=case_world["users"]["clerk"],
            handling_organization=case_world["orgs"]["committee"],
            court=court("闽0602"),
            kind=CourtReferral.Kind.DELEGATION,
            court_reference="（2025）闽0602民初301号",
            referred_on=dt.date(2025, 9, 1),
            title="x",
            dispute_type=DisputeType.DESIGN_INFRINGEMENT,
        )
    assert "民诉前调" in excinfo.value.message_dict["court_reference"][0]
    assert not CourtReferral.objects.exists()


def test_one_extension_of_at_most_30_days_with_consent(case_world, today):
    today(dt.date(2025, 9, 1))
    referral = services.referral_receive(
        actor=case_world["users"]["clerk"],
        handling_organization=case_world["orgs"]["committee"],
        court=court("闽0602"),
        kind=CourtReferral.Kind.DELEGATION,
        court_reference="（2025）闽0602民诉前调302号",
        referred_on=dt.date(2025, 9, 1),
        title="x",
        dispute_type=DisputeType.TRADEMARK_INFRINGEMENT,
    )
    admin = case_world["users"]["org_admin"]
    with pytest.raises(ValidationError) as excinfo:
        services.referral_extend(actor=admin, referral=referral, days=31, consent="双方同意")
    assert "days" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        services.referral_extend(actor=admin, referral=referral, days=20, consent=" ")
    assert "consent" in excinfo.value.message_dict
    referral = services.referral_extend(
        actor=admin, referral=referral, days=20, consent="双方于2025-09-28书面同意延长"
    )
    assert referral.term_ends_on == dt.date(2025, 10, 21)  # 50 days
    with pytest.raises(ConditionNotMet):
        services.referral_extend(actor=admin, referral=referral, days=5, consent="再次同意")


def test_a_failed_case_is_referred_to_litigation_and_closed(case_world, today):
    users = case_world["users"]
    case = services.case_fail(
        actor=users["mediator"], case=case_world["cases"]["mediating"], reason="被申请人拒绝赔偿"
    )
    referral = services.referral_to_litigation(
        actor=users["mediator"], case=case, court=court("闽0602"), note="告知当事人起诉"
    )
    assert referral.direction == CourtReferral.Direction.OUTBOUND
    # Closing now needs no waiver: the referral finished the mediation's part.
    case = services.case_close(actor=users["mediator"], case=case)
    assert case.status == Status.CLOSED
    with pytest.raises(ValidationError):
        services.referral_close(actor=users["mediator"], referral=referral, outcome="agreement")
    referral = services.referral_close(
        actor=users["mediator"], referral=referral, outcome="filed", result="已立案"
    )
    assert referral.status == CourtReferral.Status.CLOSED


def test_an_open_confirmation_blocks_closing_the_case(case_world):
    case = settled_case(case_world)
    mediator = case_world["users"]["mediator"]
    confirmation = services.confirmation_prepare(actor=mediator, case=case, court=court("闽0602"))
    with pytest.raises(ConditionNotMet) as excinfo:
        services.case_close(actor=mediator, case=case, waiver_reason="放弃")
    assert excinfo.value.code == "confirmation_open"
    services.confirmation_withdraw(actor=mediator, confirmation=confirmation, reason="当事人撤回")
    assert services.case_close(actor=mediator, case=case).status == Status.CLOSED


def test_parties_see_the_confirmation_but_not_the_package(case_world, today, liaison):
    """The package holds both parties' identity documents."""
    confirmation = filed(case_world, dt.date(2025, 9, 26), today)
    users = case_world["users"]
    material = confirmation.materials.first()
    enterprise = users["enterprise"]  # ent_a is the applicant
    assert enterprise.has_perm("cases.view_judicialconfirmation", confirmation)
    assert not enterprise.has_perm("cases.view_confirmationmaterial", material)
    assert not selectors.material_visible_to(enterprise).exists()
    for user in (users["mediator"], users["clerk"], liaison, users["superuser"]):
        assert user.has_perm("cases.view_confirmationmaterial", material)
        assert material in selectors.material_visible_to(user)
    assert not users["court"].has_perm("cases.view_confirmationmaterial", material)
    for user in [*users.values(), liaison]:
        visible = set(selectors.material_visible_to(user))
        for obj in ConfirmationMaterial.objects.all():
            assert user.has_perm("cases.view_confirmationmaterial", obj) == (obj in visible)
