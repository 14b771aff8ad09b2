"""The reciprocity board (issue 5 part 5): for each pair of member organisations that
exchanged collaboration requests in a year, how many went each way, how many were completed
and how many of those on time (closed on or before the due date).

Scope: the board counts exactly the requests of ``selectors.collaboration_visible_to(user)``,
so it follows the one policy of the requests themselves — a member's staff see the pairs
involving their own organisations, superusers see every pair. Other alliance staff do not see
the pairs of other members: the counts would reveal requests they cannot open. The year is
the year a request was sent (``sent_on``).

Two queries whatever the number of requests: one aggregation grouped by (from, to), one for
the organisations' names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance import selectors
from alliance.models import CollaborationRequest, Organization

COMPLETED = CollaborationRequest.Status.COMPLETED


def may_see_reciprocity(user) -> bool:
    """Superusers, and staff of a member organisation."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    own = selectors.organization_ids_of(user)
    return bool(own) and selectors.member_organizations().filter(pk__in=own).exists()


@dataclass
class PairRow:
    """Requests between ``a`` and ``b`` in the year; ``a`` is the viewer's side if any."""

    a: Organization
    b: Organization
    a_to_b: int = 0
    b_to_a: int = 0
    completed: int = 0
    on_time: int = 0

    @property
    def total(self) -> int:
        return self.a_to_b + self.b_to_a

    @property
    def on_time_percent(self) -> int | None:
        return round(100 * self.on_time / self.completed) if self.completed else None


@dataclass
class OrganizationRow:
    """One organisation's requests in the year: sent, received, and the received ones it
    completed on time."""

    organization: Organization
    sent: int = 0
    received: int = 0
    answered_on_time: int = 0


@dataclass
class ReciprocityBoard:
    year: int
    years: list[int]
    pairs: list[PairRow] = field(default_factory=list)
    organizations: list[OrganizationRow] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        return {
            "requests": sum(p.total for p in self.pairs),
            "completed": sum(p.completed for p in self.pairs),
            "on_time": sum(p.on_time for p in self.pairs),
        }

    def chart_data(self) -> dict:
        """A grouped bar chart per organisation, for ECharts (labels already translated)."""
        rows = self.organizations
        return {
            "categories": [row.organization.display_name for row in rows],
            "series": [
                {"name": _("Sent"), "data": [row.sent for row in rows]},
                {"name": _("Received"), "data": [row.received for row in rows]},
                {
                    "name": _("Received and completed on time"),
                    "data": [row.answered_on_time for row in rows],
                },
            ],
        }


def reciprocity_years(user) -> list[int]:
    """Years with visible requests, and the current year, newest first."""
    years = {d.year for d in selectors.collaboration_visible_to(user).dates("sent_on", "year")}
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)


def reciprocity_board(user, year: int) -> ReciprocityBoard:
    """The board of ``year`` as ``user`` may see it."""
    grouped = (
        selectors.collaboration_visible_to(user)
        .filter(sent_on__year=year)
        .order_by()
        .values("from_organization_id", "to_organization_id")
        .annotate(
            n=Count("pk"),
            completed=Count("pk", filter=Q(status=COMPLETED)),
            on_time=Count("pk", filter=Q(status=COMPLETED, closed_on__lte=F("due_on"))),
        )
    )
    rows = list(grouped)
    ids = {r["from_organization_id"] for r in rows} | {r["to_organization_id"] for r in rows}
    orgs = Organization.objects.only("name", "short_name").in_bulk(ids)
    own = set() if user.is_superuser else selectors.organization_ids_of(user)

    def key(first: int, second: int) -> tuple[int, int]:
        """Orient a pair: the viewer's organisation first, else by name."""
        if (first in own) != (second in own):
            return (first, second) if first in own else (second, first)
        ordered = sorted((first, second), key=lambda pk: (orgs[pk].name, pk))
        return ordered[0], ordered[1]

    pairs: dict[tuple[int, int], PairRow] = {}
    per_org: dict[int, OrganizationRow] = {}
    for r in rows:
        sender, target = r["from_organization_id"], r["to_organization_id"]
        a, b = key(sender, target)
        pair = pairs.setdefault((a, b), PairRow(a=orgs[a], b=orgs[b]))
        if sender == a:
            pair.a_to_b += r["n"]
        else:
            pair.b_to_a += r["n"]
        pair.completed += r["completed"]
        pair.on_time += r["on_time"]
        per_org.setdefault(sender, OrganizationRow(orgs[sender])).sent += r["n"]
        target_row = per_org.setdefault(target, OrganizationRow(orgs[target]))
        target_row.received += r["n"]
        target_row.answered_on_time += r["on_time"]
    return ReciprocityBoard(
        year=year,
        years=reciprocity_years(user),
        pairs=sorted(pairs.values(), key=lambda p: (-p.total, p.a.name, p.b.name)),
        organizations=sorted(per_org.values(), key=lambda o: o.organization.name),
    )
