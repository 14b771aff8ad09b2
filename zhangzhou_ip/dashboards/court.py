"""The court liaison's panel: what waits for the user's courts."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Count, F, Q, When
from django.urls import reverse
from django.utils.translation import gettext as _

from cases import selectors as case_selectors
from cases.filters_court import confirmation_overdue_q
from cases.models import CourtReferral, JudicialConfirmation
from zhangzhou_ip.dashboards.base import (
    ROWS,
    Figure,
    Panel,
    Row,
    RowList,
    before,
    case_label,
    flag,
    list_url,
    org_names,
)

CStatus = JudicialConfirmation.Status


def court_panel(user, today: dt.date, names: dict[int, str] | None = None) -> Panel | None:
    """What waits for the user's courts: applications to accept, accepted ones to rule on and
    the open referrals — the court desk's figures, soonest due first, overdue marked."""
    courts = case_selectors.court_ids_of(user)
    if not courts:
        return None
    names = names if names is not None else org_names(user, courts)
    confirmations = case_selectors.confirmation_visible_to(user).filter(court__in=courts)
    referrals = case_selectors.referral_visible_to(user).filter(
        court__in=courts, status=CourtReferral.Status.OPEN
    )
    c = confirmations.order_by().aggregate(
        filed=Count("pk", filter=Q(status=CStatus.FILED)),
        accepted=Count("pk", filter=Q(status=CStatus.ACCEPTED)),
    )
    open_referrals = referrals.order_by().count()
    waiting = (
        confirmations.filter(status__in=[CStatus.FILED, CStatus.ACCEPTED])
        .select_related("case")
        .annotate(
            due=Case(
                When(status=CStatus.FILED, then=F("acceptance_due")), default=F("decision_due")
            ),
            overdue=flag(confirmation_overdue_q(today)),
        )
        .order_by(F("due").asc(nulls_last=True), "pk")[:ROWS]
    )
    next_referrals = referrals.select_related("case").order_by(
        F("term_ends_on").asc(nulls_last=True), "pk"
    )[:ROWS]
    desk = "cases:court-desk"
    return Panel(
        key="court",
        title=_("Court liaison"),
        subtitle=", ".join(name for org, name in names.items() if org in courts),
        intro=_("Applications for judicial confirmation and referrals at your court."),
        figures=[
            Figure("filed", _("Awaiting acceptance"), c["filed"], list_url(desk, c_status="filed")),
            Figure(
                "accepted", _("Awaiting ruling"), c["accepted"], list_url(desk, c_status="accepted")
            ),
            Figure(
                "referrals",
                _("Open referrals"),
                open_referrals,
                list_url(desk, r_status=CourtReferral.Status.OPEN),
            ),
        ],
        lists=[
            RowList(
                "confirmations",
                _("Awaiting acceptance or ruling"),
                _(
                    "No application waits for the court. Applications filed with your court "
                    "will appear here until it rules."
                ),
                [
                    Row(
                        title=case_label(x.case.number, x.case.title),
                        url=reverse("cases:confirmation-detail", args=[x.pk]),
                        day=x.due,
                        note=_("Court should accept by")
                        if x.status == CStatus.FILED
                        else _("Court should decide by"),
                        badge=_("overdue") if x.overdue else "",
                        alert=x.overdue,
                    )
                    for x in waiting
                ],
                c["filed"] + c["accepted"],
            ),
            RowList(
                "referrals",
                _("Open referrals"),
                _(
                    "No open referral. Disputes your court refers to mediation will appear "
                    "here until they are closed."
                ),
                [
                    Row(
                        title=case_label(r.case.number, r.case.title),
                        url=reverse("cases:referral-detail", args=[r.pk]),
                        day=r.term_ends_on,
                        note=_("Mediation term ends on") if r.term_ends_on else "",
                        badge=_("overdue") if before(r.term_ends_on, today) else "",
                        alert=before(r.term_ends_on, today),
                    )
                    for r in next_referrals
                ],
                open_referrals,
            ),
        ],
    )
