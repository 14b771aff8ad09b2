"""What the statistics are made of: figures, breakdown rows, collaboration flows, monthly
series — plain data, picklable for the cache, rendered by the page, the API, the exports and
the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from zhangzhou_ip.stats.period import Scope

Number = int | Decimal | float | None
ZERO = Decimal("0.00")


@dataclass
class Figure:
    key: str
    section: str
    label: Any
    definition: Any
    value: Number
    url: str | None
    unit: str = ""  # "", "CNY", "%", "days"

    @property
    def display(self) -> str:
        return format_value(self.value, self.unit)


def format_value(value: Number, unit: str = "") -> str:
    """Thousands grouped in both languages (Django's zh-hans formats do not group)."""
    if value is None:
        return "—"
    if unit == "CNY":
        return f"{value:,.2f}"
    if unit in ("%", "days"):
        return f"{value:.1f}"
    return f"{value:,}"


@dataclass
class Row:
    key: str
    label: str
    value: Number
    url: str | None = None


@dataclass
class Flow:
    """Collaboration requests from one member to another in the period."""

    source: str
    target: str
    value: int
    url: str

    @property
    def label(self) -> str:
        return f"{self.source} → {self.target}"


@dataclass
class Breakdown:
    key: str
    title: Any
    rows: list[Row]
    definition: Any = ""

    @property
    def total(self) -> Number:
        return sum((row.value or 0) for row in self.rows)


@dataclass
class Monthly:
    """Counts per month of the period (``months`` as YYYY-MM), one series per group."""

    key: str
    title: Any
    months: list[str]
    series: list[tuple[str, str, list[int]]]  # (key, label, counts per month)
    urls: list[str | None] = field(default_factory=list)  # the month's list, all groups


@dataclass
class Statistics:
    scope: Scope
    figures: list[Figure]
    breakdowns: dict[str, Breakdown]
    monthly: dict[str, Monthly]
    flows: list[Flow]
    notes: list[Any]

    def __getitem__(self, key: str) -> Figure:
        for figure in self.figures:
            if figure.key == key:
                return figure
        raise KeyError(key)

    def values(self) -> dict[str, Number]:
        return {figure.key: figure.value for figure in self.figures}


SECTIONS: dict[str, Any] = {
    "alliance": _("Alliance and collaboration"),
    "cases": _("Mediation cases"),
    "court": _("Judicial confirmation and court referral"),
    "evidence": _("益企证 evidence service"),
    "protection": _("Protection actions"),
}
