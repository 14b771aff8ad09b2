"""City IP indicators API (issue 7 part 8), read-only: ``/api/v1/indicators/`` (the
catalogue, looked up by code) and ``/api/v1/indicator-values/`` (filter by year, region code
and indicator code). Every alliance member may read; values are entered through the web form,
the admin or the CSV import."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from alliance import indicators, selectors
from alliance.filters_indicators import IndicatorValueFilterSet
from alliance.models import Indicator, IndicatorValue


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "name_en",
            "unit",
            "unit_en",
            "definition",
            "definition_en",
            "decimal_places",
            "sort_order",
            "is_active",
        ]
        read_only_fields = fields


class IndicatorValueSerializer(serializers.ModelSerializer):
    indicator = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    unit = serializers.CharField(source="indicator.unit", read_only=True)
    value = serializers.DecimalField(max_digits=18, decimal_places=4, read_only=True)
    previous_value = serializers.DecimalField(
        max_digits=18,
        decimal_places=4,
        read_only=True,
        allow_null=True,
        help_text=_("The same indicator and region one year earlier; null when not recorded."),
    )
    change_percent = serializers.SerializerMethodField(
        help_text=_(
            "Change on the previous year in per cent (one decimal); null without a previous "
            "value or when it was zero."
        )
    )

    class Meta:
        model = IndicatorValue
        fields = [
            "id",
            "indicator",
            "region",
            "region_name",
            "year",
            "value",
            "unit",
            "previous_value",
            "change_percent",
            "source",
            "source_date",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_change_percent(self, obj: IndicatorValue) -> Decimal | None:
        _change, percent = indicators.year_on_year(obj.value, getattr(obj, "previous_value", None))
        return percent


@extend_schema_view(
    list=extend_schema(summary="List the city IP indicators (catalogue)"),
    retrieve=extend_schema(summary="Retrieve an indicator by its code"),
)
class IndicatorViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Indicator.objects.none()
    serializer_class = IndicatorSerializer
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    filterset_class = None
    ordering_fields = ["sort_order", "code"]
    ordering = ["sort_order", "code"]

    def get_queryset(self):
        return selectors.indicator_visible_to(self.request.user)


@extend_schema_view(
    list=extend_schema(summary="List indicator values (filter by year, region, indicator)"),
    retrieve=extend_schema(summary="Retrieve an indicator value"),
)
class IndicatorValueViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = IndicatorValue.objects.none()
    serializer_class = IndicatorValueSerializer
    filterset_class = IndicatorValueFilterSet
    ordering_fields = ["year", "value", "created_at"]
    ordering = ["region__code", "-year", "indicator__sort_order", "indicator__code"]

    def get_queryset(self):
        return selectors.indicator_values_with_previous(
            selectors.indicator_value_visible_to(self.request.user)
        )
