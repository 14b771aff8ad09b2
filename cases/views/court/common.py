"""Court pages: judicial confirmation (prepare, detail with materials and the court's
decisions), court referrals (receive, detail, extend, close, referral to litigation) and the
court liaison desk (issue 4 parts 2, 4, 5; DOMAIN §1, §4).

Thin views: confirmations and referrals are looked up through ``cases.selectors`` (out of
scope → 404), every change goes through ``cases.services`` (which checks the permission,
the state and the rule, and writes the timeline); a refusal is shown on the form with the
rule's message and the HTTP status of the domain error."""

from __future__ import annotations

import datetime as dt
import mimetypes
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from cases import selectors
from cases.choices import Status
from cases.models import (
    CourtReferral,
    JudicialConfirmation,
    MediationCase,
)

CStatus = JudicialConfirmation.Status


def _status_of(exc: ValidationError) -> int:
    return getattr(exc, "http_status", 400)


def _attachment(file, filename: str) -> FileResponse:
    """A stored file as a download only, never rendered inline."""
    extension = PurePath(file.name).suffix.lower()
    response = FileResponse(
        file.open("rb"),
        as_attachment=True,
        filename=filename + extension,
        content_type=mimetypes.types_map.get(extension, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _optional_url(name: str, pk: int) -> str:
    """The URL of a page another module may not provide yet (application PDF, zip)."""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


# --- clocks ------------------------------------------------------------------------------------


def _days(until: dt.date | None, today: dt.date) -> int | None:
    return None if until is None else (until - today).days


def annotate_confirmation_clocks(confirmation: JudicialConfirmation, today: dt.date) -> None:
    """Days left and overdue flags of the window (art. 33) and the court's clocks (法释〔2011〕
    5号 arts. 4–5), as attributes for the templates."""
    c = confirmation
    c.window_days_left = _days(c.window_closes_on, today) if c.status == CStatus.PREPARED else None
    c.acceptance_overdue = bool(
        c.status == CStatus.FILED and c.acceptance_due and c.acceptance_due < today
    )
    c.acceptance_days_left = _days(c.acceptance_due, today) if c.status == CStatus.FILED else None
    c.decision_overdue = bool(
        c.status == CStatus.ACCEPTED and c.decision_due and c.decision_due < today
    )
    c.decision_days_left = _days(c.decision_due, today) if c.status == CStatus.ACCEPTED else None
    c.overdue = c.acceptance_overdue or c.decision_overdue


def annotate_referral_clocks(referral: CourtReferral, today: dt.date) -> None:
    """Days left of a court's mediation term (DOMAIN §4.2) while the referral is open."""
    r = referral
    running = r.status == CourtReferral.Status.OPEN and r.term_ends_on is not None
    r.term_days_left = _days(r.term_ends_on, today) if running else None
    r.overdue = bool(running and r.term_ends_on < today)


def case_court_context(user, case: MediationCase) -> dict[str, Any]:
    """The "Court" tab of a case (loaded when opened): the confirmations and referrals the
    user may see, with their clocks, and the two buttons."""
    today = timezone.localdate()
    confirmations = list(
        selectors.confirmation_visible_to(user, few=True)
        .filter(case=case)
        .select_related("court")
        .order_by("-created_at", "-pk")
    )
    referrals = list(
        selectors.referral_visible_to(user, few=True)
        .filter(case=case)
        .select_related("court")
        .order_by("-referred_on", "-pk")
    )
    for c in confirmations:
        annotate_confirmation_clocks(c, today)
    for r in referrals:
        annotate_referral_clocks(r, today)
    return {
        "court_confirmations": confirmations,
        "court_referrals": referrals,
        "court_item_count": len(confirmations) + len(referrals),
        "can_apply_confirmation": case.status == Status.SETTLED
        and user.has_perm("cases.add_judicialconfirmation", JudicialConfirmation(case=case)),
        "can_refer_litigation": case.status == Status.FAILED
        and user.has_perm("cases.add_courtreferral", _litigation_referral(case)),
    }


def _litigation_referral(case: MediationCase) -> CourtReferral:
    return CourtReferral(
        case=case,
        direction=CourtReferral.Direction.OUTBOUND,
        kind=CourtReferral.Kind.LITIGATION,
    )
