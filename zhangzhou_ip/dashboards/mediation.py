"""The panels of the mediating side — mediator, clerk — and what they list: the deadlines this
week and the sessions today of a set of cases."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from alliance import deadlines
from alliance import selectors as alliance_selectors
from alliance.models import Membership
from cases import selectors as case_selectors
from cases.choices import OPEN_STATUSES, Status
from cases.models import CourtReferral, JudicialConfirmation, MediationCase
from cases.rules import HANDLING_KINDS
from cases.services.court import WINDOW_DAYS
from zhangzhou_ip.dashboards.base import (
    ROWS,
    Figure,
    Panel,
    Row,
    RowList,
    bounded,
    case_label,
    case_url,
    day_start,
    list_url,
    org_names,
)

Role = Membership.Role
CStatus = JudicialConfirmation.Status

WEEK_DAYS = 7  # "this week": today … today + 6 (local dates)
# A window's last day moves past rest days (CPL art. 85); no run of rest days is this long
# (the same bound as ``cases.reminders``).
LONGEST_REST_RUN = 20


# --- deadlines this week and sessions today of a set of cases ------------------------------------


def deadline_rows(user, cases: QuerySet[MediationCase], today: dt.date) -> list[Row]:
    """What the stored dates of ``cases`` make due from ``today`` to ``today + 6``: the mediation
    term of open cases, the 30-day window to apply for judicial confirmation (stored on a
    prepared application; computed on one calendar for a settled case with none yet), the
    court's acceptance and decision dates, the term of a court's referral, and the agreement's
    performance deadline. Five queries (plus one per calendar year looked at), soonest first."""
    end = today + dt.timedelta(days=WEEK_DAYS - 1)
    week = (today, end)
    ids = cases.order_by().values("pk")
    rows: list[Row] = []

    for pk, number, title, due in (
        cases.filter(status__in=OPEN_STATUSES, mediation_deadline__range=week)
        .order_by()
        .values_list("pk", "number", "title", "mediation_deadline")
    ):
        rows.append(_deadline(number, title, case_url(pk), due, _("Mediation deadline")))

    confirmations = (
        case_selectors.confirmation_visible_to(user)
        .filter(case__in=ids)
        .filter(
            Q(status=CStatus.PREPARED, window_closes_on__range=week)
            | Q(status=CStatus.FILED, acceptance_due__range=week)
            | Q(status=CStatus.ACCEPTED, decision_due__range=week)
        )
        .order_by()
        .values_list(
            "pk",
            "status",
            "window_closes_on",
            "acceptance_due",
            "decision_due",
            "case__number",
            "case__title",
        )
    )
    for pk, status, window, acceptance, decision, number, title in confirmations:
        due, label = {
            CStatus.PREPARED: (window, _("Application window closes on")),
            CStatus.FILED: (acceptance, _("Court should accept by")),
            CStatus.ACCEPTED: (decision, _("Court should decide by")),
        }[status]
        url = reverse("cases:confirmation-detail", args=[pk])
        rows.append(_deadline(number, title, url, due, label))

    for pk, number, title, due in (
        case_selectors.referral_visible_to(user)
        .filter(
            case__in=ids,
            direction=CourtReferral.Direction.INBOUND,
            status=CourtReferral.Status.OPEN,
            term_ends_on__range=week,
        )
        .order_by()
        .values_list("pk", "case__number", "case__title", "term_ends_on")
    ):
        url = reverse("cases:referral-detail", args=[pk])
        rows.append(_deadline(number, title, url, due, _("Mediation term ends on")))

    rows.extend(_unfiled_windows(cases, today, end))

    for pk, number, title, due in (
        cases.filter(
            status__in=[Status.SETTLED, Status.CLOSED],
            agreement__performance_deadline__range=week,
        )
        .order_by()
        .values_list("pk", "number", "title", "agreement__performance_deadline")
    ):
        rows.append(_deadline(number, title, case_url(pk), due, _("Performance deadline")))

    rows.sort(key=lambda row: (row.day, row.title))
    return rows


def _unfiled_windows(cases: QuerySet[MediationCase], today: dt.date, end: dt.date) -> list[Row]:
    """Settled cases whose agreement took effect and that have no application yet: the window
    closes 30 days after the agreement took effect, moved past rest days. Without a calendar
    for that year, the earliest possible day (30 calendar days), like the reminders."""
    candidates = list(
        cases.filter(
            status=Status.SETTLED,
            agreement__is_ownership_determination=False,  # never confirmable (DOMAIN §1.6)
            agreement__effective_on__gte=today - dt.timedelta(days=WINDOW_DAYS + LONGEST_REST_RUN),
            agreement__effective_on__lte=end - dt.timedelta(days=WINDOW_DAYS),
        )
        .exclude(Exists(JudicialConfirmation.objects.filter(case=OuterRef("pk"))))
        .order_by()
        .values_list("pk", "number", "title", "agreement__effective_on")
    )
    if not candidates:
        return []
    closes = deadlines.statutory_period_ends({row[3] for row in candidates}, days=WINDOW_DAYS)
    rows = []
    for pk, number, title, effective in candidates:
        due = closes[effective] or effective + dt.timedelta(days=WINDOW_DAYS)
        if today <= due <= end:
            label = _("Application window closes on")
            rows.append(_deadline(number, title, case_url(pk), due, label))
    return rows


def _deadline(number: str, title: str, url: str, due: dt.date, label: str) -> Row:
    return Row(title=case_label(number, title), url=url, day=due, note=label)


def session_rows(user, cases: QuerySet[MediationCase], today: dt.date) -> list[Row]:
    """The sessions of ``cases`` that start on ``today`` (local date), in time order."""
    start = day_start(today)
    sessions = (
        case_selectors.session_visible_to(user)
        .filter(
            case__in=cases.order_by().values("pk"),
            starts_at__gte=start,
            starts_at__lt=day_start(today + dt.timedelta(days=1)),
        )
        .order_by("starts_at", "pk")
    )
    return [
        Row(
            title=case_label(s.case.number, s.case.title),
            url=case_url(s.case_id),
            time=s.starts_at,
            note=s.location or _("Online"),
        )
        for s in sessions
    ]


def _deadline_list(rows: list[Row]) -> RowList:
    return bounded(
        "deadlines",
        _("Deadlines this week"),
        _(
            "No deadline in the next seven days. Mediation terms, confirmation windows, court "
            "dates and performance deadlines that fall due will appear here."
        ),
        rows,
    )


def _session_list(rows: list[Row]) -> RowList:
    return bounded(
        "sessions",
        _("Sessions today"),
        _("No sessions today. Sessions scheduled for today will appear here."),
        rows,
        same_day=True,
    )


# --- mediator ------------------------------------------------------------------------------------


def mediator_panel(user, today: dt.date, names: dict[int, str] | None = None) -> Panel | None:
    """My open cases, deadlines this week and sessions today — of the cases the user is
    assigned to as mediator (the "My cases" list)."""
    orgs = alliance_selectors.organization_ids_of(user, roles=(Role.MEDIATOR,))
    if not orgs:
        return None
    names = names if names is not None else org_names(user, orgs)
    mine = case_selectors.case_list(user, mine=True)
    counts = (
        mine.filter(status__in=OPEN_STATUSES)
        .order_by()
        .aggregate(
            open=Count("pk"),
            submitted=Count("pk", filter=Q(status=Status.SUBMITTED)),
            mediating=Count("pk", filter=Q(status=Status.MEDIATING)),
        )
    )
    open_cases = (
        mine.filter(status__in=OPEN_STATUSES)
        .select_related(None)
        .order_by(F("mediation_deadline").asc(nulls_last=True), "pk")[:ROWS]
    )
    deadlines_ = deadline_rows(user, mine, today)
    sessions = session_rows(user, mine, today)
    return Panel(
        key="mediator",
        title=_("Mediator"),
        subtitle=", ".join(name for org, name in names.items() if org in orgs),
        intro=_("Your open cases, their deadlines this week and your sessions today."),
        figures=[
            Figure(
                "open_cases",
                _("Open cases"),
                counts["open"],
                list_url("cases:my-cases", status=list(OPEN_STATUSES)),
            ),
            Figure(
                "submitted",
                _("Awaiting acceptance"),
                counts["submitted"],
                list_url("cases:my-cases", status=Status.SUBMITTED),
            ),
            Figure(
                "mediating",
                _("Mediating"),
                counts["mediating"],
                list_url("cases:my-cases", status=Status.MEDIATING),
            ),
            Figure("deadlines", _("Deadlines this week"), len(deadlines_)),
            Figure("sessions", _("Sessions today"), len(sessions)),
        ],
        lists=[
            RowList(
                "open_cases",
                _("My open cases"),
                _(
                    "No open case is assigned to you. Cases you are assigned to as mediator "
                    "will appear here."
                ),
                [
                    Row(
                        title=case_label(c.number, c.title),
                        url=case_url(c.pk),
                        day=c.mediation_deadline,
                        note=c.get_status_display(),
                    )
                    for c in open_cases
                ],
                counts["open"],
            ),
            _deadline_list(deadlines_),
            _session_list(sessions),
        ],
    )


# --- clerk (and the organisation's administrator) ------------------------------------------


def clerk_panels(user, today: dt.date, names: dict[int, str] | None = None) -> list[Panel]:
    """Per handling organisation where the user is a clerk or an administrator: the intake
    (drafts, cases awaiting acceptance), the open and settled cases, the deadlines of the
    organisation's cases this week and its sessions today."""
    orgs = alliance_selectors.organization_ids_of(
        user, roles=(Role.CLERK, Role.ADMIN), kinds=HANDLING_KINDS
    )
    if not orgs:
        return []
    names = names if names is not None else org_names(user, orgs)
    visible = case_selectors.case_visible_to(user)
    rows = (
        visible.filter(handling_organization__in=orgs)
        .order_by()
        .values("handling_organization")
        .annotate(
            draft=Count("pk", filter=Q(status=Status.DRAFT)),
            submitted=Count("pk", filter=Q(status=Status.SUBMITTED)),
            open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
            settled=Count("pk", filter=Q(status=Status.SETTLED)),
        )
    )
    counts = {row.pop("handling_organization"): row for row in rows}
    empty = {"draft": 0, "submitted": 0, "open": 0, "settled": 0}
    panels = []
    for org, name in names.items():
        if org not in orgs:
            continue
        n = counts.get(org, empty)
        cases = visible.filter(handling_organization=org)
        link = partial(list_url, "cases:case-list", handling_organization=org)
        panels.append(
            Panel(
                key="clerk",
                title=_("Clerk") if org in _clerk_of(user) else _("Administrator"),
                subtitle=name,
                intro=_(
                    "Intake, open cases, deadlines this week and sessions today of the "
                    "organisation's cases."
                ),
                figures=[
                    Figure("draft", _("Drafts"), n["draft"], link(status=Status.DRAFT)),
                    Figure(
                        "submitted",
                        _("Awaiting acceptance"),
                        n["submitted"],
                        link(status=Status.SUBMITTED),
                    ),
                    Figure("open", _("Open cases"), n["open"], link(status=list(OPEN_STATUSES))),
                    Figure("settled", _("Settled"), n["settled"], link(status=Status.SETTLED)),
                ],
                lists=[
                    _deadline_list(deadline_rows(user, cases, today)),
                    _session_list(session_rows(user, cases, today)),
                ],
            )
        )
    return panels


def _clerk_of(user) -> set[int]:
    return alliance_selectors.organization_ids_of(user, roles=(Role.CLERK,))
