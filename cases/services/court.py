"""Judicial confirmation of a settled case's agreement (司法确认), DOMAIN §1.

Every step locks the confirmation row, checks the actor's permission (``rules.py``), the state
(§1.10) and the rule that applies — cited where it is applied — and writes a ``CaseEvent`` on
the case. Periods are counted by CPL art. 85 (``alliance.deadlines``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from alliance import deadlines
from alliance.models import Organization
from cases import routing
from cases.choices import MediationKind, Status
from cases.errors import ConditionNotMet, InvalidTransition
from cases.models import Agreement, ConfirmationMaterial, JudicialConfirmation, MediationCase
from cases.notifications import notify_case_event
from cases.services._base import User, _lock, _require, _today, record_event
from cases.validators import validate_court_case_number
from zhangzhou_ip.core.errors import ConflictError

CStatus = JudicialConfirmation.Status

WINDOW_DAYS = 30  # People's Mediation Law art. 33; CPL 2023 art. 205 (2021 art. 201)
ACCEPTANCE_DAYS = 3  # SPC 法释〔2011〕5号 art. 4
DECISION_DAYS = 15  # 法释〔2011〕5号 art. 5 …
EXTENSION_DAYS = 10  # … plus 10 with the court president's approval
CONFIRMATION_TYPE_CODE = "民特"  # 法〔2015〕137号: special-procedure cases (DOMAIN §1.9)


def _period_end(start: dt.date | None, days: int) -> dt.date | None:
    if start is None:
        return None
    try:
        return deadlines.statutory_period_end(start, days=days)
    except deadlines.CalendarUnavailable:
        return None


def _date(value: dt.date) -> str:
    return formats.date_format(value, "Y-m-d")


def window_closes_on(agreement: Agreement) -> dt.date | None:
    """Last day to apply: 30 days from the day the agreement takes effect (art. 33), moved
    past a rest day (CPL art. 85). ``None`` when no calendar covers the end yet."""
    return _period_end(agreement.effective_on, WINDOW_DAYS)


def _check_window(agreement: Agreement, on: dt.date) -> dt.date | None:
    """Refuse ``on`` when it is after the window; returns the window's last day."""
    closes = window_closes_on(agreement)
    if closes is None:
        if on <= agreement.effective_on + dt.timedelta(days=WINDOW_DAYS):
            return None  # within 30 calendar days: in time whatever the holidays
        raise ConditionNotMet(
            str(deadlines.CalendarUnavailable((on).year)), code="calendar_unavailable"
        )
    if on > closes:
        raise ConditionNotMet(
            _(
                "The 30-day window to apply for judicial confirmation closed on %(date)s "
                "(People's Mediation Law art. 33; CPL art. 205). The parties may sue on the "
                "agreement or mediate again."
            )
            % {"date": _date(closes)},
            code="window_closed",
        )
    return closes


def _lock_confirmation(
    confirmation: JudicialConfirmation, expected_version: int | None
) -> JudicialConfirmation:
    locked = (
        JudicialConfirmation.objects.select_for_update(of=("self",))
        .select_related("case__handling_organization__region__parent", "court", "agreement")
        .get(pk=confirmation.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            _("This confirmation was changed by someone else. Reload the page and try again."),
            code="conflict",
        )
    return locked


def _check_status(confirmation: JudicialConfirmation, *allowed: str) -> None:
    if confirmation.status not in allowed:
        raise InvalidTransition(
            _('A confirmation that is "%(status)s" cannot do this.')
            % {"status": confirmation.get_status_display()},
            code="invalid_transition",
        )


def _save(confirmation: JudicialConfirmation, actor: User, fields: list[str]) -> None:
    confirmation.version += 1
    confirmation._history_user = actor
    confirmation.save(update_fields=[*fields, "version", "updated_at"])


def _event(confirmation: JudicialConfirmation, actor: User, verb: str, **data: Any) -> None:
    record_event(
        confirmation.case,
        actor,
        verb,
        confirmation=confirmation.pk,
        court=confirmation.court.name,
        **data,
    )
    notify_case_event(case_id=confirmation.case_id, verb=verb, actor_id=actor.pk)


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ConditionNotMet(_("Give a reason."), code="reason_required")
    return reason


def _not_future(on: dt.date, field: str) -> None:
    if on > _today():
        raise ValidationError({field: _("This date is in the future.")}, code="future_date")


# --- preparing and filing -----------------------------------------------------------------


@transaction.atomic
def confirmation_prepare(
    *,
    actor: User,
    case: MediationCase,
    court: Organization,
    joint_application: bool = False,
    joint_application_note: str = "",
    basis: str | None = None,
) -> JudicialConfirmation:
    """Start an application for a settled case's agreement at a competent court."""
    case = _lock(case, None)
    agreement = Agreement.objects.filter(case=case).first()
    confirmation = JudicialConfirmation(
        case=case,
        agreement=agreement,
        court=court,
        created_by=actor,
        joint_application=joint_application,
        joint_application_note=joint_application_note.strip(),
    )
    _require(actor, "cases.add_judicialconfirmation", confirmation)
    if case.status != Status.SETTLED:
        raise InvalidTransition(
            _("Only the agreement of a settled case can be judicially confirmed."),
            code="not_settled",
        )
    if agreement is None or not agreement.is_signed or agreement.effective_on is None:
        raise ConditionNotMet(
            _("Record when the agreement was signed and took effect first (art. 29)."),
            code="agreement_not_effective",
        )
    if agreement.is_ownership_determination:
        # 民诉法解释 (2022) art. 355(5): content confirming real or IP rights is not accepted.
        raise ConditionNotMet(
            _(
                "Courts do not accept applications to confirm an agreement that determines the "
                "ownership of an IP right (SPC interpretation of the CPL art. 355(5))."
            ),
            code="ownership_determination",
        )
    if JudicialConfirmation.objects.filter(
        agreement=agreement, status__in=JudicialConfirmation.OPEN_STATUSES
    ).exists():
        raise ConditionNotMet(
            _("An application for this agreement is already under way."),
            code="confirmation_open",
        )
    proposals = {p.court.pk: p for p in routing.competent_courts(case)}
    if court.pk not in proposals:
        raise ValidationError(
            {
                "court": _("%(court)s is not competent for this agreement (CPL art. 205). ")
                % {"court": court.name}
                + (
                    _("Competent: %(courts)s.")
                    % {"courts": "、".join(p.court.name for p in proposals.values())}
                    if proposals
                    else _("No competent court is in the directory: an administrator adds it.")
                )
            },
            code="court_not_competent",
        )
    confirmation.window_closes_on = _check_window(agreement, _today())
    confirmation.court_reason = proposals[court.pk].reason[:300]
    confirmation.is_remote = routing.is_remote(court, case)
    confirmation.basis = basis or (
        JudicialConfirmation.Basis.ADMINISTRATIVE
        if case.mediation_kind == MediationKind.ADMINISTRATIVE
        else JudicialConfirmation.Basis.CPL
    )
    confirmation.full_clean(exclude=["created_by", "agreement"])
    confirmation._history_user = actor
    confirmation.save()
    _event(
        confirmation,
        actor,
        "confirmation.prepared",
        remote=confirmation.is_remote,
        window_closes_on=(
            confirmation.window_closes_on.isoformat() if confirmation.window_closes_on else None
        ),
    )
    return confirmation


@transaction.atomic
def confirmation_update(
    *,
    actor: User,
    confirmation: JudicialConfirmation,
    joint_application: bool,
    joint_application_note: str = "",
    expected_version: int | None = None,
) -> JudicialConfirmation:
    """Record (or correct) the joint application before filing."""
    confirmation = _lock_confirmation(confirmation, expected_version)
    _require(actor, "cases.change_judicialconfirmation", confirmation)
    _check_status(confirmation, CStatus.PREPARED)
    confirmation.joint_application = joint_application
    confirmation.joint_application_note = joint_application_note.strip()
    _save(confirmation, actor, ["joint_application", "joint_application_note"])
    _event(confirmation, actor, "confirmation.updated", joint_application=joint_application)
    return confirmation


@transaction.atomic
def confirmation_material_add(
    *,
    actor: User,
    confirmation: JudicialConfirmation,
    kind: str,
    file: UploadedFile,
    note: str = "",
) -> ConfirmationMaterial:
    """Attach a document of the package (DOMAIN §1.4); supplements are allowed until the
    court decides."""
    confirmation = _lock_confirmation(confirmation, None)
    material = ConfirmationMaterial(
        confirmation=confirmation, kind=kind, file=file, note=note, uploaded_by=actor
    )
    _require(actor, "cases.add_confirmationmaterial", material)
    _check_status(confirmation, CStatus.PREPARED, CStatus.FILED, CStatus.ACCEPTED)
    material.full_clean(exclude=["uploaded_by"])
    material.save()
    _event(confirmation, actor, "confirmation.material_added", kind=kind)
    return material


def missing_materials(confirmation: JudicialConfirmation) -> list[str]:
    """Required kinds of the checklist not uploaded yet."""
    present = set(confirmation.materials.values_list("kind", flat=True))
    return [kind for kind in ConfirmationMaterial.REQUIRED if kind not in present]


@transaction.atomic
def confirmation_file(
    *,
    actor: User,
    confirmation: JudicialConfirmation,
    filed_on: dt.date | None = None,
    expected_version: int | None = None,
) -> JudicialConfirmation:
    """prepared → filed: jointly, in time, with the required materials."""
    confirmation = _lock_confirmation(confirmation, expected_version)
    _require(actor, "cases.file_judicialconfirmation", confirmation)
    _check_status(confirmation, CStatus.PREPARED)
    if not confirmation.joint_application:
        # People's Mediation Law art. 33, CPL art. 205: 双方当事人共同 (DOMAIN §1.2).
        raise ConditionNotMet(
            _(
                "Both parties must apply together (People's Mediation Law art. 33): record the "
                "joint application, or one party's application with the other's consent."
            ),
            code="joint_application_missing",
        )
    missing = missing_materials(confirmation)
    if missing:
        labels = [str(ConfirmationMaterial.Kind(kind).label) for kind in missing]
        raise ConditionNotMet(
            _("Upload the required materials first: %(missing)s.") % {"missing": "、".join(labels)},
            code="materials_missing",
        )
    filed_on = filed_on or _today()
    _not_future(filed_on, "filed_on")
    closes = _check_window(confirmation.agreement, filed_on)
    confirmation.window_closes_on = closes or confirmation.window_closes_on
    confirmation.filed_on = filed_on
    confirmation.acceptance_due = _period_end(filed_on, ACCEPTANCE_DAYS)
    confirmation.status = CStatus.FILED
    _save(
        confirmation,
        actor,
        ["status", "filed_on", "acceptance_due", "window_closes_on"],
    )
    _event(
        confirmation,
        actor,
        "confirmation.filed",
        filed_on=filed_on.isoformat(),
        acceptance_due=(
            confirmation.acceptance_due.isoformat() if confirmation.acceptance_due else None
        ),
    )
    return confirmation


# --- the court's decisions -------------------------------------------------------------------


@transaction.atomic
def confirmation_accept(
    *,
    actor: User,
    confirmation: JudicialConfirmation,
    court_case_number: str,
    accepted_on: dt.date | None = None,
    expected_version: int | None = None,
) -> JudicialConfirmation:
    """filed → accepted, with the court's 民特 number; starts the 15-day decision clock."""
    confirmation = _lock_confirmation(confirmation, expected_version)
    _require(actor, "cases.decide_judicialconfirmation", confirmation)
    _check_status(confirmation, CStatus.FILED)
    try:
        number = validate_court_case_number(
            court_case_number,
            court=confirmation.court,
            type_code=CONFIRMATION_TYPE_CODE,
            allow_legacy=False,
        )
    except ValidationError as exc:
        raise ValidationError({"court_case_number": exc.error_list}) from exc
    accepted_on = accepted_on or _today()
    _not_future(accepted_on, "accepted_on")
    if accepted_on < confirmation.filed_on:
        raise ValidationError(
            {
                "accepted_on": _("The court cannot accept before the filing on %(date)s.")
                % {"date": _date(confirmation.filed_on)}
            },
            code="accepted_before_filing",
        )
    if (
        JudicialConfirmation.objects.filter(
            court=confirmation.court, court_case_number=number.canonical
        )
        .exclude(pk=confirmation.pk)
        .exists()
    ):
        raise ValidationError(
            {"court_case_number": _("This court case number is already recorded.")},
            code="duplicate_number",
        )
    confirmation.court_case_number = number.canonical
    confirmation.accepted_on = accepted_on
    confirmation.decision_due = _period_end(accepted_on, DECISION_DAYS)
    confirmation.status = CStatus.ACCEPTED
    _save(confirmation, actor, ["status", "court_case_number", "accepted_on", "decision_due"])
    _event(
        confirmation,
        actor,
        "confirmation.accepted",
        court_case_number=number.canonical,
        decision_due=confirmation.decision_due.isoformat() if confirmation.decision_due else None,
    )
    return confirmation


@transaction.atomic
def confirmation_extend(
    *, actor: User, confirmation: JudicialConfirmation, expected_version: int | None = None
) -> JudicialConfirmation:
    """The court president extends the decision term once by 10 days (法释〔2011〕5号 art. 5)."""
    confirmation = _lock_confirmation(confirmation, expected_version)
    _require(actor, "cases.decide_judicialconfirmation", confirmation)
    _check_status(confirmation, CStatus.ACCEPTED)
    if confirmation.is_extended:
        raise ConditionNotMet(
            _("The decision term can be extended only once."), code="already_extended"
        )
    confirmation.is_extended = True
    confirmation.decision_due = _period_end(
        confirmation.accepted_on, DECISION_DAYS + EXTENSION_DAYS
    )
    _save(confirmation, actor, ["is_extended", "decision_due"])
    _event(
        confirmation,
        actor,
        "confirmation.extended",
        decision_due=confirmation.decision_due.isoformat() if confirmation.decision_due else None,
    )
    return confirmation


@transaction.atomic
def confirmation_decide(
    *,
    actor: User,
    confirmation: JudicialConfirmation,
    confirmed: bool,
    ruling_on: dt.date,
    reason: str = "",
    document: UploadedFile | None = None,
    expected_version: int | None = None,
) -> JudicialConfirmation:
    """accepted → confirmed (裁定调解协议有效) or rejected (裁定驳回申请), CPL art. 206."""
    confirmation = _lock_confirmation(confirmation, expected_version)
    _require(actor, "cases.decide_judicialconfirmation", confirmation)
    _check_status(confirmation, CStatus.ACCEPTED)
    _not_future(ruling_on, "ruling_on")
    if ruling_on < confirmation.accepted_on:
        raise ValidationError(
            {
                "ruling_on": _("The ruling cannot be dated before the acceptance on %(date)s.")
                % {"date": _date(confirmation.accepted_on)}
            },
            code="ruling_before_acceptance",
        )
    if not confirmed:
        confirmation.outcome_reason = _require_reason(reason)
    confirmation.ruling_on = ruling_on
    fields = ["status", "ruling_on", "outcome_reason"]
    if document is not None:
        confirmation.ruling_document = document
        fields.append("ruling_document")
    confirmation.status = CStatus.CONFIRMED if confirmed else CStatus.REJECTED
    _save(confirmation, actor, fields)
    _event(
        confirmation,
        actor,
        f"confirmation.{confirmation.status}",
        ruling_on=ruling_on.isoformat(),
        court_case_number=confirmation.court_case_number,
    )
    return confirmation


@transaction.atomic
def confirmation_not_accept(
    *,
    actor: User,
    confirmation: JudicialConfirmation,
    reason: str,
    expected_version: int | None = None,
) -> JudicialConfirmation:
    """filed → not accepted (不予受理), with the court's reason (民诉法解释 art. 355)."""
    confirmation = _lock_confirmation(confirmation, expected_version)
    _require(actor, "cases.decide_judicialconfirmation", confirmation)
    _check_status(confirmation, CStatus.FILED)
    confirmation.outcome_reason = _require_reason(reason)
    confirmation.status = CStatus.NOT_ACCEPTED
    _save(confirmation, actor, ["status", "outcome_reason"])
    _event(confirmation, actor, "confirmation.not_accepted", reason=confirmation.outcome_reason)
    return confirmation


@transaction.atomic
def confirmation_withdraw(
    *,
    actor: User,
    confirmation: JudicialConfirmation,
    reason: str,
    expected_version: int | None = None,
) -> JudicialConfirmation:
    """The parties withdraw the application (撤回) before the court decides."""
    confirmation = _lock_confirmation(confirmation, expected_version)
    _require(actor, "cases.change_judicialconfirmation", confirmation)
    _check_status(confirmation, *JudicialConfirmation.OPEN_STATUSES)
    confirmation.outcome_reason = _require_reason(reason)
    confirmation.status = CStatus.WITHDRAWN
    _save(confirmation, actor, ["status", "outcome_reason"])
    _event(confirmation, actor, "confirmation.withdrawn", reason=confirmation.outcome_reason)
    return confirmation
