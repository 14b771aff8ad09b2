"""Deadline reminders for judicial confirmation and court referrals (issue 4, part 6).

:func:`send_reminders` looks for what is due and notifies the people who must act, through the
notification centre (``zhangzhou_ip.core.notifications``: in-app notification plus e-mail after
the commit):

* ``window_closing`` — a settled case whose agreement has taken effect, with no application to
  a court yet (or only a prepared one), and whose 30-day window (People's Mediation Law art. 33;
  CPL 2023 art. 205; DOMAIN §1.2) closes within 5 days → the assigned mediators and the
  handling organisation's administrators;
* ``acceptance_overdue`` / ``decision_overdue`` — a filed application the court has not accepted
  by its acceptance date (3 days, 法释〔2011〕5号 art. 4), or an accepted one not decided by its
  decision date (15 days, +10 when extended, art. 5) → the handling side and the court's
  liaisons;
* ``term_ending`` / ``term_ended`` — an open delegation or entrustment from a court whose
  mediation term ends within 3 days, or has ended without an agreement: the "return to the
  court" alert (DOMAIN §4.2) → the handling side and the court's liaisons;
* ``performance_overdue`` — a settled or closed case whose agreement's performance deadline has
  passed (within the two years in which enforcement of a confirmed agreement may be applied for,
  CPL 2023 art. 250; DOMAIN §1.7) → the assigned mediators and the organisation's
  administrators.

Each reminder carries an idempotence key (``confirmation.window_closing:<case id>`` …; keys of
date-dependent reminders include the date, so an extended term or decision date is reminded
again), so running the function again sends nothing new — the notification table's unique
(recipient, key) constraint holds even when two runs race. Titles are rendered in
``settings.LANGUAGE_CODE``, whatever language the caller uses.

The cost does not depend on how many items are due: one query per kind of item, two for the
recipients, one for the keys already sent, one bulk insert, and one holiday-calendar lookup per
distinct agreement date in the three-week band where a window can close within 5 days.

Run it from cron — safe every few minutes, it only sends what is new::

    */10 * * * * cd /srv/zhangzhou_ip && .venv/bin/python manage.py send_reminders

Once issue 11 adds the task backend (django-tasks), the same function runs as a periodic task;
the management command stays for cron and for tests (``--date YYYY-MM-DD``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import NoReverseMatch
from django.utils import formats, timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from alliance.models import Membership
from cases.choices import Status
from cases.models import (
    Agreement,
    CaseAssignment,
    CourtReferral,
    JudicialConfirmation,
    MediationCase,
)
from cases.services.court import WINDOW_DAYS, window_closes_on
from zhangzhou_ip.core.models import Notification
from zhangzhou_ip.core.notifications import TITLE_MAX, notify_many

__all__ = ["KINDS", "send_reminders"]

WINDOW_WARNING_DAYS = 5  # remind when the confirmation window closes within 5 days
TERM_WARNING_DAYS = 3  # remind when a court's mediation term ends within 3 days
ENFORCEMENT_YEARS = 2  # CPL 2023 art. 250: enforcement may be applied for within 2 years
# A window's last day moves past rest days (CPL art. 85); no run of rest days is this long.
_LONGEST_REST_RUN = 20
_KEY_CHUNK = 500

KINDS = (
    "window_closing",
    "acceptance_overdue",
    "decision_overdue",
    "term_ending",
    "term_ended",
    "performance_overdue",
)
CStatus = JudicialConfirmation.Status


@dataclass(frozen=True)
class _Reminder:
    kind: str
    key: str
    title: str
    body: str
    url: str
    case: MediationCase
    court_id: int | None = None  # the court whose liaisons are told too


def _date(value: dt.date) -> str:
    return formats.date_format(value, "Y-m-d")


def _number(case: MediationCase) -> str:
    return case.number or case.title


def _url(obj, case: MediationCase) -> str:
    try:
        return obj.get_absolute_url()
    except NoReverseMatch:  # the page of the object is not installed: the case's page
        return case.get_absolute_url()


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# --- what is due ---------------------------------------------------------------------------------


def _window_closing(today: dt.date) -> Iterator[_Reminder]:
    """(a) settled, agreement effective, no application beyond "prepared", window closing."""
    filed = JudicialConfirmation.objects.filter(case=OuterRef("pk")).exclude(
        status=CStatus.PREPARED
    )
    cases = (
        MediationCase.objects.filter(
            status=Status.SETTLED,
            agreement__is_ownership_determination=False,  # never confirmable (DOMAIN §1.6)
            agreement__effective_on__gte=today - dt.timedelta(days=WINDOW_DAYS + _LONGEST_REST_RUN),
            agreement__effective_on__lte=today
            - dt.timedelta(days=WINDOW_DAYS - WINDOW_WARNING_DAYS),
        )
        .exclude(Exists(filed))
        .select_related("agreement", "handling_organization")
        .order_by("pk")
    )

    # One calendar lookup per distinct effective date; without a calendar, the earliest
    # possible last day (30 calendar days), so the reminder is never late.
    windows: dict[dt.date, dt.date] = {}
    for case in cases:
        agreement = case.agreement
        closes = windows.get(agreement.effective_on)
        if closes is None:
            closes = window_closes_on(agreement) or agreement.effective_on + dt.timedelta(
                days=WINDOW_DAYS
            )
            windows[agreement.effective_on] = closes
        if not today <= closes <= today + dt.timedelta(days=WINDOW_WARNING_DAYS):
            continue
        yield _Reminder(
            kind="window_closing",
            key=f"confirmation.window_closing:{case.pk}",
            title=_("%(number)s: the window to apply for judicial confirmation closes on %(date)s")
            % {"number": _number(case), "date": _date(closes)},
            body=_(
                "%(title)s — the agreement took effect on %(effective)s; both parties must apply "
                "to a competent court by %(date)s (People's Mediation Law art. 33; CPL art. 205)."
            )
            % {
                "title": case.title,
                "effective": _date(agreement.effective_on),
                "date": _date(closes),
            },
            url=case.get_absolute_url(),
            case=case,
        )


def _court_overdue(today: dt.date) -> Iterator[_Reminder]:
    """(b) the court's acceptance (3 days) or decision (15 / 25 days) clock has run out."""
    confirmations = (
        JudicialConfirmation.objects.filter(
            Q(status=CStatus.FILED, acceptance_due__lt=today)
            | Q(status=CStatus.ACCEPTED, decision_due__lt=today)
        )
        .select_related("case__handling_organization", "court")
        .order_by("pk")
    )
    for confirmation in confirmations:
        case = confirmation.case
        if confirmation.status == CStatus.FILED:
            kind, due = "acceptance_overdue", confirmation.acceptance_due
            title = _("%(number)s: the court should have accepted the application by %(date)s")
            body = _(
                "%(title)s — filed with %(court)s on %(filed)s; the court decides on acceptance "
                "within 3 days (SPC 法释〔2011〕5号 art. 4)."
            )
        else:
            kind, due = "decision_overdue", confirmation.decision_due
            title = _("%(number)s: the court's decision on the confirmation was due on %(date)s")
            body = _(
                "%(title)s — accepted by %(court)s as %(court_number)s; the court decides within "
                "15 days of acceptance, 25 with the president's extension (SPC 法释〔2011〕5号 "
                "art. 5)."
            )
        values = {
            "number": _number(case),
            "date": _date(due),
            "title": case.title,
            "court": confirmation.court.name,
            "filed": _date(confirmation.filed_on),
            "court_number": confirmation.court_case_number,
        }
        yield _Reminder(
            kind=kind,
            key=f"confirmation.{kind}:{confirmation.pk}:{due.isoformat()}",
            title=title % values,
            body=body % values,
            url=_url(confirmation, case),
            case=case,
            court_id=confirmation.court_id,
        )


def _terms(today: dt.date) -> Iterator[_Reminder]:
    """(c) an open delegation/entrustment whose term ends within 3 days or ended without an
    agreement — then the case goes back to the court (DOMAIN §4.2)."""
    referrals = (
        CourtReferral.objects.filter(
            direction=CourtReferral.Direction.INBOUND,
            status=CourtReferral.Status.OPEN,
            term_ends_on__lte=today + dt.timedelta(days=TERM_WARNING_DAYS),
        )
        .exclude(case__status__in=[Status.SETTLED, Status.CLOSED])  # agreement reached
        .select_related("case__handling_organization", "court")
        .order_by("pk")
    )
    for referral in referrals:
        case = referral.case
        values = {
            "number": _number(case),
            "date": _date(referral.term_ends_on),
            "title": case.title,
            "court": referral.court.name,
            "reference": referral.court_reference,
        }
        if referral.term_ends_on >= today:
            kind = "term_ending"
            title = _("%(number)s: the court-referred mediation term ends on %(date)s")
            body = _(
                "%(title)s — referred by %(court)s (%(reference)s). Without an agreement by then "
                "the dispute returns to the court; with both parties' consent the term can be "
                "extended once, by up to 30 days."
            )
        else:
            kind = "term_ended"
            title = _(
                "%(number)s: the mediation term ended on %(date)s without agreement — return the "
                "case to %(court)s"
            )
            body = _(
                "%(title)s — referred by %(court)s (%(reference)s). Record the return to the "
                "court on the referral so the court can file the case."
            )
        yield _Reminder(
            kind=kind,
            key=f"referral.{kind}:{referral.pk}:{referral.term_ends_on.isoformat()}",
            title=title % values,
            body=body % values,
            url=_url(referral, case),
            case=case,
            court_id=referral.court_id,
        )


def _performance(today: dt.date) -> Iterator[_Reminder]:
    """(d) the agreement's performance deadline has passed (settled or closed cases)."""
    agreements = (
        Agreement.objects.filter(
            case__status__in=[Status.SETTLED, Status.CLOSED],
            performance_deadline__lt=today,
            performance_deadline__gte=_years_before(today, ENFORCEMENT_YEARS),
        )
        .select_related("case__handling_organization")
        .order_by("pk")
    )
    for agreement in agreements:
        case = agreement.case
        yield _Reminder(
            kind="performance_overdue",
            key=f"agreement.performance_overdue:{agreement.pk}:"
            f"{agreement.performance_deadline.isoformat()}",
            title=_("%(number)s: the agreement's performance deadline (%(date)s) has passed")
            % {"number": _number(case), "date": _date(agreement.performance_deadline)},
            body=_(
                "%(title)s — check with the parties whether the agreement was performed. A party "
                "may apply to the court to enforce a confirmed agreement within two years of the "
                "deadline (CPL art. 250)."
            )
            % {"title": case.title},
            url=case.get_absolute_url(),
            case=case,
        )


# --- who is told, once -------------------------------------------------------------------------


def _recipients(reminders: list[_Reminder]) -> dict[tuple[str, int], list]:
    """Active users per ("case"|"org"|"court", id): two queries for all reminders."""
    case_ids = {r.case.pk for r in reminders}
    org_ids = {r.case.handling_organization_id for r in reminders}
    court_ids = {r.court_id for r in reminders if r.court_id}
    people: dict[tuple[str, int], list] = {}
    assignments = CaseAssignment.objects.filter(
        case_id__in=case_ids, unassigned_at__isnull=True, user__is_active=True
    ).select_related("user")
    for assignment in assignments.order_by("pk"):
        people.setdefault(("case", assignment.case_id), []).append(assignment.user)
    memberships = (
        Membership.objects.filter(
            Q(organization_id__in=org_ids, role=Membership.Role.ADMIN)
            | Q(organization_id__in=court_ids, role=Membership.Role.LIAISON),
            is_active=True,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("pk")
    )
    for membership in memberships:
        if membership.role == Membership.Role.ADMIN and membership.organization_id in org_ids:
            people.setdefault(("org", membership.organization_id), []).append(membership.user)
        if membership.role == Membership.Role.LIAISON and membership.organization_id in court_ids:
            people.setdefault(("court", membership.organization_id), []).append(membership.user)
    return people


def _sent(keys: list[str]) -> set[tuple[str, int]]:
    """(key, recipient) pairs already notified."""
    sent: set[tuple[str, int]] = set()
    for start in range(0, len(keys), _KEY_CHUNK):
        chunk = keys[start : start + _KEY_CHUNK]
        sent.update(Notification.objects.filter(key__in=chunk).values_list("key", "recipient_id"))
    return sent


def _rows(
    reminders: Iterable[_Reminder], people: dict[tuple[str, int], list], sent: set
) -> list[Notification]:
    rows = []
    for reminder in reminders:
        groups = [("case", reminder.case.pk), ("org", reminder.case.handling_organization_id)]
        if reminder.court_id:
            groups.append(("court", reminder.court_id))
        users = {user.pk: user for group in groups for user in people.get(group, [])}
        for pk, user in users.items():
            if (reminder.key, pk) in sent:
                continue
            rows.append(
                Notification(
                    recipient=user,
                    verb=f"reminder.{reminder.kind}",
                    title=Truncator(reminder.title).chars(TITLE_MAX),
                    body=reminder.body,
                    url=reminder.url,
                    key=reminder.key,
                )
            )
    return rows


def send_reminders(today: dt.date | None = None) -> dict[str, int]:
    """Send every reminder that is due on ``today`` (default: the local date) and has not been
    sent; return the number of notifications created per kind (see ``KINDS``)."""
    today = today or timezone.localdate()
    counts = dict.fromkeys(KINDS, 0)
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        reminders = [
            *_window_closing(today),
            *_court_overdue(today),
            *_terms(today),
            *_performance(today),
        ]
        if not reminders:
            return counts
        people = _recipients(reminders)
        sent = _sent(sorted({r.key for r in reminders}))
        created = notify_many(_rows(reminders, people, sent))
    for notification in created:
        counts[notification.verb.removeprefix("reminder.")] += 1
    return counts
