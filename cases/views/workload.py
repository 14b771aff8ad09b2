"""Mediator workload: open cases per mediator of the organisations the user may oversee."""

from __future__ import annotations

from django.urls import path
from django.views.generic import TemplateView

from cases import selectors
from cases.choices import OPEN_STATUSES


class WorkloadView(TemplateView):
    template_name = "cases/workload.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = []
        for org in selectors.workload_organizations(self.request.user):
            mediators = list(selectors.mediator_workload(org))
            rows.append(
                {
                    "organization": org,
                    "mediators": mediators,
                    "open_total": sum(m.open_cases for m in mediators),
                }
            )
        context["rows"] = rows
        context["open_statuses"] = [str(s) for s in OPEN_STATUSES]
        return context


urlpatterns = [path("workload/", WorkloadView.as_view(), name="workload")]
