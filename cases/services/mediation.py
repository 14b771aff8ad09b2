"""Mediating a case: assigning mediators, sessions and the agreement."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance import selectors as alliance_selectors
from alliance.models import Membership
from cases.choices import (
    OWNERSHIP_DISPUTES,
    Status,
)
from cases.errors import ConditionNotMet, InvalidTransition
from cases.models import (
    Agreement,
    CaseAssignment,
    MediationCase,
    MediationSession,
)
from cases.notifications import notify_case_event
from cases.services._base import (
    User,
    _lock,
    _require,
    record_event,
)

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
    case._history_user = actor
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
        case._history_user = actor
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
    session._history_user = actor
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
    session._history_user = actor
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
