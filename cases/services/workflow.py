"""The workflow (DESIGN §5): gapless numbers and one service per transition."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from alliance import deadlines
from alliance.models import Organization
from cases import rules as case_rules
from cases.choices import (
    TRANSITIONS,
    MediationKind,
    PartyRole,
    Status,
)
from cases.errors import ConditionNotMet
from cases.models import (
    DEFAULT_NUMBER_TEMPLATE,
    Agreement,
    CaseNumberCounter,
    CaseNumbering,
    CourtReferral,
    JudicialConfirmation,
    MediationCase,
)
from cases.services._base import (
    User,
    _finish,
    _today,
    _transition,
)

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
    """settled/failed → closed: judicial confirmation or court referral finished, or waived
    with a reason (DESIGN §5). An application still before the court blocks closing."""
    case, old = _transition(case, actor, "close", expected_version)
    confirmations = JudicialConfirmation.objects.filter(case=case)
    if confirmations.filter(status__in=JudicialConfirmation.OPEN_STATUSES).exists():
        raise ConditionNotMet(
            _("A judicial confirmation is still under way: record the court's decision first."),
            code="confirmation_open",
        )
    finished = (
        confirmations.exists()
        if case.status == Status.SETTLED
        else CourtReferral.objects.filter(
            case=case, direction=CourtReferral.Direction.OUTBOUND
        ).exists()
    )
    data = {}
    if waiver_reason.strip() or not finished:
        data["waiver_reason"] = _require_reason(waiver_reason)
    case.closed_on = _today()
    return _finish(case, actor, "close", old, ["closed_on"], **data)


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
