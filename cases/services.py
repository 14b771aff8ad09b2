"""Every change to a case goes through these functions (DESIGN §5, STYLE rule 4).

Each runs in a transaction, locks the case row, checks the actor's permission
(``rules.py``) and the transition's preconditions, changes the state, writes a timeline
``CaseEvent`` with a dotted verb, and defers notifications with ``on_commit``. A refusal
raises a domain error and changes nothing. Optimistic concurrency: callers pass the
``version`` they displayed; if someone changed the case since, a ``ConflictError`` says so.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance import deadlines
from alliance import selectors as alliance_selectors
from alliance.models import Membership, Organization
from cases import rules as case_rules
from cases.choices import (
    OWNERSHIP_DISPUTES,
    TRANSITIONS,
    MediationKind,
    PartyKind,
    PartyRole,
    Status,
)
from cases.errors import ConditionNotMet, InvalidTransition
from cases.models import (
    DEFAULT_NUMBER_TEMPLATE,
    Agreement,
    CaseAssignment,
    CaseEvent,
    CaseNumberCounter,
    CaseNumbering,
    CaseRight,
    MediationCase,
    MediationSession,
    Party,
)
from cases.notifications import notify_case_event
from zhangzhou_ip.core.errors import ConflictError, PermissionDenied

User = AbstractBaseUser

# Fields a user may edit outside the workflow (everything else is set by transitions).
EDITABLE_FIELDS = (
    "title",
    "facts",
    "dispute_type",
    "mediation_kind",
    "source",
    "claim_amount",
    "settled_amount",
    "is_online",
)


# --- helpers -----------------------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def _require(actor: User, perm: str, obj: Any) -> None:
    if not actor.has_perm(perm, obj):
        raise PermissionDenied(_("You are not allowed to do this on this case."), code="forbidden")


def _lock(case: MediationCase, expected_version: int | None) -> MediationCase:
    locked = (
        MediationCase.objects.select_for_update(of=("self",))
        .select_related("handling_organization__region__parent")
        .get(pk=case.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            _("This case was changed by someone else. Reload the page and try again."),
            code="conflict",
        )
    return locked


def _check_state(case: MediationCase, transition: str) -> None:
    sources, _target = TRANSITIONS[transition]
    if case.status not in sources:
        raise InvalidTransition(
            _('A case that is "%(status)s" cannot be moved by "%(transition)s".')
            % {"status": case.get_status_display(), "transition": transition},
            code="invalid_transition",
        )


def record_event(
    case: MediationCase,
    actor: User | None,
    verb: str,
    *,
    from_status: str = "",
    to_status: str = "",
    **data: Any,
) -> CaseEvent:
    """Append to the case's timeline (services only)."""
    return CaseEvent.objects.create(
        case=case,
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        from_status=from_status,
        to_status=to_status,
        data=data,
    )


def _save(case: MediationCase, actor: User, fields: list[str]) -> None:
    case.version += 1
    case._history_user = actor
    case.save(update_fields=[*fields, "version", "updated_at"])


def _transition(
    case: MediationCase,
    actor: User,
    name: str,
    expected_version: int | None,
) -> tuple[MediationCase, str]:
    """Lock, check permission and state; returns the locked case and its old status."""
    case = _lock(case, expected_version)
    _require(actor, case_rules.transition_perm(name), case)
    _check_state(case, name)
    return case, case.status


def _finish(
    case: MediationCase,
    actor: User,
    name: str,
    old: str,
    fields: list[str],
    **data: Any,
) -> MediationCase:
    case.status = TRANSITIONS[name][1]
    _save(case, actor, ["status", *fields])
    verb = f"case.{case.status}"
    record_event(case, actor, verb, from_status=old, to_status=case.status, **data)
    notify_case_event(case_id=case.pk, verb=verb, actor_id=actor.pk)
    return case


# --- creating and editing ---------------------------------------------------------------


@transaction.atomic
def case_create(
    *, actor: User, handling_organization: Organization, title: str, dispute_type: str, **fields
) -> MediationCase:
    """Open a draft. It gets a number only when submitted (DESIGN §5)."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    case = MediationCase(
        handling_organization=handling_organization,
        title=title,
        dispute_type=dispute_type,
        created_by=actor,
        **fields,
    )
    _require(actor, "cases.add_mediationcase", case)
    case.full_clean(exclude=["created_by"])
    case._history_user = actor
    case.save()
    record_event(case, actor, "case.created", to_status=Status.DRAFT)
    return case


@transaction.atomic
def case_update(
    *, actor: User, case: MediationCase, expected_version: int | None = None, **fields
) -> MediationCase:
    """Edit the non-workflow fields."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    case = _lock(case, expected_version)
    _require(actor, "cases.change_mediationcase", case)
    changed = {k: v for k, v in fields.items() if getattr(case, k) != v}
    if not changed:
        return case
    for name, value in changed.items():
        setattr(case, name, value)
    case.full_clean()
    _save(case, actor, list(changed))
    record_event(case, actor, "case.updated", fields=sorted(changed))
    return case


@transaction.atomic
def case_delete_draft(*, actor: User, case: MediationCase) -> None:
    case = _lock(case, None)
    _require(actor, "cases.delete_mediationcase", case)
    if case.status != Status.DRAFT:
        raise InvalidTransition(_("Only drafts can be deleted."), code="not_draft")
    case.delete()


def _refresh_cross_region(case: MediationCase) -> None:
    """A case is cross-region when a party's city differs from the handling
    organisation's (DESIGN §4)."""
    home = _city_id(case.handling_organization.region)
    cities = set()
    for party in case.parties.select_related("region__parent", "organization__region__parent"):
        region = party.region or (party.organization.region if party.organization else None)
        if region is not None:
            cities.add(_city_id(region))
    value = any(city != home for city in cities if city is not None)
    if value != case.is_cross_region:
        MediationCase.objects.filter(pk=case.pk).update(is_cross_region=value)
        case.is_cross_region = value


def _city_id(region) -> int | None:
    if region is None:
        return None
    if region.level == "county" and region.parent_id:
        return region.parent_id
    return region.pk


@transaction.atomic
def party_add(*, actor: User, case: MediationCase, **fields) -> Party:
    """Add a party; an organisation party takes the organisation's name."""
    case = _lock(case, None)
    party = Party(case=case, **fields)
    _require(actor, "cases.add_party", party)
    if party.kind == PartyKind.ORGANIZATION and party.organization is not None:
        party.name = party.organization.name
        party.id_number = ""
    _validate_party(party)
    party.full_clean()
    party._history_user = actor
    party.save()
    _refresh_cross_region(case)
    record_event(case, actor, "party.added", role=party.role, name=party.name)
    return party


def _validate_party(party: Party) -> None:
    from alliance.validators import normalize_resident_id, validate_resident_id

    if party.kind == PartyKind.PERSON and party.id_number:
        party.id_number = normalize_resident_id(party.id_number)
        try:
            validate_resident_id(party.id_number)
        except Exception as exc:
            from django.core.exceptions import ValidationError

            if isinstance(exc, ValidationError):
                raise ValidationError({"id_number": exc.error_list}) from exc
            raise


@transaction.atomic
def party_update(*, actor: User, party: Party, **fields) -> Party:
    case = _lock(party.case, None)
    party = Party.objects.select_for_update().get(pk=party.pk)
    _require(actor, "cases.change_party", party)
    for name, value in fields.items():
        setattr(party, name, value)
    if party.kind == PartyKind.ORGANIZATION and party.organization is not None:
        party.name = party.organization.name
        party.id_number = ""
    _validate_party(party)
    party.full_clean()
    party._history_user = actor
    party.save()
    _refresh_cross_region(case)
    record_event(case, actor, "party.updated", role=party.role, name=party.name)
    return party


@transaction.atomic
def party_remove(*, actor: User, party: Party) -> None:
    case = _lock(party.case, None)
    _require(actor, "cases.delete_party", party)
    name, role = party.name, party.role
    party.delete()
    _refresh_cross_region(case)
    record_event(case, actor, "party.removed", role=role, name=name)


@transaction.atomic
def right_add(*, actor: User, case: MediationCase, **fields) -> CaseRight:
    """Add a right in dispute: a registered right (its kind and number are copied) or a
    number of the given kind, validated and normalised (DOMAIN §5)."""
    from django.core.exceptions import ValidationError

    from alliance.validators import (
        normalize_identifier_for_ip_kind,
        validate_identifier_for_ip_kind,
    )

    case = _lock(case, None)
    right = CaseRight(case=case, **fields)
    _require(actor, "cases.add_caseright", right)
    ip = right.intellectual_property
    if ip is not None:
        right.kind, right.number = ip.kind, ip.number
    elif right.number:
        right.number = normalize_identifier_for_ip_kind(right.kind, right.number)
        try:
            validate_identifier_for_ip_kind(right.kind, right.number)
        except ValidationError as exc:
            raise ValidationError({"number": exc.error_list}) from exc
    right.full_clean()
    right.save()
    record_event(case, actor, "right.added", kind=right.kind, number=right.number)
    return right


@transaction.atomic
def right_remove(*, actor: User, right: CaseRight) -> None:
    case = _lock(right.case, None)
    _require(actor, "cases.delete_caseright", right)
    kind, number = right.kind, right.number
    right.delete()
    record_event(case, actor, "right.removed", kind=kind, number=number)


# --- numbers -------------------------------------------------------------------------------


def _number_template(org: Organization) -> str:
    numbering = CaseNumbering.objects.filter(organization=org).first()
    return numbering.template if numbering else DEFAULT_NUMBER_TEMPLATE


def _city_char(org: Organization) -> str:
    region = org.region
    if region.level == "county" and region.parent_id:
        region = region.parent
    return region.name[:1]


def format_case_number(template: str, *, org: Organization, year: int, seq: int) -> str:
    return template.format(year=year, seq=seq, city=_city_char(org))


def _allocate_number(case: MediationCase, year: int) -> None:
    """Next number of the organisation's year: the counter row is locked for the rest of
    the transaction, so concurrent submissions queue and numbers stay gapless."""
    org = case.handling_organization
    counter = CaseNumberCounter.objects.select_for_update().filter(organization=org, year=year)
    row = counter.first()
    if row is None:
        try:
            with transaction.atomic():
                CaseNumberCounter.objects.create(organization=org, year=year, last_value=0)
        except IntegrityError:
            pass  # another transaction created it first; lock theirs
        row = counter.get()
    row.last_value += 1
    row.save(update_fields=["last_value"])
    case.number_year, case.number_seq = year, row.last_value
    case.number = format_case_number(_number_template(org), org=org, year=year, seq=row.last_value)


# --- transitions (DESIGN §5) -----------------------------------------------------------------


@transaction.atomic
def case_submit(
    *, actor: User, case: MediationCase, expected_version: int | None = None
) -> MediationCase:
    """draft → submitted: needs an applicant and a respondent; allocates the number."""
    case, old = _transition(case, actor, "submit", expected_version)
    roles = set(case.parties.values_list("role", flat=True))
    missing = [
        label
        for role, label in (
            (PartyRole.APPLICANT, _("an applicant")),
            (PartyRole.RESPONDENT, _("a respondent")),
        )
        if role not in roles
    ]
    if missing:
        raise ConditionNotMet(
            _("A case can only be submitted with %(missing)s.")
            % {"missing": _(" and ").join(missing)},
            code="parties_missing",
        )
    today = _today()
    _allocate_number(case, today.year)
    case.received_on = today
    return _finish(
        case,
        actor,
        "submit",
        old,
        ["number", "number_year", "number_seq", "received_on"],
        number=case.number,
    )


def mediation_deadline_for(case: MediationCase, accepted_on: dt.date) -> dt.date | None:
    """Court-invited mediation: 30 days (DOMAIN §4.2); people's and other mediation: one
    month (人民调解工作若干规定 art. 33, DOMAIN §3.1), both counted under CPL art. 85.
    ``None`` when no holiday calendar covers the end date yet (an admin must enter it)."""
    try:
        if case.mediation_kind in (MediationKind.COURT_DELEGATED, MediationKind.COURT_ENTRUSTED):
            return deadlines.statutory_period_end(accepted_on, days=30)
        return deadlines.statutory_period_end(accepted_on, months=1)
    except deadlines.CalendarUnavailable:
        return None


@transaction.atomic
def case_accept(
    *, actor: User, case: MediationCase, expected_version: int | None = None
) -> MediationCase:
    """submitted → accepted: needs at least one assigned mediator; computes the deadline."""
    case, old = _transition(case, actor, "accept", expected_version)
    if not case.assignments.filter(unassigned_at__isnull=True).exists():
        raise ConditionNotMet(
            _("Assign at least one mediator before accepting the case."),
            code="no_mediator",
        )
    case.accepted_on = _today()
    case.mediation_deadline = mediation_deadline_for(case, case.accepted_on)
    data = {}
    if case.mediation_deadline is None:
        data["deadline_note"] = "no holiday calendar for the end date yet"
    else:
        data["mediation_deadline"] = case.mediation_deadline.isoformat()
    return _finish(case, actor, "accept", old, ["accepted_on", "mediation_deadline"], **data)


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ConditionNotMet(_("Give a reason."), code="reason_required")
    return reason


@transaction.atomic
def case_decline(
    *, actor: User, case: MediationCase, reason: str, expected_version: int | None = None
) -> MediationCase:
    """submitted → declined (closed): needs a reason."""
    case, old = _transition(case, actor, "decline", expected_version)
    case.outcome_reason = _require_reason(reason)
    case.closed_on = _today()
    return _finish(case, actor, "decline", old, ["outcome_reason", "closed_on"], reason=reason)


@transaction.atomic
def case_start_mediation(
    *, actor: User, case: MediationCase, expected_version: int | None = None
) -> MediationCase:
    """accepted → mediating: needs a scheduled session."""
    case, old = _transition(case, actor, "start_mediation", expected_version)
    if not case.sessions.exists():
        raise ConditionNotMet(
            _("Schedule a mediation session before starting mediation."), code="no_session"
        )
    return _finish(case, actor, "start_mediation", old, [])


@transaction.atomic
def case_settle(
    *, actor: User, case: MediationCase, expected_version: int | None = None
) -> MediationCase:
    """mediating → settled: needs a signed agreement; opens the confirmation window."""
    case, old = _transition(case, actor, "settle", expected_version)
    agreement = Agreement.objects.filter(case=case).first()
    if agreement is None or not agreement.is_signed:
        raise ConditionNotMet(
            _("Record the signed agreement before settling the case."), code="no_agreement"
        )
    fields = []
    if agreement.amount is not None and case.settled_amount is None:
        case.settled_amount = agreement.amount
        fields.append("settled_amount")
    data: dict[str, Any] = {}
    if agreement.effective_on:
        try:
            window = deadlines.statutory_period_end(agreement.effective_on, days=30)
            data["confirmation_window_closes"] = window.isoformat()
        except deadlines.CalendarUnavailable:
            data["confirmation_window_note"] = "no holiday calendar for the end date yet"
    return _finish(case, actor, "settle", old, fields, **data)


@transaction.atomic
def case_fail(
    *, actor: User, case: MediationCase, reason: str, expected_version: int | None = None
) -> MediationCase:
    """mediating → failed: needs a reason; a referral to court is then offered."""
    case, old = _transition(case, actor, "fail", expected_version)
    case.outcome_reason = _require_reason(reason)
    return _finish(case, actor, "fail", old, ["outcome_reason"], reason=case.outcome_reason)


@transaction.atomic
def case_withdraw(
    *,
    actor: User,
    case: MediationCase,
    reason: str,
    withdrawn_on: dt.date | None = None,
    expected_version: int | None = None,
) -> MediationCase:
    """submitted/accepted/mediating → withdrawn (closed): the applicant's withdrawal must be
    recorded (its date and words)."""
    case, old = _transition(case, actor, "withdraw", expected_version)
    case.outcome_reason = _require_reason(reason)
    case.closed_on = _today()
    return _finish(
        case,
        actor,
        "withdraw",
        old,
        ["outcome_reason", "closed_on"],
        reason=case.outcome_reason,
        withdrawn_on=(withdrawn_on or case.closed_on).isoformat(),
    )


@transaction.atomic
def case_close(
    *,
    actor: User,
    case: MediationCase,
    waiver_reason: str = "",
    expected_version: int | None = None,
) -> MediationCase:
    """settled/failed → closed: judicial confirmation or court referral finished or waived.
    Until confirmations and referrals are tracked (issue 4), closing records the waiver."""
    case, old = _transition(case, actor, "close", expected_version)
    reason = _require_reason(waiver_reason)
    case.closed_on = _today()
    return _finish(case, actor, "close", old, ["closed_on"], waiver_reason=reason)


TRANSITION_SERVICES = {
    "submit": case_submit,
    "accept": case_accept,
    "decline": case_decline,
    "start_mediation": case_start_mediation,
    "settle": case_settle,
    "fail": case_fail,
    "withdraw": case_withdraw,
    "close": case_close,
}
# Transitions that take a reason (the web/API forms ask for it).
REASON_TRANSITIONS = {
    "decline": "reason",
    "fail": "reason",
    "withdraw": "reason",
    "close": "waiver_reason",
}


def available_transitions(user: User, case: MediationCase) -> list[str]:
    """Transitions the user may start from the case's current state (for buttons)."""
    return [
        name
        for name, (sources, _target) in TRANSITIONS.items()
        if case.status in sources and user.has_perm(case_rules.transition_perm(name), case)
    ]


# --- assignment --------------------------------------------------------------------------


@transaction.atomic
def case_assign(*, actor: User, case: MediationCase, mediator: User) -> CaseAssignment:
    """Put a mediator (a mediator or admin of the handling organisation) on the case."""
    case = _lock(case, None)
    _require(actor, "cases.assign_mediationcase", case)
    roles = {
        role
        for org, _kind, role in alliance_selectors._memberships(mediator)
        if org == case.handling_organization_id
    }
    if not roles & {Membership.Role.MEDIATOR, Membership.Role.ADMIN}:
        raise ConditionNotMet(
            _("%(user)s is not a mediator of %(org)s.")
            % {"user": mediator.get_username(), "org": case.handling_organization},
            code="not_a_mediator",
        )
    existing = case.assignments.filter(user=mediator, unassigned_at__isnull=True).first()
    if existing:
        return existing
    assignment = CaseAssignment.objects.create(case=case, user=mediator, assigned_by=actor)
    case.version += 1
    case.save(update_fields=["version"])
    record_event(case, actor, "case.assigned", mediator=mediator.get_username())
    notify_case_event(case_id=case.pk, verb="case.assigned", actor_id=actor.pk)
    return assignment


@transaction.atomic
def case_unassign(*, actor: User, case: MediationCase, mediator: User) -> None:
    case = _lock(case, None)
    _require(actor, "cases.assign_mediationcase", case)
    updated = case.assignments.filter(user=mediator, unassigned_at__isnull=True).update(
        unassigned_at=timezone.now()
    )
    if updated:
        case.version += 1
        case.save(update_fields=["version"])
        record_event(case, actor, "case.unassigned", mediator=mediator.get_username())


# --- sessions --------------------------------------------------------------------------------


@transaction.atomic
def session_schedule(*, actor: User, case: MediationCase, **fields) -> MediationSession:
    """Schedule a session (time, room or online link, attendees)."""
    case = _lock(case, None)
    session = MediationSession(case=case, **fields)
    _require(actor, "cases.add_mediationsession", session)
    session.full_clean()
    session.save()
    record_event(
        case,
        actor,
        "session.scheduled",
        starts_at=session.starts_at.isoformat(),
        session=session.pk,
    )
    return session


@transaction.atomic
def session_record(
    *, actor: User, session: MediationSession, minutes: str, outcome: str, attendees: str = ""
) -> MediationSession:
    """Record the minutes and outcome of a session."""
    case = _lock(session.case, None)
    session = MediationSession.objects.select_for_update().get(pk=session.pk)
    _require(actor, "cases.change_mediationsession", session)
    session.minutes, session.outcome = minutes, outcome
    if attendees:
        session.attendees = attendees
    session.recorded_at = timezone.now()
    session.full_clean()
    session.save()
    record_event(case, actor, "session.recorded", session=session.pk, outcome=outcome)
    return session


# --- agreement -------------------------------------------------------------------------------


@transaction.atomic
def agreement_save(*, actor: User, case: MediationCase, **fields) -> Agreement:
    """Create or update the agreement while mediating. An agreement on an ownership dispute
    is flagged as an ownership determination unless the user says otherwise (DOMAIN §1.6)."""
    case = _lock(case, None)
    agreement = Agreement.objects.filter(case=case).first() or Agreement(case=case)
    creating = agreement.pk is None
    if creating and "is_ownership_determination" not in fields:
        fields["is_ownership_determination"] = case.dispute_type in OWNERSHIP_DISPUTES
    for name, value in fields.items():
        setattr(agreement, name, value)
    _require(actor, "cases.add_agreement" if creating else "cases.change_agreement", agreement)
    if case.status != Status.MEDIATING:
        raise InvalidTransition(
            _("The agreement can only be recorded while the case is being mediated."),
            code="not_mediating",
        )
    agreement.full_clean()  # amounts: non-negative, at most two decimal places
    agreement._history_user = actor
    agreement.save()
    record_event(
        case,
        actor,
        "agreement.recorded" if creating else "agreement.updated",
        signed_on=agreement.signed_on.isoformat() if agreement.signed_on else None,
        ownership_determination=agreement.is_ownership_determination,
    )
    return agreement
