"""Admin of the city IP indicators (issue 7 part 8), imported at the end of
``alliance/admin.py``. Permissions come from ``rules.py``: the catalogue is for superusers,
values for superusers and the admins of a bureau for its own region (the region choices are
limited to those), and every saved value records who entered it."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from alliance import selectors
from alliance.admin import ScopedAdmin
from alliance.models import Indicator, IndicatorValue, Region


@admin.register(Indicator)
class IndicatorAdmin(ScopedAdmin):
    list_display = ["code", "name", "name_en", "unit", "decimal_places", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    list_filter = ["is_active", "unit"]
    search_fields = ["code", "name", "name_en"]
    ordering = ["sort_order", "code"]
    fieldsets = [
        (None, {"fields": ["code", "name", "name_en", "unit", "unit_en", "decimal_places"]}),
        (_("Definition"), {"fields": ["definition", "definition_en"]}),
        (_("Display"), {"fields": ["sort_order", "is_active"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # The code is how imports and the API name an indicator: fixed once created.
        return ["code"] if obj is not None else []


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ScopedAdmin):
    selector = selectors.indicator_value_visible_to
    list_display = ["indicator", "region", "year", "display_value", "source_date", "entered_by"]
    list_filter = [
        "year",
        ("region", admin.RelatedOnlyFieldListFilter),
        ("indicator", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["indicator__code", "indicator__name", "region__name", "region__code"]
    list_select_related = ["indicator", "region", "entered_by"]
    autocomplete_fields = ["region"]
    readonly_fields = ["entered_by", "created_at", "updated_at"]
    fields = [
        "indicator",
        "region",
        "year",
        "value",
        "source",
        "source_date",
        "entered_by",
        "created_at",
        "updated_at",
    ]
    ordering = ["region__code", "-year", "indicator__sort_order"]

    @admin.display(description=_("value"), ordering="value")
    def display_value(self, obj: IndicatorValue) -> str:
        return obj.display_value

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "region" and not request.user.is_superuser:
            kwargs["queryset"] = Region.objects.filter(
                pk__in=selectors.indicator_region_ids_writable_by(request.user)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        obj.entered_by = request.user
        super().save_model(request, obj, form, change)
