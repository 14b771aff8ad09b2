"""The court liaison desk: what is before the user's courts, overdue first."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from cases import selectors
from cases.models import (
    CourtReferral,
)
from cases.views.court.common import (
    CStatus,
    annotate_confirmation_clocks,
    annotate_referral_clocks,
)

# --- the court liaison desk ---------------------------------------------------------------------


DESK_PAGE_SIZE = 25


def _querystring(params: QueryDict, **changes: Any) -> str:
    query = params.copy()
    for key, value in changes.items():
        query[key] = value
    return "?" + query.urlencode()


def _page(
    request: HttpRequest, queryset: QuerySet, param: str, count: int
) -> tuple[Page, dict[str, str]]:
    """A page of ``queryset`` whose row count is already known (no COUNT query)."""
    paginator = Paginator(queryset, DESK_PAGE_SIZE)
    paginator.count = count  # a cached property: set from the counts the desk shows anyway
    page = paginator.get_page(request.GET.get(param))
    links = {}
    if page.has_previous():
        links["previous"] = _querystring(request.GET, **{param: page.previous_page_number()})
    if page.has_next():
        links["next"] = _querystring(request.GET, **{param: page.next_page_number()})
    return page, links


def _status_rows(choices, counts: dict[str, int]) -> list[tuple[str, str, int]]:
    return [(value, label, counts.get(value, 0)) for value, label in choices]


class CourtDeskView(View):
    """For members of courts: the confirmations and referrals at their courts, nothing else —
    overdue first (acceptance or decision clock passed; a mediation term passed), filtered by
    status, paginated. A user without a court membership gets an explanation (200)."""

    template_name = "cases/court/desk.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        courts = selectors.court_ids_of(user)
        if not courts:
            return render(request, self.template_name, {"no_court": True})
        today = timezone.localdate()
        confirmation_overdue = Q(status=CStatus.FILED, acceptance_due__lt=today) | Q(
            status=CStatus.ACCEPTED, decision_due__lt=today
        )
        referral_overdue = Q(status=CourtReferral.Status.OPEN, term_ends_on__lt=today)

        confirmations = selectors.confirmation_visible_to(user).filter(court__in=courts)
        c_counts = confirmations.aggregate(
            total=Count("pk"),
            overdue=Count("pk", filter=confirmation_overdue),
            **{s: Count("pk", filter=Q(status=s)) for s in CStatus.values},
        )
        referrals = selectors.referral_visible_to(user).filter(court__in=courts)
        r_counts = referrals.aggregate(
            total=Count("pk"),
            overdue=Count("pk", filter=referral_overdue),
            **{s: Count("pk", filter=Q(status=s)) for s in CourtReferral.Status.values},
        )

        c_status = request.GET.get("c_status", "")
        if c_status in CStatus.values:
            confirmations = confirmations.filter(status=c_status)
        else:
            c_status = ""
        r_status = request.GET.get("r_status", "")
        if r_status in CourtReferral.Status.values:
            referrals = referrals.filter(status=r_status)
        else:
            r_status = ""

        confirmations = (
            confirmations.select_related("court", "case__handling_organization")
            .annotate(
                is_overdue=Case(
                    When(confirmation_overdue, then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            )
            .order_by("-is_overdue", "-filed_on", "-created_at", "-pk")
        )
        referrals = (
            referrals.select_related("court", "case__handling_organization")
            .annotate(
                is_overdue=Case(
                    When(referral_overdue, then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            )
            .order_by("-is_overdue", "term_ends_on", "-referred_on", "-pk")
        )
        c_page, c_links = _page(
            request, confirmations, "c_page", c_counts[c_status] if c_status else c_counts["total"]
        )
        r_page, r_links = _page(
            request, referrals, "r_page", r_counts[r_status] if r_status else r_counts["total"]
        )
        for c in c_page:
            annotate_confirmation_clocks(c, today)
        for r in r_page:
            annotate_referral_clocks(r, today)
        context = {
            "no_court": False,
            "c_page": c_page,
            "c_links": c_links,
            "c_counts": c_counts,
            "c_status": c_status,
            "c_statuses": _status_rows(CStatus.choices, c_counts),
            "r_page": r_page,
            "r_links": r_links,
            "r_counts": r_counts,
            "r_status": r_status,
            "r_statuses": _status_rows(CourtReferral.Status.choices, r_counts),
            "today": today,
        }
        return render(request, self.template_name, context)
