"""The panel of an alliance member's staff: cases shared with it, collaboration requests it
received."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from alliance import selectors as alliance_selectors
from alliance.filters_collaboration import overdue_q as collaboration_overdue_q
from alliance.models import CollaborationRequest
from cases import selectors as case_selectors
from cases.models import CaseShare
from zhangzhou_ip.dashboards.base import (
    ROWS,
    Figure,
    Panel,
    Row,
    RowList,
    case_label,
    case_url,
    flag,
    list_url,
    org_names,
)


def partner_panel(user, today: dt.date, names: dict[int, str] | None = None) -> Panel | None:
    """For staff of an alliance member: the cases other members share with it (newest first)
    and the collaboration requests it has received, the next due first."""
    own = alliance_selectors.organization_ids_of(user)
    members = set(
        alliance_selectors.member_organizations().filter(pk__in=own).values_list("pk", flat=True)
    )
    if not members:
        return None
    names = names if names is not None else org_names(user, members)
    shared = case_selectors.shared_with(user).order_by().count()
    received = alliance_selectors.collaboration_visible_to(user).filter(to_organization__in=own)
    r = received.order_by().aggregate(
        open=Count("pk", filter=Q(status=CollaborationRequest.Status.OPEN)),
        overdue=Count("pk", filter=collaboration_overdue_q(today)),
        active=Count("pk", filter=Q(status__in=CollaborationRequest.ACTIVE_STATUSES)),
    )
    new_shares = (
        case_selectors.share_visible_to(user)
        .filter(CaseShare.active_q(), organization__in=own)
        .select_related("case__handling_organization")
        .order_by("-granted_at", "-pk")[:ROWS]
    )
    due = (
        received.filter(status__in=CollaborationRequest.ACTIVE_STATUSES)
        .annotate(overdue=flag(collaboration_overdue_q(today)))
        .order_by("due_on", "pk")[:ROWS]
    )
    inbox = "alliance:collaboration-inbox"
    return Panel(
        key="partner",
        title=_("Alliance member"),
        subtitle=", ".join(name for org, name in names.items() if org in members),
        intro=_("Cases other members share with you and the collaboration requests you received."),
        figures=[
            Figure("shared", _("Shared with us"), shared, list_url("cases:shared-with-us")),
            Figure(
                "requests_open",
                _("Requests awaiting your answer"),
                r["open"],
                list_url(inbox, status=CollaborationRequest.Status.OPEN),
            ),
            Figure(
                "requests_overdue",
                _("Overdue requests"),
                r["overdue"],
                list_url(inbox, overdue="true"),
                alert=True,
            ),
        ],
        lists=[
            RowList(
                "shares",
                _("Newly shared"),
                _(
                    "No case is shared with your organisation. Cases other members share "
                    "with you will appear here."
                ),
                [
                    Row(
                        title=case_label(s.case.number, s.case.title),
                        url=case_url(s.case_id),
                        time=s.granted_at,
                        note=s.case.handling_organization.name,
                        badge=s.get_level_display(),
                    )
                    for s in new_shares
                ],
                shared,
            ),
            RowList(
                "requests",
                _("Requests due"),
                _(
                    "No request waits for your answer. Requests other members send you will "
                    "appear here with their due dates."
                ),
                [
                    Row(
                        title=x.subject,
                        url=x.get_absolute_url(),
                        day=x.due_on,
                        note=x.from_organization.name,
                        badge=_("overdue") if x.overdue else x.get_status_display(),
                        alert=x.overdue,
                    )
                    for x in due
                ],
                r["active"],
            ),
        ],
    )
