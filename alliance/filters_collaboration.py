"""The FilterSet of collaboration requests, shared by the inbox, the outbox, the overdue queue
and (when it wants) the API (STYLE rule 10). Choices come from the user's scope."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance import selectors
from alliance.filters import RegionFilter
from alliance.models import CollaborationRequest, Organization
from zhangzhou_ip.core.forms import YesNoAnySelect


def overdue_q(today: dt.date | None = None) -> Q:
    """Overdue: still open or accepted and the response due date has passed."""
    today = today or timezone.localdate()
    return Q(status__in=CollaborationRequest.ACTIVE_STATUSES, due_on__lt=today)


def _counterparts(request) -> QuerySet[Organization]:
    """Member organisations the user can see in the directory."""
    user = getattr(request, "user", None)
    if user is None:
        return Organization.objects.none()
    return (
        selectors.organization_visible_to(user)
        .filter(pk__in=selectors.member_organizations().values("pk"))
        .order_by("name")
    )


class CollaborationRequestFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", help_text=_("Subject"))
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=CollaborationRequest.Status.choices
    )
    kind = django_filters.MultipleChoiceFilter(
        label=_("Kind"), choices=CollaborationRequest.Kind.choices
    )
    counterpart = django_filters.ModelChoiceFilter(
        label=_("Counterpart"), queryset=_counterparts, method="filter_counterpart"
    )
    organization = django_filters.ModelChoiceFilter(
        label=_("Organisation (either side)"),
        queryset=_counterparts,
        method="filter_organization",
    )
    from_organization = django_filters.ModelChoiceFilter(label=_("Sent by"), queryset=_counterparts)
    to_organization = django_filters.ModelChoiceFilter(label=_("Sent to"), queryset=_counterparts)
    region = RegionFilter(
        paths=("from_organization__region", "to_organization__region"),
        label=_("Region (either side)"),
    )
    sent = django_filters.DateFromToRangeFilter(label=_("Sent between"), field_name="sent_on")
    overdue = django_filters.BooleanFilter(
        label=_("Overdue"), method="filter_overdue", widget=YesNoAnySelect
    )

    class Meta:
        model = CollaborationRequest
        fields = [
            "q", "status", "kind", "counterpart", "organization", "from_organization",
            "to_organization", "region", "sent", "overdue",
        ]  # fmt: skip

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(subject__icontains=value) if value else queryset

    def filter_counterpart(self, queryset: QuerySet, name: str, value: Organization | None):
        """The other side is ``value``: requests between it and one of the user's
        organisations (for a superuser, who acts for no side: any request it is part of)."""
        if value is None:
            return queryset
        user = getattr(self.request, "user", None)
        own = selectors.organization_ids_of(user) if user is not None else set()
        if not own:
            return queryset.filter(Q(from_organization=value) | Q(to_organization=value))
        return queryset.filter(
            Q(from_organization=value, to_organization__in=own)
            | Q(to_organization=value, from_organization__in=own)
        )

    def filter_organization(self, queryset: QuerySet, name: str, value: Organization | None):
        """Requests sent or received by ``value`` (the statistics' organisation filter)."""
        if value is None:
            return queryset
        return queryset.filter(Q(from_organization=value) | Q(to_organization=value))

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())
