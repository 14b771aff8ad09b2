"""The statistics as rows: the data tables under the charts and the CSV/XLSX export."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from zhangzhou_ip.core.exports import Value
from zhangzhou_ip.stats.results import SECTIONS, Monthly, Statistics


@dataclass
class MonthlyTable:
    key: str
    title: Any
    headers: list[str]
    rows: list[tuple[str, str | None, list[int], int]]  # month, its list URL, counts, total


def monthly_table(monthly: Monthly) -> MonthlyTable:
    headers = [label for _key, label, _data in monthly.series]
    rows = []
    for index, month in enumerate(monthly.months):
        counts = [data[index] for _key, _label, data in monthly.series]
        url = monthly.urls[index] if monthly.urls else None
        rows.append((month, url, counts, sum(counts)))
    return MonthlyTable(monthly.key, monthly.title, headers, rows)


def monthly_tables(stats: Statistics) -> dict[str, MonthlyTable]:
    return {key: monthly_table(monthly) for key, monthly in stats.monthly.items()}


def _unit(unit: str) -> str:
    return {"CNY": _("CNY"), "%": "%", "days": _("days")}.get(unit, "")


def export_rows(stats: Statistics, base_url: str) -> tuple[list[str], list[list[Value]]]:
    """One row per figure (section, figure, value, unit, definition, link), then one per
    breakdown row and per month; links are absolute so the file can be followed later."""

    def link(url: str | None) -> str:
        if not url:
            return ""
        if url.startswith("#"):
            return ""
        return base_url + url

    headers = [
        _("Section"), _("Figure"), _("Value"), _("Unit"), _("Definition"), _("List"),
    ]  # fmt: skip
    rows: list[list[Value]] = [
        [_("Period"), stats.scope.label, None, "", "", ""],
    ]
    if stats.scope.organization is not None:
        rows.append([_("Organisation"), stats.scope.organization.name, None, "", "", ""])
    if stats.scope.region is not None:
        rows.append([_("Region"), stats.scope.region.name, None, "", "", ""])
    for figure in stats.figures:
        rows.append(
            [
                str(SECTIONS[figure.section]),
                str(figure.label),
                figure.value,
                _unit(figure.unit),
                str(figure.definition),
                link(figure.url),
            ]
        )
    for breakdown in stats.breakdowns.values():
        for row in breakdown.rows:
            rows.append([str(breakdown.title), row.label, row.value, "", "", link(row.url)])
    for monthly in stats.monthly.values():
        table = monthly_table(monthly)
        for month, url, _counts, total in table.rows:
            rows.append([str(monthly.title), month, total, "", "", link(url)])
    for flow in stats.flows:
        rows.append([_("Collaboration flows"), flow.label, flow.value, "", "", link(flow.url)])
    return headers, rows
