"""The annual report PDF: the statistics of a scope — figures with their definitions, the data
behind every chart, the collaboration flows and the city's IP indicators — in the request's
language, on A4 with the embedded CJK font (``zhangzhou_ip.core.pdf``)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Table

from zhangzhou_ip.core import pdf
from zhangzhou_ip.core.templatetags.people import person_name
from zhangzhou_ip.stats.indicators import Indicators
from zhangzhou_ip.stats.results import SECTIONS, Number, Statistics, format_value
from zhangzhou_ip.stats.tables import monthly_table

MAX_FLOWS = 30


def _value(value: Number, unit: str = "") -> str:
    text = format_value(value, unit)
    if value is None or not unit:
        return text
    return f"{text} " + {"%": "%", "days": _("days"), "CNY": _("CNY")}[unit]


def _table(header: list[str], rows: list[list[str]], widths: list[float]) -> Table:
    sheet = pdf.styles()
    data = [[pdf.Paragraph(pdf.text_markup(h), sheet["cell_label"]) for h in header]]
    for row in rows:
        data.append(
            [
                pdf.Paragraph(pdf.text_markup(cell), sheet["right" if i else "cell"])
                if i
                else pdf.Paragraph(pdf.text_markup(cell), sheet["cell"])
                for i, cell in enumerate(row)
            ]
        )
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        pdf.table_style(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F2F2F2")),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def annual_report(stats: Statistics, indicators: Indicators | None, user: Any) -> bytes:
    scope = stats.scope
    title = _("Yiqiwei IP Protection Alliance — statistical report %(period)s") % {
        "period": scope.label
    }

    def story() -> list[Any]:
        sheet = pdf.styles()
        width = pdf.CONTENT_WIDTH
        items: list[Any] = [
            pdf.Paragraph(pdf.text_markup(title), sheet["title"]),
            pdf.Paragraph(
                pdf.text_markup(
                    _("Period %(start)s – %(end)s") % {"start": scope.start, "end": scope.end}
                ),
                sheet["subtitle"],
            ),
        ]
        scope_rows = [(_("Period"), scope.label)]
        if scope.organization is not None:
            scope_rows.append((_("Organisation"), scope.organization.name))
        if scope.region is not None:
            scope_rows.append((_("Region"), scope.region.name))
        scope_rows.append(
            (
                _("Prepared"),
                _("%(when)s by %(who)s, counting what this account may see")
                % {
                    "when": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
                    "who": person_name(user),
                },
            )
        )
        items.append(pdf.kv_table(scope_rows))
        for key, label in SECTIONS.items():
            figures = [f for f in stats.figures if f.section == key]
            items.append(pdf.Paragraph(pdf.text_markup(str(label)), sheet["heading"]))
            items.append(
                _table(
                    [_("Figure"), _("Value"), _("How it is counted")],
                    [[str(f.label), _value(f.value, f.unit), str(f.definition)] for f in figures],
                    [45 * mm, 32 * mm, width - 77 * mm],
                )
            )
        items.append(pdf.Paragraph(pdf.text_markup(_("Data of the charts")), sheet["heading"]))
        for breakdown in stats.breakdowns.values():
            if not breakdown.rows:
                continue
            items.append(pdf.Paragraph(pdf.text_markup(str(breakdown.title)), sheet["plain"]))
            items.append(
                _table(
                    [str(breakdown.title), _("Count")],
                    [[row.label, _value(row.value)] for row in breakdown.rows],
                    [width - 30 * mm, 30 * mm],
                )
            )
            items.append(pdf.Spacer(1, 3 * mm))
        for monthly in stats.monthly.values():
            table = monthly_table(monthly)
            items.append(pdf.Paragraph(pdf.text_markup(str(monthly.title)), sheet["plain"]))
            columns = len(table.headers) + 2
            first = 22 * mm
            rest = (width - first) / (columns - 1)
            items.append(
                _table(
                    [_("Month"), *table.headers, _("Total")],
                    [
                        [month, *(_value(c) for c in counts), _value(total)]
                        for month, _url, counts, total in table.rows
                    ],
                    [first] + [rest] * (columns - 1),
                )
            )
            items.append(pdf.Spacer(1, 3 * mm))
        if stats.flows:
            items.append(pdf.Paragraph(pdf.text_markup(_("Collaboration flows")), sheet["plain"]))
            items.append(
                _table(
                    [_("From → to"), _("Requests")],
                    [[flow.label, _value(flow.value)] for flow in stats.flows[:MAX_FLOWS]],
                    [width - 30 * mm, 30 * mm],
                )
            )
        if indicators is not None and indicators.rows:
            items.append(
                pdf.Paragraph(
                    pdf.text_markup(_("City IP indicators %(year)s") % {"year": indicators.year}),
                    sheet["heading"],
                )
            )
            items.append(
                _table(
                    [_("Indicator"), _("Value"), _("Previous year"), _("Change (%)")],
                    [
                        [
                            f"{row.name}（{row.region}）",
                            f"{row.value} {row.unit}",
                            row.previous,
                            "—" if row.change_pct is None else f"{row.change_pct}",
                        ]
                        for row in indicators.rows
                    ],
                    [width - 95 * mm, 40 * mm, 30 * mm, 25 * mm],
                )
            )
        return items

    return pdf.build_pdf(story, title=title, author=_("Yiqiwei IP Protection Alliance"))
