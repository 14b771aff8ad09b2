"""The statistics page, its exports and the annual report: thin views over
``stats.figures.statistics`` — parse the scope, check the permission, render."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from zhangzhou_ip.core import downloads
from zhangzhou_ip.core.forms import bootstrapify
from zhangzhou_ip.core.views import EXPORT_FORMATS, export_response, plain_text_bad_request
from zhangzhou_ip.stats import report, tables
from zhangzhou_ip.stats.figures import statistics
from zhangzhou_ip.stats.indicators import Indicators, indicator_rows
from zhangzhou_ip.stats.period import StatsScopeForm
from zhangzhou_ip.stats.results import SECTIONS, Statistics


def _require(request: HttpRequest) -> None:
    if not request.user.has_perm("stats.view_statistics"):
        raise PermissionDenied(_("The statistics are for alliance members."))


def _bad_scope(form: StatsScopeForm) -> HttpResponse:
    problems = "\n".join(
        f"{form.fields[name].label if name in form.fields else name}: {' '.join(errors)}"
        for name, errors in form.errors.items()
    )
    return plain_text_bad_request(_("The period or filters are not valid:") + "\n" + problems)


def _series(monthly) -> dict[str, Any]:
    return {
        "months": monthly.months,
        "series": [{"name": label, "data": data} for _key, label, data in monthly.series],
    }


def _charts(stats: Statistics, indicators: Indicators | None) -> dict[str, Any]:
    """The data the chart script draws (the ECharts options are built in the browser)."""
    return {
        **{key: _series(monthly) for key, monthly in stats.monthly.items()},
        **{
            key: [{"name": row.label, "value": row.value} for row in stats.breakdowns[key].rows]
            for key in ("cases_by_dispute_type", "cases_by_region", "confirmations_by_court")
        },
        "flows": [
            {"source": flow.source, "target": flow.target, "value": flow.value}
            for flow in stats.flows
        ],
        "indicators": [
            {"name": row.name, "value": float(row.change_pct)}
            for row in (indicators.rows if indicators else [])
            if row.change_pct is not None
        ],
    }


class StatsView(View):
    """``/stats/``: figures with their links, definitions, breakdowns, charts with data tables,
    the city's IP indicators; period, organisation and region selectors."""

    template_name = "stats/page.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        _require(request)
        form = bootstrapify(StatsScopeForm(request.GET, user=request.user))
        context: dict[str, Any] = {"form": form, "sections": SECTIONS}
        if form.is_valid():
            scope = form.scope()
            stats = statistics(request, scope)
            indicators = indicator_rows(request.user, scope)
            query = request.GET.copy()
            query.pop("format", None)
            context.update(
                stats=stats,
                scope=scope,
                sections_figures=[
                    (key, label, [f for f in stats.figures if f.section == key])
                    for key, label in SECTIONS.items()
                ],
                monthly_tables=tables.monthly_tables(stats),
                chart_data=_charts(stats, indicators),
                chart_labels={"count": _("Count"), "change": _("Change (%)")},
                indicators=indicators,
                query=query.urlencode(),
            )
        return render(request, self.template_name, context, status=200 if form.is_valid() else 400)


class StatsExportView(View):
    """``/stats/export/?format=csv|xlsx`` and the scope: every figure (with its definition
    and link) and every breakdown row, in the request's language."""

    def get(self, request: HttpRequest) -> HttpResponse:
        _require(request)
        fmt = request.GET.get("format", "")
        if fmt not in EXPORT_FORMATS:
            return plain_text_bad_request(
                _("Unknown export format. Use format=csv or format=xlsx.")
            )
        form = StatsScopeForm(request.GET, user=request.user)
        if not form.is_valid():
            return _bad_scope(form)
        stats = statistics(request, form.scope())
        headers, rows = tables.export_rows(stats, request.build_absolute_uri("/")[:-1])
        stem = f"statistics-{stats.scope.start.isoformat()}-{stats.scope.end.isoformat()}"
        return export_response(fmt, stem=stem, title=_("Statistics"), headers=headers, rows=rows)


class AnnualReportView(View):
    """``/stats/report.pdf?year=2024``: the figures, the charts' data and the indicators as a
    bilingual-ready PDF with the embedded CJK font. Built by a task into "My downloads"
    (``core.downloads``): the request records it and the task runs this view again as the
    user, who is sent to the file when it is ready at once (immediate backend)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        _require(request)
        form = StatsScopeForm(request.GET, user=request.user)
        if not form.is_valid():
            return _bad_scope(form)
        scope = form.scope()
        if not downloads.is_background(request):
            title = _("Statistical report %(period)s") % {"period": scope.label}
            return downloads.prepare(request, kind="report", title=title, file_format="pdf")
        stats = statistics(request, scope)
        data = report.annual_report(stats, indicator_rows(request.user, scope), request.user)
        response = HttpResponse(data, content_type="application/pdf")
        name = f"annual-report-{scope.start.isoformat()}-{scope.end.isoformat()}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


app_name = "stats"
urlpatterns = [
    path("", StatsView.as_view(), name="page"),
    path("export/", StatsExportView.as_view(), name="export"),
    path("report.pdf", AnnualReportView.as_view(), name="report"),
]
