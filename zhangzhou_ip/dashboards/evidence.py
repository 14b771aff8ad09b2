"""The panels of the evidence service: a service point's day, an enterprise's own records and
actions."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Q
from django.utils.translation import gettext as _

from cases.models import ProtectionAction
from cases.protection import protection_action_visible_to
from evidence import selectors as evidence_selectors
from evidence.models import RetrievalRequest
from zhangzhou_ip.dashboards.base import (
    ROWS,
    Figure,
    Panel,
    Row,
    RowList,
    before,
    day_start,
    list_url,
    org_names,
)

# --- service point -------------------------------------------------------------------------------


def service_point_panels(user, today: dt.date, names: dict[int, str] | None = None) -> list[Panel]:
    """Per service point the user staffs: today's deposits and the open retrieval requests,
    the soonest wanted first."""
    points = evidence_selectors.point_ids_of(user)
    if not points:
        return []
    names = names if names is not None else org_names(user, points)
    start, end = day_start(today), day_start(today + dt.timedelta(days=1))
    deposits = evidence_selectors.evidence_visible_to(user).filter(
        service_point__in=points, deposited_at__gte=start, deposited_at__lt=end
    )
    deposit_counts = dict(
        deposits.order_by()
        .values("service_point")
        .annotate(n=Count("pk"))
        .values_list("service_point", "n")
    )
    open_requests = evidence_selectors.retrieval_visible_to(user).filter(
        service_point__in=points, status__in=RetrievalRequest.OPEN_STATUSES
    )
    request_counts = {
        row.pop("service_point"): row
        for row in open_requests.order_by()
        .values("service_point")
        .annotate(
            open=Count("pk"),
            requested=Count("pk", filter=Q(status=RetrievalRequest.Status.REQUESTED)),
        )
    }
    day = today.isoformat()
    panels = []
    for point, name in names.items():
        if point not in points:
            continue
        n = request_counts.get(point, {"open": 0, "requested": 0})
        todays = deposits.filter(service_point=point).select_related("depositor")
        wanted = (
            open_requests.filter(service_point=point)
            .select_related("enterprise")
            .order_by(F("due_date").asc(nulls_last=True), "created_at", "pk")[:ROWS]
        )
        deposited_today = deposit_counts.get(point, 0)
        panels.append(
            Panel(
                key="service_point",
                title=_("Service point"),
                subtitle=name,
                intro=_("Evidence deposited here today and the retrieval requests to handle."),
                figures=[
                    Figure(
                        "deposits_today",
                        _("Deposits today"),
                        deposited_today,
                        list_url(
                            "evidence:list",
                            service_point=point,
                            deposited_after=day,
                            deposited_before=day,
                        ),
                    ),
                    Figure(
                        "requests_open",
                        _("Open retrieval requests"),
                        n["open"],
                        list_url(
                            "evidence:retrieval-list",
                            service_point=point,
                            status=list(RetrievalRequest.OPEN_STATUSES),
                        ),
                    ),
                    Figure(
                        "requests_new",
                        _("Awaiting acceptance"),
                        n["requested"],
                        list_url(
                            "evidence:retrieval-list",
                            service_point=point,
                            status=RetrievalRequest.Status.REQUESTED,
                        ),
                    ),
                ],
                lists=[
                    RowList(
                        "requests",
                        _("Open retrieval requests"),
                        _(
                            "No open retrieval request. Requests enterprises send to this "
                            "service point will appear here."
                        ),
                        [
                            Row(
                                title=x.subject,
                                url=x.get_absolute_url(),
                                day=x.due_date,
                                note=x.enterprise.name,
                                badge=x.get_status_display(),
                                alert=before(x.due_date, today),
                            )
                            for x in wanted
                        ],
                        n["open"],
                    ),
                    RowList(
                        "deposits",
                        _("Deposits today"),
                        _(
                            "No deposit today. Evidence deposited at this service point today "
                            "will appear here."
                        ),
                        [
                            Row(
                                title=f"{x.number} {x.title}",
                                url=x.get_absolute_url(),
                                time=x.deposited_at,
                                note=x.depositor.name,
                            )
                            for x in todays.order_by("-deposited_at", "-pk")[:ROWS]
                        ],
                        deposited_today,
                        same_day=True,
                    ),
                ],
            )
        )
    return panels


# --- enterprise ----------------------------------------------------------------------------------


def enterprise_panels(user, today: dt.date, names: dict[int, str] | None = None) -> list[Panel]:
    """Per enterprise the user belongs to: its own evidence records and protection actions
    (never another enterprise's, even those cited in a case it is a party to) and its open
    retrieval requests."""
    enterprises = evidence_selectors.enterprise_ids_of(user)
    if not enterprises:
        return []
    names = names if names is not None else org_names(user, enterprises)
    records = evidence_selectors.evidence_visible_to(user).filter(depositor__in=enterprises)
    record_counts = dict(
        records.order_by().values("depositor").annotate(n=Count("pk")).values_list("depositor", "n")
    )
    actions = protection_action_visible_to(user).filter(enterprise__in=enterprises)
    Outcome = ProtectionAction.Outcome
    action_counts = {
        row.pop("enterprise"): row
        for row in actions.order_by()
        .values("enterprise")
        .annotate(total=Count("pk"), ongoing=Count("pk", filter=Q(outcome=Outcome.ONGOING)))
    }
    request_counts = dict(
        evidence_selectors.retrieval_visible_to(user)
        .filter(enterprise__in=enterprises, status__in=RetrievalRequest.OPEN_STATUSES)
        .order_by()
        .values("enterprise")
        .annotate(n=Count("pk"))
        .values_list("enterprise", "n")
    )
    panels = []
    for enterprise, name in names.items():
        if enterprise not in enterprises:
            continue
        a = action_counts.get(enterprise, {"total": 0, "ongoing": 0})
        latest_records = (
            records.filter(depositor=enterprise)
            .select_related("withdrawal")
            .order_by("-deposited_at", "-pk")[:ROWS]
        )
        latest_actions = actions.filter(enterprise=enterprise).order_by("-started_on", "-pk")[:ROWS]
        panels.append(
            Panel(
                key="enterprise",
                title=_("Enterprise"),
                subtitle=name,
                intro=_("Your enterprise's evidence and rights-protection actions."),
                figures=[
                    Figure(
                        "records",
                        _("Evidence records"),
                        record_counts.get(enterprise, 0),
                        list_url("evidence:list", depositor=enterprise),
                    ),
                    Figure(
                        "actions",
                        _("Protection actions"),
                        a["total"],
                        list_url("cases:protection-list", enterprise=enterprise),
                    ),
                    Figure(
                        "actions_ongoing",
                        _("Ongoing actions"),
                        a["ongoing"],
                        list_url(
                            "cases:protection-list", enterprise=enterprise, outcome=Outcome.ONGOING
                        ),
                    ),
                    Figure(
                        "requests_open",
                        _("Open retrieval requests"),
                        request_counts.get(enterprise, 0),
                        list_url(
                            "evidence:retrieval-list",
                            enterprise=enterprise,
                            status=list(RetrievalRequest.OPEN_STATUSES),
                        ),
                    ),
                ],
                lists=[
                    RowList(
                        "records",
                        _("Latest evidence"),
                        _(
                            "No evidence deposited yet. Records your enterprise deposits, or a "
                            "service point deposits for it, will appear here."
                        ),
                        [
                            Row(
                                title=f"{x.number} {x.title}",
                                url=x.get_absolute_url(),
                                time=x.deposited_at,
                                note=x.get_kind_display(),
                                badge=_("Withdrawn") if _withdrawn(x) else "",
                            )
                            for x in latest_records
                        ],
                        record_counts.get(enterprise, 0),
                    ),
                    RowList(
                        "actions",
                        _("Latest protection actions"),
                        _(
                            "No protection action recorded yet. Mediations, complaints, "
                            "takedowns and lawsuits of your enterprise will appear here."
                        ),
                        [
                            Row(
                                title=x.title,
                                url=x.get_absolute_url(),
                                day=x.started_on,
                                note=x.get_kind_display(),
                                badge=x.get_outcome_display(),
                            )
                            for x in latest_actions
                        ],
                        a["total"],
                    ),
                ],
            )
        )
    return panels


def _withdrawn(record) -> bool:
    return hasattr(record, "withdrawal")  # the reverse one-to-one raises when there is none
