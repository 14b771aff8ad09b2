"""The one filter definition of the evidence list page, its exports and
``/api/v1/evidence-records/``; and of retrieval requests. Choices come from the user's scope."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from alliance.filters import RegionFilter
from alliance.models import Organization
from evidence.models import Category, EvidenceRecord, RetrievalRequest
from evidence.selectors import evidence_visible_to, retrieval_visible_to
from zhangzhou_ip.core.forms import YesNoAnySelect
from zhangzhou_ip.core.search import contains_any


def _depositors(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(
        pk__in=evidence_visible_to(user).order_by().values("depositor")
    ).order_by("name")


def _points(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(
        pk__in=evidence_visible_to(user).order_by().values("service_point")
    ).order_by("name")


class LocalDateFilter(django_filters.DateFilter):
    """A date in Beijing time against a timestamp column, as a half-open range of aware
    datetimes: ``from`` = at or after that day's midnight, ``until`` = before the next day's.
    Same rows as ``__date__gte/lte``, but the database can use the column's index (a
    ``::date`` cast or SQLite's per-row function cannot)."""

    def __init__(self, *, bound: str, **kwargs) -> None:
        self.bound = bound
        super().__init__(**kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        day = value if self.bound == "from" else value + dt.timedelta(days=1)
        midnight = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        lookup = "gte" if self.bound == "from" else "lt"
        return qs.filter(**{f"{self.field_name}__{lookup}": midnight})


class EvidenceRecordFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        help_text=_("Record number, title, file name, URL or SHA-256"),
    )
    kind = django_filters.MultipleChoiceFilter(label=_("Kind"), choices=EvidenceRecord.Kind.choices)
    category = django_filters.MultipleChoiceFilter(label=_("Category"), choices=Category.choices)
    depositor = django_filters.ModelChoiceFilter(label=_("Depositor"), queryset=_depositors)
    service_point = django_filters.ModelChoiceFilter(label=_("Service point"), queryset=_points)
    region = RegionFilter(paths=("depositor__region",), label=_("Region (depositor)"))
    deposited_after = LocalDateFilter(
        label=_("Deposited from"), field_name="deposited_at", bound="from"
    )
    deposited_before = LocalDateFilter(
        label=_("Deposited until"), field_name="deposited_at", bound="until"
    )
    sha256 = django_filters.CharFilter(label=_("SHA-256"), method="filter_sha256")
    withdrawn = django_filters.BooleanFilter(
        label=_("Withdrawn"), method="filter_withdrawn", widget=YesNoAnySelect
    )

    class Meta:
        model = EvidenceRecord
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # number, title, file name or URL (EvidenceRecord.search_bigram_fields); a
        # two-character Chinese term reads the stored bigrams (zhangzhou_ip.core.search)
        query = contains_any(queryset, value)
        if len(value) >= 8 and set(value.lower()) <= set("0123456789abcdef"):
            query |= Q(blob__sha256__startswith=value.lower())
        return queryset.filter(query)

    def filter_sha256(self, queryset, name, value):
        value = value.strip().lower()
        return queryset.filter(blob_id=value) if value else queryset

    def filter_withdrawn(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(withdrawal__isnull=not value)


class RetrievalRequestFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="filter_q", help_text=_("Subject, details or URL")
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=RetrievalRequest.Status.choices
    )
    kind = django_filters.MultipleChoiceFilter(
        label=_("Kind"), choices=RetrievalRequest.Kind.choices
    )
    enterprise = django_filters.ModelChoiceFilter(
        label=_("Enterprise"), queryset=lambda request: _request_orgs(request, "enterprise")
    )
    service_point = django_filters.ModelChoiceFilter(
        label=_("Service point"), queryset=lambda request: _request_orgs(request, "service_point")
    )
    region = RegionFilter(paths=("enterprise__region",), label=_("Region (enterprise)"))
    requested_after = LocalDateFilter(
        label=_("Requested from"), field_name="created_at", bound="from"
    )
    requested_before = LocalDateFilter(
        label=_("Requested until"), field_name="created_at", bound="until"
    )

    class Meta:
        model = RetrievalRequest
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(subject__icontains=value)
            | Q(details__icontains=value)
            | Q(target_url__icontains=value)
        )


def _request_orgs(request, field: str):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(
        pk__in=retrieval_visible_to(user).order_by().values(field)
    ).order_by("name")
