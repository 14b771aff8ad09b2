"""What a panel is made of — figures with the list behind each, rows, row lists — and the
helpers every panel uses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import BooleanField, Case, Q, When
from django.urls import reverse
from django.utils import timezone

from alliance import selectors as alliance_selectors

ROWS = 5  # rows of a "latest" or "next" list
MAX_ROWS = 10  # rows shown of a list bounded by a day or a week; the rest are counted


@dataclass(frozen=True)
class Figure:
    """A count, and the list page that shows exactly the rows it counts ("" when none does)."""

    key: str
    label: str
    value: int
    url: str = ""
    alert: bool = False  # shown in red when not zero (overdue …)


@dataclass(frozen=True)
class Row:
    title: str
    url: str
    day: dt.date | None = None
    time: dt.datetime | None = None
    note: str = ""
    badge: str = ""
    alert: bool = False


@dataclass(frozen=True)
class RowList:
    key: str
    title: str
    empty: str  # what will appear here, for the empty state
    rows: list[Row]
    total: int
    same_day: bool = False  # every row is of today: show times without the date

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    subtitle: str
    intro: str
    figures: list[Figure]
    lists: list[RowList]

    @property
    def template(self) -> str:
        return f"dashboards/{self.key}.html"


def list_url(name: str, **params: object) -> str:
    """``name``'s URL with the list's FilterSet parameters (lists repeat the key)."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")}, doseq=True)
    return reverse(name) + (f"?{query}" if query else "")


def bounded(key: str, title: str, empty: str, rows: list[Row], same_day: bool = False) -> RowList:
    return RowList(key, title, empty, rows[:MAX_ROWS], len(rows), same_day)


def case_label(number: str, title: str) -> str:
    return f"{number} {title}" if number else title


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def org_names(user, ids: Iterable[int]) -> dict[int, str]:
    """Names of the user's organisations (one query), ordered by name."""
    return dict(
        alliance_selectors.organization_visible_to(user)
        .filter(pk__in=set(ids))
        .order_by("name")
        .values_list("pk", "name")
    )


def case_url(pk: int) -> str:
    return reverse("cases:case-detail", args=[pk])


def flag(q: Q) -> Case:
    return Case(When(q, then=True), default=False, output_field=BooleanField())


def before(day: dt.date | None, today: dt.date) -> bool:
    return day is not None and day < today
