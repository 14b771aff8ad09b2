"""Workflow services: every transition allowed and refused (by state, by role, by missing
condition), numbering, optimistic concurrency, timeline, history and notifications."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from alliance import deadlines
from alliance.models import IntellectualProperty
from cases import services
from cases.choices import TRANSITIONS, DisputeType, MediationKind, PartyRole, Status
from cases.errors import ConditionNotMet, InvalidTransition
from cases.models import CaseEvent, CaseNumbering, MediationCase
from tests.cases.conftest import advance, make_case, org_party, person_party
from zhangzhou_ip.core.errors import ConflictError, PermissionDenied

pytestmark = pytest.mark.django_db

REASONS = {name: {kwarg: "当事人申请"} for name, kwarg in services.REASON_TRANSITIONS.items()}


def _call(name: str, actor, case, **extra):
    return services.TRANSITION_SERVICES[name](
        actor=actor, case=case, **REASONS.get(name, {}), **extra
    )


def _snapshot(case: MediationCase) -> tuple:
    case.refresh_from_db()
    return case.status, case.version, case.number, case.events.count()


def _case_in(case_world, status: str) -> MediationCase:
    """A fresh committee case in ``status``, mediated by ``mediator``, ready for the next
    step (a session is scheduled when accepted, a signed agreement recorded when mediating)."""
    users, orgs = case_world["users"], case_world["orgs"]
    parties = [
        org_party(PartyRole.APPLICANT, orgs["ent_a"]),
        org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
    ]
    case = make_case(users["clerk"], orgs["committee"], parties=parties)
    if status == Status.DRAFT:
        return case
    if status in (Status.FAILED,):
        case = advance(case, users["clerk"], users["mediator"], "mediating")
        return services.case_fail(actor=users["mediator"], case=case, reason="双方分歧过大")
    case = advance(case, users["clerk"], users["mediator"], status)
    if status == Status.SUBMITTED:
        services.case_assign(actor=users["mediator"], case=case, mediator=users["mediator"])
    if status == Status.ACCEPTED:
        services.session_schedule(
            actor=users["mediator"],
            case=case,
            starts_at=timezone.now() + dt.timedelta(days=2),
            online_link="https://meeting.example.cn/r/1",
        )
    if status == Status.MEDIATING:
        services.agreement_save(
            actor=users["mediator"],
            case=case,
            terms="停止侵权。",
            signed_on=timezone.localdate(),
            effective_on=timezone.localdate(),
        )
    return case


# --- the happy path ---------------------------------------------------------------------


def test_full_workflow_writes_a_timeline_with_dotted_verbs(case_world):
    users, orgs = case_world["users"], case_world["orgs"]
    case = make_case(
        users["clerk"],
        orgs["committee"],
        parties=[
            org_party(PartyRole.APPLICANT, orgs["ent_a"]),
            org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
        ],
    )
    case = advance(case, users["clerk"], users["mediator"], "closed")
    verbs = list(case.events.order_by("created_at", "pk").values_list("verb", flat=True))
    assert verbs == [
        "case.created",
        "party.added",
        "party.added",
        "case.submitted",
        "case.assigned",
        "case.accepted",
        "session.scheduled",
        "case.mediating",
        "agreement.recorded",
        "case.settled",
        "case.closed",
    ]
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.closed_on == timezone.localdate()
    assert case.settled_amount == Decimal("50000.00")
    settled = case.events.get(verb="case.settled")
    assert (settled.from_status, settled.to_status) == (Status.MEDIATING, Status.SETTLED)
    assert settled.actor == users["mediator"]
    assert "confirmation_window_closes" in settled.data


@pytest.mark.parametrize(
    "name",
    ["submit", "accept", "decline", "start_mediation", "settle", "fail", "withdraw", "close"],
)
def test_each_transition_moves_to_its_target_and_bumps_the_version(case_world, name):
    sources, target = TRANSITIONS[name]
    case = _case_in(case_world, sources[-1])
    actor = case_world["users"]["mediator"]
    before = case.version
    result = _call(name, actor, case)
    result.refresh_from_db()
    assert result.status == target
    assert result.version > before
    event = result.events.order_by("-pk").first()
    assert event.verb == f"case.{target}"
    assert (event.from_status, event.to_status) == (sources[-1], target)


# --- refused by state --------------------------------------------------------------------

ALL_STATES = [s for s in Status.values]


@pytest.mark.parametrize(
    ("name", "state"),
    [
        (name, state)
        for name, (sources, _t) in TRANSITIONS.items()
        for state in (Status.DRAFT, Status.SUBMITTED, Status.MEDIATING, Status.CLOSED)
        if state not in sources
    ],
)
def test_transition_from_a_wrong_state_is_refused_and_changes_nothing(case_world, name, state):
    case = _case_in(case_world, state)
    before = _snapshot(case)
    with pytest.raises(InvalidTransition) as excinfo:
        _call(name, case_world["users"]["superuser"], case)
    assert excinfo.value.code == "invalid_transition"
    assert case.get_status_display() in excinfo.value.messages[0]
    assert _snapshot(case) == before


# --- refused by role ---------------------------------------------------------------------

ALLOWED = {
    "submit": {"superuser", "org_admin", "mediator", "mediator2", "clerk"},
    "accept": {"superuser", "org_admin", "mediator", "mediator2"},
    "decline": {"superuser", "org_admin", "mediator", "mediator2"},
    "start_mediation": {"superuser", "org_admin", "mediator"},
    "settle": {"superuser", "org_admin", "mediator"},
    "fail": {"superuser", "org_admin", "mediator"},
    "withdraw": {"superuser", "org_admin", "mediator"},
    "close": {"superuser", "org_admin", "mediator"},
}
USERS = [
    "superuser",
    "org_admin",
    "mediator",
    "mediator2",
    "clerk",
    "partner",
    "court",
    "servicepoint",
    "enterprise",
]


@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_who_may_start_each_transition(case_world, name):
    """``available_transitions`` (the buttons) and the permission agree with DESIGN §6."""
    case = _case_in(case_world, TRANSITIONS[name][0][-1])
    allowed = {
        username
        for username in USERS
        if name in services.available_transitions(case_world["users"][username], case)
    }
    assert allowed == ALLOWED[name]


@pytest.mark.parametrize(
    ("name", "username"),
    [(name, u) for name in TRANSITIONS for u in USERS if u not in ALLOWED[name]],
)
def test_transition_by_a_role_without_the_right_is_refused(case_world, name, username):
    case = _case_in(case_world, TRANSITIONS[name][0][-1])
    before = _snapshot(case)
    with pytest.raises(PermissionDenied):
        _call(name, case_world["users"][username], case)
    assert _snapshot(case) == before


# --- refused by a missing condition ------------------------------------------------------


def test_submit_needs_an_applicant_and_a_respondent(case_world):
    case = case_world["cases"]["draft"]  # applicant only
    before = _snapshot(case)
    with pytest.raises(ConditionNotMet) as excinfo:
        services.case_submit(actor=case_world["users"]["clerk"], case=case)
    assert excinfo.value.code == "parties_missing"
    assert "a respondent" in excinfo.value.messages[0]
    assert "an applicant" not in excinfo.value.messages[0]
    assert _snapshot(case) == before
    assert MediationCase.objects.get(pk=case.pk).number == ""


def test_accept_needs_an_assigned_mediator(case_world):
    case = case_world["cases"]["submitted"]
    before = _snapshot(case)
    with pytest.raises(ConditionNotMet) as excinfo:
        services.case_accept(actor=case_world["users"]["mediator"], case=case)
    assert excinfo.value.code == "no_mediator"
    assert _snapshot(case) == before


def test_start_mediation_needs_a_session(case_world):
    users = case_world["users"]
    case = advance(
        make_case(
            users["clerk"],
            case_world["orgs"]["committee"],
            parties=[
                org_party(PartyRole.APPLICANT, case_world["orgs"]["ent_a"]),
                person_party(PartyRole.RESPONDENT),
            ],
        ),
        users["clerk"],
        users["mediator"],
        "accepted",
    )
    before = _snapshot(case)
    with pytest.raises(ConditionNotMet) as excinfo:
        services.case_start_mediation(actor=users["mediator"], case=case)
    assert excinfo.value.code == "no_session"
    assert _snapshot(case) == before


def test_settle_needs_a_signed_agreement(case_world):
    case = case_world["cases"]["mediating"]
    mediator = case_world["users"]["mediator"]
    with pytest.raises(ConditionNotMet) as excinfo:
        services.case_settle(actor=mediator, case=case)
    assert excinfo.value.code == "no_agreement"
    services.agreement_save(actor=mediator, case=case, terms="停止侵权。")  # not signed yet
    before = _snapshot(case)
    with pytest.raises(ConditionNotMet):
        services.case_settle(actor=mediator, case=case)
    assert _snapshot(case) == before


@pytest.mark.parametrize("name", sorted(services.REASON_TRANSITIONS))
def test_reason_transitions_need_a_reason(case_world, name):
    case = _case_in(case_world, TRANSITIONS[name][0][-1])
    before = _snapshot(case)
    kwarg = services.REASON_TRANSITIONS[name]
    with pytest.raises(ConditionNotMet) as excinfo:
        services.TRANSITION_SERVICES[name](
            actor=case_world["users"]["mediator"], case=case, **{kwarg: "   "}
        )
    assert excinfo.value.code == "reason_required"
    assert _snapshot(case) == before


def test_withdrawal_records_its_date_and_reason(case_world):
    case = case_world["cases"]["mediating"]
    day = timezone.localdate() - dt.timedelta(days=1)
    case = services.case_withdraw(
        actor=case_world["users"]["mediator"], case=case, reason="申请人撤回", withdrawn_on=day
    )
    event = case.events.get(verb="case.withdrawn")
    assert event.data == {"reason": "申请人撤回", "withdrawn_on": day.isoformat()}
    assert case.outcome_reason == "申请人撤回"


# --- optimistic concurrency --------------------------------------------------------------


def test_a_stale_version_is_a_conflict_and_changes_nothing(case_world):
    users = case_world["users"]
    case = case_world["cases"]["submitted"]
    seen = case.version
    services.case_assign(actor=users["mediator"], case=case, mediator=users["mediator"])
    before = _snapshot(case)
    with pytest.raises(ConflictError) as excinfo:
        services.case_accept(actor=users["mediator"], case=case, expected_version=seen)
    assert excinfo.value.http_status == 409
    assert "changed by someone else" in excinfo.value.messages[0]
    assert _snapshot(case) == before
    accepted = services.case_accept(actor=users["mediator"], case=case, expected_version=before[1])
    assert accepted.status == Status.ACCEPTED


def test_editing_with_a_stale_version_is_a_conflict(case_world):
    case = case_world["cases"]["submitted"]
    clerk = case_world["users"]["clerk"]
    services.case_update(actor=clerk, case=case, expected_version=case.version, title="改名一")
    with pytest.raises(ConflictError):
        services.case_update(actor=clerk, case=case, expected_version=case.version, title="改名二")
    case.refresh_from_db()
    assert case.title == "改名一"


# --- numbers -----------------------------------------------------------------------------


def test_numbers_are_gapless_per_organisation_and_year_in_the_default_format(case_world):
    users, orgs = case_world["users"], case_world["orgs"]
    year = timezone.localdate().year
    numbers = [case_world["cases"]["submitted"].number, case_world["cases"]["mediating"].number]
    for _ in range(3):
        case = make_case(
            users["clerk"],
            orgs["committee"],
            parties=[
                org_party(PartyRole.APPLICANT, orgs["ent_a"]),
                org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
            ],
        )
        numbers.append(services.case_submit(actor=users["clerk"], case=case).number)
    assert numbers == [f"漳知调〔{year}〕第{seq:04d}号" for seq in range(1, 6)]
    # The partner bureau counts on its own, with its own city character.
    assert case_world["cases"]["partner"].number == f"沈知调〔{year}〕第0001号"


def test_an_organisation_may_configure_its_number_format(case_world):
    users, orgs = case_world["users"], case_world["orgs"]
    CaseNumbering.objects.create(
        organization=orgs["committee"], template="漳知调字〔{year}〕{seq}号"
    )
    case = make_case(
        users["clerk"],
        orgs["committee"],
        parties=[
            org_party(PartyRole.APPLICANT, orgs["ent_a"]),
            org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
        ],
    )
    case = services.case_submit(actor=users["clerk"], case=case)
    assert case.number == f"漳知调字〔{timezone.localdate().year}〕3号"
    assert case.number_seq == 3


def test_a_deleted_draft_leaves_no_gap_because_drafts_have_no_number(case_world):
    users = case_world["users"]
    draft = case_world["cases"]["draft"]
    services.case_delete_draft(actor=users["clerk"], case=draft)
    assert not MediationCase.objects.filter(pk=draft.pk).exists()
    with pytest.raises(PermissionDenied):  # only drafts may be discarded …
        services.case_delete_draft(actor=users["org_admin"], case=case_world["cases"]["submitted"])
    with pytest.raises(InvalidTransition):  # … even by a platform administrator
        services.case_delete_draft(actor=users["superuser"], case=case_world["cases"]["submitted"])


# --- deadlines ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "period"),
    [(MediationKind.PEOPLES, {"months": 1}), (MediationKind.COURT_DELEGATED, {"days": 30})],
)
def test_accepting_computes_the_mediation_deadline(case_world, kind, period):
    users, orgs = case_world["users"], case_world["orgs"]
    case = make_case(
        users["clerk"],
        orgs["committee"],
        mediation_kind=kind,
        parties=[
            org_party(PartyRole.APPLICANT, orgs["ent_a"]),
            org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
        ],
    )
    case = advance(case, users["clerk"], users["mediator"], "accepted")
    today = timezone.localdate()
    assert case.accepted_on == today
    assert case.mediation_deadline == deadlines.statutory_period_end(today, **period)
    event = case.events.get(verb="case.accepted")
    assert event.data["mediation_deadline"] == case.mediation_deadline.isoformat()


# --- editing, parties, rights ------------------------------------------------------------


def test_update_changes_only_editable_fields_and_records_which(case_world):
    case = case_world["cases"]["submitted"]
    clerk = case_world["users"]["clerk"]
    with pytest.raises(ValueError):
        services.case_update(actor=clerk, case=case, status=Status.CLOSED)
    version = case.version
    case = services.case_update(
        actor=clerk, case=case, title="新标题", claim_amount=Decimal("1.50")
    )
    assert case.version == version + 1
    assert case.events.get(verb="case.updated").data == {"fields": ["claim_amount", "title"]}
    assert case.history.first().history_user == clerk
    # Nothing changed → no event, no version bump.
    case = services.case_update(actor=clerk, case=case, title="新标题")
    assert case.events.filter(verb="case.updated").count() == 1
    assert case.version == version + 1


def test_negative_amount_is_refused_by_validation(case_world):
    with pytest.raises(ValidationError) as excinfo:
        services.case_update(
            actor=case_world["users"]["clerk"],
            case=case_world["cases"]["submitted"],
            claim_amount=Decimal("-1.00"),
        )
    assert "claim_amount" in excinfo.value.message_dict


def test_finished_cases_cannot_be_edited(case_world):
    users = case_world["users"]
    case = services.case_decline(
        actor=users["mediator"], case=case_world["cases"]["submitted"], reason="不属于受理范围"
    )
    with pytest.raises(PermissionDenied):
        services.case_update(actor=users["org_admin"], case=case, title="x")


def test_person_party_resident_id_is_validated_on_the_field(case_world):
    with pytest.raises(ValidationError) as excinfo:
        services.party_add(
            actor=case_world["users"]["clerk"],
            case=case_world["cases"]["draft"],
            **person_party(PartyRole.RESPONDENT, id_number="110105194912310021"),
        )
    assert "id_number" in excinfo.value.message_dict
    assert not case_world["cases"]["draft"].parties.filter(role=PartyRole.RESPONDENT).exists()


def test_lowercase_x_in_a_resident_id_is_normalised(case_world):
    party = services.party_add(
        actor=case_world["users"]["clerk"],
        case=case_world["cases"]["draft"],
        **person_party(PartyRole.RESPONDENT, id_number="11010519491231002x"),
    )
    assert party.id_number == "11010519491231002X"


def test_organisation_party_takes_the_organisations_name_and_sets_cross_region(case_world):
    users, orgs = case_world["users"], case_world["orgs"]
    case = make_case(
        users["clerk"], orgs["committee"], parties=[org_party(PartyRole.APPLICANT, orgs["ent_a"])]
    )
    case.refresh_from_db()
    assert case.is_cross_region is False  # Xiangcheng is a county of Zhangzhou
    party = services.party_add(
        actor=users["clerk"], case=case, **org_party(PartyRole.RESPONDENT, orgs["ent_b"])
    )
    assert party.name == orgs["ent_b"].name
    case.refresh_from_db()
    assert case.is_cross_region is True  # Xiamen
    services.party_remove(actor=users["clerk"], party=party)
    case.refresh_from_db()
    assert case.is_cross_region is False


def test_rights_are_validated_by_kind_or_copied_from_the_register(case_world):
    users, orgs = case_world["users"], case_world["orgs"]
    case = case_world["cases"]["draft"]
    with pytest.raises(ValidationError) as excinfo:
        services.right_add(
            actor=users["clerk"],
            case=case,
            kind=IntellectualProperty.Kind.INVENTION_PATENT,
            number="123",
        )
    assert "number" in excinfo.value.message_dict
    ip = IntellectualProperty.objects.create(
        owner=orgs["ent_a"],
        kind=IntellectualProperty.Kind.DESIGN_PATENT,
        number="ZL202230123456.2",
        title="包装盒",
    )
    right = services.right_add(
        actor=users["clerk"],
        case=case,
        intellectual_property=ip,
        kind=IntellectualProperty.Kind.TRADEMARK,
    )
    assert (right.kind, right.number) == (ip.kind, ip.number)
    assert case.events.filter(verb="right.added").count() == 1


# --- assignment --------------------------------------------------------------------------


def test_only_the_organisations_mediators_can_be_assigned(case_world):
    users = case_world["users"]
    case = case_world["cases"]["submitted"]
    with pytest.raises(ConditionNotMet) as excinfo:
        services.case_assign(actor=users["mediator"], case=case, mediator=users["partner"])
    assert excinfo.value.code == "not_a_mediator"
    first = services.case_assign(actor=users["mediator"], case=case, mediator=users["mediator2"])
    again = services.case_assign(actor=users["mediator"], case=case, mediator=users["mediator2"])
    assert first.pk == again.pk
    assert case.events.filter(verb="case.assigned").count() == 1
    services.case_unassign(actor=users["mediator"], case=case, mediator=users["mediator2"])
    assert not case.assignments.filter(unassigned_at__isnull=True).exists()
    assert case.events.filter(verb="case.unassigned").count() == 1
    with pytest.raises(PermissionDenied):
        services.case_assign(actor=users["clerk"], case=case, mediator=users["mediator"])


# --- sessions and agreement ---------------------------------------------------------------


def test_agreement_on_an_ownership_dispute_is_flagged(case_world):
    users, orgs = case_world["users"], case_world["orgs"]
    case = make_case(
        users["clerk"],
        orgs["committee"],
        dispute_type=DisputeType.PATENT_OWNERSHIP,
        parties=[
            org_party(PartyRole.APPLICANT, orgs["ent_a"]),
            org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
        ],
    )
    case = advance(case, users["clerk"], users["mediator"], "mediating")
    with pytest.raises(ValidationError) as excinfo:
        services.agreement_save(
            actor=users["mediator"], case=case, terms="专利权归申请人所有。", amount="12.345"
        )
    assert "amount" in excinfo.value.message_dict  # two decimal places at most, never rounded
    agreement = services.agreement_save(
        actor=users["mediator"], case=case, terms="专利权归申请人所有。", amount="12.30"
    )
    assert agreement.is_ownership_determination is True
    agreement.refresh_from_db()
    assert agreement.amount == Decimal("12.30")
    event = case.events.get(verb="agreement.recorded")
    assert event.data["ownership_determination"] is True


def test_agreement_only_while_mediating(case_world):
    with pytest.raises(InvalidTransition) as excinfo:
        services.agreement_save(
            actor=case_world["users"]["superuser"],
            case=case_world["cases"]["submitted"],
            terms="x",
        )
    assert excinfo.value.code == "not_mediating"


def test_agreement_effective_date_cannot_precede_signing(case_world):
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        services.agreement_save(
            actor=case_world["users"]["mediator"],
            case=case_world["cases"]["mediating"],
            terms="x",
            signed_on=today,
            effective_on=today - dt.timedelta(days=1),
        )
    assert not hasattr(MediationCase.objects.get(pk=case_world["cases"]["mediating"].pk), "x")


def test_session_needs_a_place_and_recording_keeps_minutes(case_world):
    users = case_world["users"]
    case = case_world["cases"]["mediating"]
    with pytest.raises(ValidationError):
        services.session_schedule(
            actor=users["mediator"], case=case, starts_at=timezone.now() + dt.timedelta(days=1)
        )
    session = case.sessions.get()
    session = services.session_record(
        actor=users["mediator"], session=session, minutes="双方陈述意见。", outcome="continued"
    )
    assert session.recorded_at is not None
    assert case.events.filter(verb="session.recorded").count() == 1
    with pytest.raises(PermissionDenied):
        services.session_record(
            actor=users["mediator2"], session=session, minutes="x", outcome="continued"
        )


# --- notifications ------------------------------------------------------------------------


def test_notifications_are_sent_after_commit_to_creator_and_mediators(
    case_world, django_capture_on_commit_callbacks
):
    users = case_world["users"]
    users["clerk"].email = "clerk@example.cn"
    users["clerk"].save()
    users["mediator"].email = "mediator@example.cn"
    users["mediator"].save()
    case = case_world["cases"]["submitted"]
    services.case_assign(actor=users["mediator"], case=case, mediator=users["mediator"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.case_accept(actor=users["mediator"], case=case)
        assert mail.outbox == []  # nothing before the commit
    assert len(callbacks) == 1
    assert [m.to for m in mail.outbox] == [["clerk@example.cn"]]  # the actor is not told
    assert case.number in mail.outbox[0].subject


def test_a_refused_transition_sends_nothing(case_world, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ConditionNotMet),
    ):
        services.case_accept(
            actor=case_world["users"]["mediator"], case=case_world["cases"]["submitted"]
        )
    assert callbacks == []


def test_timeline_events_are_immutable(case_world):
    event = CaseEvent.objects.filter(case=case_world["cases"]["submitted"]).first()
    event.verb = "case.tampered"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
    assert CaseEvent.objects.filter(verb="case.tampered").count() == 0


def test_without_a_holiday_calendar_the_deadline_is_left_open_and_said_so(case_world):
    """When no calendar covers the end date (chinesecalendar ships only published years),
    accepting still works; the timeline says why there is no deadline."""
    from alliance.models import HolidayYear

    HolidayYear.objects.all().delete()
    users = case_world["users"]
    case = case_world["cases"]["submitted"]
    services.case_assign(actor=users["mediator"], case=case, mediator=users["mediator"])
    with pytest.MonkeyPatch.context() as mp:
        far = dt.date(deadlines.package_years()[1] + 5, 6, 1)
        mp.setattr(timezone, "localdate", lambda *args, **kwargs: far)
        case = services.case_accept(actor=users["mediator"], case=case)
    assert case.accepted_on == far
    assert case.mediation_deadline is None
    assert "deadline_note" in case.events.get(verb="case.accepted").data
