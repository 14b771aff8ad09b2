"""The platform administrator's alliance overview."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from alliance import selectors as alliance_selectors
from alliance.filters_collaboration import overdue_q as collaboration_overdue_q
from cases import selectors as case_selectors
from cases.choices import OPEN_STATUSES, Status
from cases.models import JudicialConfirmation
from evidence import selectors as evidence_selectors
from zhangzhou_ip.dashboards.base import Figure, Panel, day_start, list_url

CStatus = JudicialConfirmation.Status


def admin_panel(user, today: dt.date) -> Panel | None:
    """The alliance overview of a platform administrator: members, open cases by status,
    applications pending at courts, evidence deposited this month, overdue collaboration
    requests. Figures only (one query each)."""
    if not user.is_superuser:
        return None
    members = (
        alliance_selectors.organization_visible_to(user)
        .filter(alliance_joined_on__isnull=False)
        .order_by()
        .count()
    )
    cases = (
        case_selectors.case_visible_to(user)
        .order_by()
        .aggregate(
            open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
            **{s.value: Count("pk", filter=Q(status=s)) for s in OPEN_STATUSES},
        )
    )
    pending = (CStatus.FILED, CStatus.ACCEPTED)
    confirmations = (
        case_selectors.confirmation_visible_to(user).filter(status__in=pending).order_by().count()
    )
    month = today.replace(day=1)
    deposits = (
        evidence_selectors.evidence_visible_to(user)
        .filter(deposited_at__gte=day_start(month))
        .order_by()
        .count()
    )
    overdue = (
        alliance_selectors.collaboration_visible_to(user)
        .filter(collaboration_overdue_q(today))
        .order_by()
        .count()
    )
    labels = dict(Status.choices)
    return Panel(
        key="admin",
        title=_("Platform administrator"),
        subtitle="",
        intro=_(
            "The alliance at work: members, open cases, court applications, evidence and "
            "collaboration."
        ),
        figures=[
            Figure(
                "members",
                _("Alliance members"),
                members,
                list_url("alliance:organization-list", is_member="true"),
            ),
            Figure(
                "open_cases",
                _("Open cases"),
                cases["open"],
                list_url("cases:case-list", status=list(OPEN_STATUSES)),
            ),
            *[
                Figure(
                    s.value, str(labels[s]), cases[s.value], list_url("cases:case-list", status=s)
                )
                for s in OPEN_STATUSES
            ],
            Figure(
                "confirmations_pending",
                _("Confirmations pending at court"),
                confirmations,
                reverse("admin:cases_judicialconfirmation_changelist")
                + "?"
                + urlencode({"status__in": ",".join(pending)}),
            ),
            Figure(
                "deposits_month",
                _("Evidence deposited this month"),
                deposits,
                list_url("evidence:list", deposited_after=month.isoformat()),
            ),
            Figure(
                "collaboration_overdue",
                _("Overdue collaboration requests"),
                overdue,
                list_url("alliance:collaboration-overdue"),
                alert=True,
            ),
        ],
        lists=[],
    )
