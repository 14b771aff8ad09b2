"""FilterSets of judicial confirmations and court referrals: one definition for the pages and
``/api/v1/judicial-confirmations/`` / ``/api/v1/court-referrals/`` (STYLE rule 10). The court
dropdowns offer only the courts of the items the user may see."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.filters import RegionFilter
from alliance.models import Organization
from cases.models import CourtReferral, JudicialConfirmation
from zhangzhou_ip.core.forms import YesNoAnySelect

CStatus = JudicialConfirmation.Status


def _courts_of(request, selector_name: str) -> QuerySet[Organization]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Organization.objects.none()
    from cases import selectors

    items = getattr(selectors, selector_name)(user).order_by().values("court")
    return Organization.objects.filter(kind=Organization.Kind.COURT, pk__in=items).order_by(
        "court_code"
    )


def _confirmation_courts(request) -> QuerySet[Organization]:
    return _courts_of(request, "confirmation_visible_to")


def _referral_courts(request) -> QuerySet[Organization]:
    return _courts_of(request, "referral_visible_to")


def _handling_organizations(request) -> QuerySet[Organization]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Organization.objects.none()
    from cases.selectors import case_visible_to

    return Organization.objects.filter(
        pk__in=case_visible_to(user).order_by().values("handling_organization")
    ).order_by("name")


def confirmation_overdue_q(today) -> Q:
    """The court has not acted in time: not accepted by ``acceptance_due`` (3 days, 法释〔2011〕5号
    art. 4) or not decided by ``decision_due`` (15 + 10 days, art. 5)."""
    return Q(status=CStatus.FILED, acceptance_due__lt=today) | Q(
        status=CStatus.ACCEPTED, decision_due__lt=today
    )


def referral_overdue_q(today) -> Q:
    """A court's referral still open after its mediation term (DOMAIN §4.2)."""
    return Q(
        direction=CourtReferral.Direction.INBOUND,
        status=CourtReferral.Status.OPEN,
        term_ends_on__lt=today,
    )


def _search(queryset: QuerySet, value: str, number_field: str) -> QuerySet:
    value = (value or "").strip()
    if not value:
        return queryset
    return queryset.filter(
        Q(case__number__icontains=value)
        | Q(case__title__icontains=value)
        | Q(**{f"{number_field}__icontains": value})
    )


def _overdue(queryset: QuerySet, value: bool | None, q: Q) -> QuerySet:
    if value is None:
        return queryset
    return queryset.filter(q) if value else queryset.exclude(q)


class JudicialConfirmationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        help_text=_("Case number, case title or court case number"),
    )
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=CStatus.choices)
    court = django_filters.ModelChoiceFilter(label=_("Court"), queryset=_confirmation_courts)
    handling_organization = django_filters.ModelChoiceFilter(
        label=_("Handling organisation"),
        queryset=_handling_organizations,
        field_name="case__handling_organization",
    )
    region = RegionFilter(
        paths=("case__handling_organization__region",), label=_("Region (handling)")
    )
    is_remote = django_filters.BooleanFilter(label=_("Remote (异地)"), widget=YesNoAnySelect)
    basis = django_filters.ChoiceFilter(
        label=_("Legal basis"), choices=JudicialConfirmation.Basis.choices
    )
    filed = django_filters.DateFromToRangeFilter(label=_("Filed between"), field_name="filed_on")
    accepted = django_filters.DateFromToRangeFilter(
        label=_("Accepted between"), field_name="accepted_on"
    )
    ruling = django_filters.DateFromToRangeFilter(label=_("Ruling between"), field_name="ruling_on")
    overdue = django_filters.BooleanFilter(
        label=_("Court overdue"),
        method="filter_overdue",
        widget=YesNoAnySelect,
        help_text=_("Filed and not accepted in time, or accepted and not decided in time"),
    )

    class Meta:
        model = JudicialConfirmation
        fields = [
            "q", "status", "court", "handling_organization", "region", "is_remote", "basis",
            "filed", "accepted", "ruling", "overdue",
        ]  # fmt: skip

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _search(queryset, value, "court_case_number")

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return _overdue(queryset, value, confirmation_overdue_q(timezone.localdate()))


class CourtReferralFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        help_text=_("Case number, case title or court reference number"),
    )
    direction = django_filters.ChoiceFilter(
        label=_("Direction"), choices=CourtReferral.Direction.choices
    )
    kind = django_filters.MultipleChoiceFilter(label=_("Kind"), choices=CourtReferral.Kind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CourtReferral.Status.choices)
    court = django_filters.ModelChoiceFilter(label=_("Court"), queryset=_referral_courts)
    handling_organization = django_filters.ModelChoiceFilter(
        label=_("Handling organisation"),
        queryset=_handling_organizations,
        field_name="case__handling_organization",
    )
    region = RegionFilter(
        paths=("case__handling_organization__region",), label=_("Region (handling)")
    )
    referred = django_filters.DateFromToRangeFilter(
        label=_("Referred between"), field_name="referred_on"
    )
    overdue = django_filters.BooleanFilter(
        label=_("Term ended"),
        method="filter_overdue",
        widget=YesNoAnySelect,
        help_text=_("A court's referral still open after its mediation term"),
    )

    class Meta:
        model = CourtReferral
        fields = [
            "q", "direction", "kind", "status", "court", "handling_organization", "region",
            "referred", "overdue",
        ]  # fmt: skip

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _search(queryset, value, "court_reference")

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return _overdue(queryset, value, referral_overdue_q(timezone.localdate()))
