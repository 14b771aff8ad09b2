"""The city's IP indicators (知识产权强市建设指标) on the statistics page: the values of the
scope's year with the previous year's, and every recorded year per indicator for the
year-on-year charts (shown only when there are several years)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse

from alliance import selectors as alliance_selectors
from zhangzhou_ip.stats.period import Scope


@dataclass
class IndicatorRow:
    code: str
    region: str
    name: str
    unit: str
    definition: str
    value: str
    previous: str
    change_pct: Decimal | None
    source: str
    years: list[tuple[int, float]] = field(default_factory=list)


@dataclass
class Indicators:
    year: int
    rows: list[IndicatorRow]
    url: str

    @property
    def has_history(self) -> bool:
        return any(len(row.years) > 1 for row in self.rows)


def indicator_rows(user, scope: Scope) -> Indicators | None:
    """The indicator values of the year the period ends in (for the scope's region, or every
    visible region), or None when the user may not see indicators."""
    if not user.has_perm("alliance.view_indicatorvalue"):
        return None
    year = scope.end.year
    values = alliance_selectors.indicator_value_visible_to(user).select_related(
        "indicator", "region"
    )
    if scope.region is not None:
        values = values.filter(region=scope.region)
    of_year = alliance_selectors.indicator_values_with_previous(values.filter(year=year)).order_by(
        "region__code", "indicator__sort_order", "indicator__code"
    )
    history: dict[tuple[int, int], list[tuple[int, float]]] = {}
    for indicator_id, region_id, item_year, value in (
        values.filter(year__lte=year)
        .order_by("year")
        .values_list("indicator_id", "region_id", "year", "value")
    ):
        history.setdefault((indicator_id, region_id), []).append((item_year, float(value)))
    rows = []
    for item in of_year:
        previous = item.previous_value
        change = (
            ((item.value - previous) * 100 / previous).quantize(Decimal("0.1"))
            if previous
            else None
        )
        rows.append(
            IndicatorRow(
                code=item.indicator.code,
                region=item.region.name,
                name=item.indicator.display_name,
                unit=item.indicator.display_unit,
                definition=item.indicator.display_definition,
                value=item.display_value,
                previous=item.indicator.format_value(previous),
                change_pct=change,
                source=item.source,
                years=history.get((item.indicator_id, item.region_id), []),
            )
        )
    params = {"year": year}
    if scope.region is not None:
        params["region"] = scope.region.code
    return Indicators(year, rows, reverse("alliance:indicator-list") + "?" + urlencode(params))
