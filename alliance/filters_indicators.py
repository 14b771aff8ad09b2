"""The FilterSet of the indicator values, shared by the list page and the API (STYLE rule 10).
Regions and indicators are chosen by their codes, the same codes the CSV import uses."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from alliance import selectors
from alliance.models import Indicator, IndicatorValue, Region
from alliance.models.indicators import FIRST_YEAR, LAST_YEAR


def _regions(request) -> QuerySet[Region]:
    """Provinces and cities, plus any other region that has values (e.g. a county)."""
    user = getattr(request, "user", None)
    if user is None:
        return Region.objects.none()
    return (
        selectors.region_visible_to(user)
        .filter(Q(level__in=["province", "city"]) | Q(indicator_values__isnull=False))
        .distinct()
    )


def _indicators(request) -> QuerySet[Indicator]:
    user = getattr(request, "user", None)
    if user is None:
        return Indicator.objects.none()
    return selectors.indicator_visible_to(user)


class IndicatorValueFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    region = django_filters.ModelChoiceFilter(
        label=_("Region"), queryset=_regions, to_field_name="code"
    )
    indicator = django_filters.ModelChoiceFilter(
        label=_("Indicator"), queryset=_indicators, to_field_name="code"
    )

    class Meta:
        model = IndicatorValue
        fields = ["year", "region", "indicator"]
