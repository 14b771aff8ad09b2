"""Litigation–mediation docking (诉调对接), DOMAIN §4: a court delegating (委派) or entrusting
(委托) a dispute to mediation, and a failed mediation referred to litigation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from alliance.models import Organization
from cases.choices import MediationKind, Source, Status
from cases.errors import ConditionNotMet, InvalidTransition
from cases.models import CourtReferral, MediationCase
from cases.notifications import notify_case_event
from cases.services._base import User, _lock, _require, _today, record_event
from cases.services.court import _period_end
from cases.services.intake import case_create
from cases.validators import validate_court_case_number
from zhangzhou_ip.core.errors import ConflictError

Kind = CourtReferral.Kind
PRE_FILING_TYPE_CODE = "民诉前调"  # pre-filing mediation numbers (DOMAIN §1.9, §4.1)

_INBOUND = {
    Kind.DELEGATION: (Source.COURT_DELEGATION, MediationKind.COURT_DELEGATED),
    Kind.ENTRUSTMENT: (Source.COURT_ENTRUSTMENT, MediationKind.COURT_ENTRUSTED),
}


def _court_reference(value: str, court: Organization, kind: str) -> str:
    value = (value or "").strip()
    if not value:
        if kind == Kind.LITIGATION:
            return ""
        raise ValidationError(
            {"court_reference": _("Give the court's reference number.")}, code="required"
        )
    try:
        number = validate_court_case_number(
            value,
            court=court,
            type_code=PRE_FILING_TYPE_CODE if kind == Kind.DELEGATION else None,
        )
    except ValidationError as exc:
        raise ValidationError({"court_reference": exc.error_list}) from exc
    return number.canonical


def _lock_referral(referral: CourtReferral, expected_version: int | None) -> CourtReferral:
    locked = (
        CourtReferral.objects.select_for_update(of=("self",))
        .select_related("case", "court")
        .get(pk=referral.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            _("This referral was changed by someone else. Reload the page and try again."),
            code="conflict",
        )
    return locked


def _save(referral: CourtReferral, actor: User, fields: list[str]) -> None:
    referral.version += 1
    referral._history_user = actor
    referral.save(update_fields=[*fields, "version", "updated_at"])


def _event(referral: CourtReferral, actor: User, verb: str, **data: Any) -> None:
    record_event(
        referral.case,
        actor,
        verb,
        referral=referral.pk,
        court=referral.court.name,
        kind=referral.kind,
        **data,
    )
    notify_case_event(case_id=referral.case_id, verb=verb, actor_id=actor.pk)


def _check_date(value: dt.date, field: str, *, not_before: dt.date | None = None) -> None:
    if value > _today():
        raise ValidationError({field: _("This date is in the future.")}, code="future_date")
    if not_before is not None and value < not_before:
        raise ValidationError(
            {field: _("This date is before the referral (%(date)s).") % {"date": not_before}},
            code="before_referral",
        )


@transaction.atomic
def referral_receive(
    *,
    actor: User,
    handling_organization: Organization,
    court: Organization,
    kind: str,
    court_reference: str,
    referred_on: dt.date,
    title: str,
    dispute_type: str,
    **case_fields: Any,
) -> CourtReferral:
    """A court delegates or entrusts a dispute: opens a draft case whose source and mediation
    kind say so, and the referral with its 30-day mediation term (DOMAIN §4.2)."""
    if kind not in _INBOUND:
        raise ValidationError({"kind": _("Choose delegation or entrustment.")}, code="invalid")
    if court.kind != Organization.Kind.COURT:
        raise ValidationError({"court": _("Choose a court.")}, code="not_a_court")
    reference = _court_reference(court_reference, court, kind)
    _check_date(referred_on, "referred_on")
    source, mediation_kind = _INBOUND[kind]
    case = case_create(
        actor=actor,
        handling_organization=handling_organization,
        title=title,
        dispute_type=dispute_type,
        source=source,
        mediation_kind=mediation_kind,
        **case_fields,
    )
    referral = CourtReferral(
        case=case,
        court=court,
        direction=CourtReferral.Direction.INBOUND,
        kind=kind,
        court_reference=reference,
        referred_on=referred_on,
        term_ends_on=_period_end(referred_on, CourtReferral.TERM_DAYS),
        created_by=actor,
    )
    _require(actor, "cases.add_courtreferral", referral)
    referral.full_clean(exclude=["created_by"])
    referral._history_user = actor
    referral.save()
    _event(
        referral,
        actor,
        "referral.received",
        court_reference=reference,
        term_ends_on=referral.term_ends_on.isoformat() if referral.term_ends_on else None,
    )
    return referral


@transaction.atomic
def referral_extend(
    *,
    actor: User,
    referral: CourtReferral,
    days: int,
    consent: str,
    expected_version: int | None = None,
) -> CourtReferral:
    """One extension of up to 30 days with the parties' recorded consent (DOMAIN §4.2)."""
    referral = _lock_referral(referral, expected_version)
    _require(actor, "cases.change_courtreferral", referral)
    if referral.direction != CourtReferral.Direction.INBOUND or referral.status != "open":
        raise InvalidTransition(
            _("Only an open referral from a court has a mediation term."), code="not_extendable"
        )
    if referral.extension_days:
        raise ConditionNotMet(_("The term can be extended only once."), code="already_extended")
    if not 1 <= days <= CourtReferral.MAX_EXTENSION_DAYS:
        raise ValidationError(
            {"days": _("An extension is 1 to 30 days.")}, code="extension_out_of_range"
        )
    consent = (consent or "").strip()
    if not consent:
        raise ValidationError(
            {"consent": _("Record how both parties consented to the extension.")},
            code="consent_required",
        )
    referral.extension_days, referral.extension_consent = days, consent
    referral.term_ends_on = _period_end(referral.referred_on, CourtReferral.TERM_DAYS + days)
    _save(referral, actor, ["extension_days", "extension_consent", "term_ends_on"])
    _event(
        referral,
        actor,
        "referral.extended",
        days=days,
        term_ends_on=referral.term_ends_on.isoformat() if referral.term_ends_on else None,
    )
    return referral


@transaction.atomic
def referral_to_litigation(
    *,
    actor: User,
    case: MediationCase,
    court: Organization,
    referred_on: dt.date | None = None,
    note: str = "",
) -> CourtReferral:
    """Refer a failed mediation to litigation (DESIGN §5: referral offered on failure)."""
    case = _lock(case, None)
    referred_on = referred_on or _today()
    referral = CourtReferral(
        case=case,
        court=court,
        direction=CourtReferral.Direction.OUTBOUND,
        kind=Kind.LITIGATION,
        referred_on=referred_on,
        result=note.strip(),
        created_by=actor,
    )
    _require(actor, "cases.add_courtreferral", referral)
    if case.status != Status.FAILED:
        raise InvalidTransition(
            _("Only a case whose mediation failed is referred to litigation."), code="not_failed"
        )
    if court.kind != Organization.Kind.COURT:
        raise ValidationError({"court": _("Choose a court.")}, code="not_a_court")
    _check_date(referred_on, "referred_on")
    referral.full_clean(exclude=["created_by"])
    referral._history_user = actor
    referral.save()
    _event(referral, actor, "referral.sent", referred_on=referred_on.isoformat())
    return referral


@transaction.atomic
def referral_close(
    *,
    actor: User,
    referral: CourtReferral,
    outcome: str,
    result: str = "",
    result_on: dt.date | None = None,
    expected_version: int | None = None,
) -> CourtReferral:
    """Record how the referral ended: for a court's referral, agreement or return to the
    court; for a referral to litigation, the court's result."""
    referral = _lock_referral(referral, expected_version)
    _require(actor, "cases.change_courtreferral", referral)
    if referral.status != CourtReferral.Status.OPEN:
        raise InvalidTransition(_("This referral is already closed."), code="closed")
    allowed = (
        CourtReferral.INBOUND_OUTCOMES
        if referral.direction == CourtReferral.Direction.INBOUND
        else CourtReferral.OUTBOUND_OUTCOMES
    )
    if outcome not in allowed:
        raise ValidationError(
            {"outcome": _("This outcome does not fit this referral.")}, code="invalid_outcome"
        )
    result_on = result_on or _today()
    _check_date(result_on, "result_on", not_before=referral.referred_on)
    referral.status, referral.outcome = CourtReferral.Status.CLOSED, outcome
    referral.result = (result or referral.result).strip()
    referral.result_on = result_on
    _save(referral, actor, ["status", "outcome", "result", "result_on"])
    _event(referral, actor, "referral.closed", outcome=outcome, result_on=result_on.isoformat())
    return referral
