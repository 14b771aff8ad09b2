"""``ProtectionActionFilterSet``: the one filter definition of the protection-action list, its
exports and ``/api/v1/protection-actions/`` (STYLE rule 10). Choices come from the user's
scope, and an inverted date range is a form error rather than an empty list."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from alliance.filters import RegionFilter
from alliance.models import Organization
from alliance.validators import normalize_uscc
from cases.models import ProtectionAction
from zhangzhou_ip.core.forms import YesNoAnySelect


def _visible(request) -> QuerySet[ProtectionAction]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ProtectionAction.objects.none()
    from cases.protection import protection_action_visible_to

    return protection_action_visible_to(user).order_by()


def _enterprises(request) -> QuerySet[Organization]:
    return Organization.objects.filter(pk__in=_visible(request).values("enterprise")).order_by(
        "name"
    )


def _helpers(request) -> QuerySet[Organization]:
    return Organization.objects.filter(
        pk__in=_visible(request).filter(handled_by__isnull=False).values("handled_by")
    ).order_by("name")


class ProtectionActionFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        started = cleaned.get("started")
        if started and started.start and started.stop and started.start > started.stop:
            self.add_error("started", _("The start of the period is after its end."))
        return cleaned


class ProtectionActionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        help_text=_("Title, counterparty, enterprise name or USCC"),
    )
    kind = django_filters.MultipleChoiceFilter(
        label=_("Kind of action"), choices=ProtectionAction.Kind.choices
    )
    outcome = django_filters.MultipleChoiceFilter(
        label=_("Outcome"), choices=ProtectionAction.Outcome.choices
    )
    enterprise = django_filters.ModelChoiceFilter(label=_("Enterprise"), queryset=_enterprises)
    handled_by = django_filters.ModelChoiceFilter(label=_("Helped by"), queryset=_helpers)
    region = RegionFilter(paths=("enterprise__region",), label=_("Region (enterprise)"))
    year = django_filters.NumberFilter(
        label=_("Year started"), field_name="started_on", lookup_expr="year", min_value=1900
    )
    started = django_filters.DateFromToRangeFilter(
        label=_("Started between"), field_name="started_on"
    )
    concluded = django_filters.BooleanFilter(
        label=_("Concluded"), method="filter_concluded", widget=YesNoAnySelect
    )
    has_case = django_filters.BooleanFilter(
        label=_("Linked to a mediation case"), method="filter_has_case", widget=YesNoAnySelect
    )

    class Meta:
        model = ProtectionAction
        form = ProtectionActionFilterForm
        fields = [
            "q", "kind", "outcome", "enterprise", "handled_by", "region", "year", "started",
            "concluded", "has_case",
        ]  # fmt: skip

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(counterparty__icontains=value)
            | Q(enterprise__name__icontains=value)
            | Q(enterprise__short_name__icontains=value)
            | Q(enterprise__uscc__startswith=normalize_uscc(value))
        )

    def filter_concluded(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(concluded_on__isnull=not value)

    def filter_has_case(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(case__isnull=not value)
