"""Mediator workload: open cases per mediator of the organisations the user may oversee;
``?format=csv|xlsx`` exports the same table, one row per organisation and mediator."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from cases import selectors
from cases.choices import OPEN_STATUSES
from zhangzhou_ip.core.templatetags.people import person_name
from zhangzhou_ip.core.views import EXPORT_FORMATS, export_response, plain_text_bad_request


class WorkloadView(TemplateView):
    template_name = "cases/workload.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "format" in request.GET:
            return self.export(request.GET["format"])
        return super().get(request, *args, **kwargs)

    def rows(self) -> list[dict[str, Any]]:
        rows = []
        organizations = list(selectors.workload_organizations(self.request.user))
        workloads = selectors.mediator_workloads(organizations)
        for org in organizations:
            mediators = workloads[org.pk]
            rows.append(
                {
                    "organization": org,
                    "mediators": mediators,
                    "open_total": sum(m.open_cases for m in mediators),
                }
            )
        return rows

    def export(self, fmt: str) -> HttpResponse:
        if fmt not in EXPORT_FORMATS:
            return plain_text_bad_request(
                _("Unknown export format. Use format=csv or format=xlsx.")
            )
        headers = [_("Organisation"), _("Mediator"), _("Open cases"), _("Being mediated")]
        rows = [
            [row["organization"].name, person_name(m), m.open_cases, m.mediating]
            for row in self.rows()
            for m in row["mediators"]
        ]
        return export_response(
            fmt, stem="workload", title=_("Mediator workload"), headers=headers, rows=rows
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = self.rows()
        context["open_statuses"] = [str(s) for s in OPEN_STATUSES]
        return context


urlpatterns = [path("workload/", WorkloadView.as_view(), name="workload")]
