"""The case page and its tabs.

The page reads the case with what its first view shows — summary, parties, rights,
agreement, mediators, shares, related disputes — and the numbers on the other tabs'
badges as annotations of the same query. Sessions, court, evidence, timeline and comments
are panes loaded when their tab is opened (htmx, ``hx-trigger="intersect once"``), each from
``cases/<pk>/panes/<name>/``, which without htmx is a page of its own. So the page costs
the same handful of queries however long the case's history is (decision 0020, §11)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DetailView

from alliance.validators import mask_resident_id
from cases import selectors, services
from cases.choices import OWNERSHIP_DISPUTES, TRANSITION_LABELS
from cases.models import (
    Agreement,
    CaseRight,
    MediationCase,
    MediationSession,
    Party,
)
from cases.tab_counts import tab_count_annotations, tab_counts
from cases.views import court as court_views
from cases.views import sharing as sharing_views
from cases.views.cases import _active_assignments
from cases.views.evidence import case_evidence_context, may_cite_evidence


def _case_queryset(user) -> QuerySet[MediationCase]:
    """A case the user may see, with what the rules ask of it answered from memory: the
    handling organisation's ancestors (an organisation admin above?), the active mediators
    and the shares the user sees."""
    return (
        selectors.case_visible_to(user, few=True)
        .select_related(
            "handling_organization__region",
            "handling_organization__parent__parent__parent",
        )
        .prefetch_related(
            Prefetch("assignments", queryset=_active_assignments(), to_attr="active_assignments"),
            *sharing_views.case_sharing_prefetches(user),
        )
    )


class CaseDetailView(DetailView):
    """One case: the summary and the tabs' badges; the heavier tabs load when opened."""

    template_name = "cases/case_detail.html"
    context_object_name = "case"

    def get_queryset(self) -> QuerySet[MediationCase]:
        user = self.request.user
        return (
            _case_queryset(user)
            .select_related("created_by", "agreement")
            .prefetch_related(
                Prefetch(
                    "parties",
                    queryset=Party.objects.select_related(
                        "organization__region", "region"
                    ).order_by("role", "pk"),
                ),
                Prefetch(
                    "rights",
                    queryset=CaseRight.objects.select_related(
                        "intellectual_property__owner"
                    ).order_by("pk"),
                ),
            )
            .annotate(**tab_count_annotations(user))
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        case: MediationCase = self.object
        full_ids = selectors.may_see_full_id_numbers(user, case)
        parties = list(case.parties.all())
        for party in parties:
            party.shown_id = (
                party.id_number if full_ids or not party.id_number
                else mask_resident_id(party.id_number)
            )  # fmt: skip
        agreement = getattr(case, "agreement", None)
        summary_only = selectors.sees_summary_only(user, case)
        context.update(
            # A party's enterprise sees a summary: no timeline, minutes or related cases.
            summary_only=summary_only,
            counts=tab_counts(user, case),
            parties=parties,
            full_ids=full_ids,
            agreement=agreement,
            related=None
            if summary_only
            else selectors.related_disputes(case, user, rights=case.rights.all(), parties=parties),
            transitions=[
                (name, TRANSITION_LABELS[name])
                for name in services.available_transitions(user, case)
            ],
            can_edit=user.has_perm("cases.change_mediationcase", case),
            can_delete=user.has_perm("cases.delete_mediationcase", case),
            can_assign=user.has_perm("cases.assign_mediationcase", case),
            can_edit_parties=user.has_perm("cases.add_party", Party(case=case)),
            can_edit_agreement=user.has_perm(
                "cases.change_agreement" if agreement else "cases.add_agreement",
                agreement or Agreement(case=case),
            ),
            can_cite_evidence=may_cite_evidence(user, case),
            ownership_dispute=case.dispute_type in OWNERSHIP_DISPUTES,
            **sharing_views.case_sharing_context(user, case),
        )
        return context


# --- tabs loaded when opened -------------------------------------------------------------------


def _sessions_context(user, case: MediationCase) -> dict[str, Any]:
    return {
        "sessions": list(case.sessions.order_by("starts_at", "pk")),
        "can_schedule": user.has_perm("cases.add_mediationsession", MediationSession(case=case)),
    }


def _timeline_context(user, case: MediationCase) -> dict[str, Any]:
    if selectors.sees_summary_only(user, case):
        raise PermissionDenied  # a party's enterprise sees no timeline
    return {"events": list(case.events.select_related("actor").order_by("-created_at", "-pk"))}


# name → (title, context builder); the template is cases/panes/<name>.html
PANES: dict[str, tuple[Any, Callable[[Any, MediationCase], dict[str, Any]]]] = {
    "sessions": (_("Sessions"), _sessions_context),
    "court": (_("Court"), court_views.case_court_context),
    "evidence": (_("Evidence"), case_evidence_context),
    "timeline": (_("Timeline"), _timeline_context),
    "comments": (_("Comments"), sharing_views.case_comments_context),
}


class CasePaneView(View):
    """One tab of the case page: the pane alone for htmx, a page of its own otherwise."""

    def get(self, request: HttpRequest, pk: int, name: str) -> HttpResponse:
        if name not in PANES:
            raise Http404
        title, build = PANES[name]
        user = request.user
        case = get_object_or_404(_case_queryset(user), pk=pk)
        context = {
            "case": case,
            "pane": name,
            "pane_title": title,
            "summary_only": selectors.sees_summary_only(user, case),
            **build(user, case),
        }
        template = f"cases/panes/{name}.html"
        if not getattr(request, "htmx", False):
            context["pane_template"] = template
            template = "cases/case_pane_page.html"
        return render(request, template, context)


urlpatterns = [
    path("<int:pk>/", CaseDetailView.as_view(), name="case-detail"),
    path("<int:pk>/panes/<slug:name>/", CasePaneView.as_view(), name="case-pane"),
]
