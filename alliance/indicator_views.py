"""City IP indicator pages (issue 7 part 8): the values by year and region with the change
on the previous year, a form for one value, and the CSV import.

Thin: lists start from ``selectors.indicator_value_visible_to`` (alliance members), writes go
through ``alliance.indicators`` (which checks ``rules.py``)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from alliance import indicators, selectors
from alliance.filters_indicators import IndicatorValueFilterSet
from alliance.forms_indicators import IndicatorImportForm, IndicatorValueForm
from alliance.models import Indicator, IndicatorValue
from zhangzhou_ip.core.exports import Value
from zhangzhou_ip.core.uploads import upload_limit
from zhangzhou_ip.core.views import ExportMixin, FilteredListView


def _add_errors(form: BaseForm, exc: ValidationError) -> None:
    """A service's error as form errors: on the field it names, else on the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _figure(indicator: Indicator, value: Decimal | None) -> Value:
    """A figure as a number cell with the indicator's precision: whole numbers for counts.
    (The CSV writer gives every decimal two places, so a figure with more keeps them as
    text.)"""
    if value is None:
        return None
    places = indicator.decimal_places
    if places == 0:
        return int(value)
    figure = value.quantize(Decimal(1).scaleb(-places))
    return figure if places <= 2 else str(figure)


class IndicatorValueListView(ExportMixin, FilteredListView):
    template_name = "alliance/indicators/value_list.html"
    filterset_class = IndicatorValueFilterSet
    sort_fields = {
        "year": ("-year", "region__code", "indicator__sort_order", "indicator__code"),
        "region": ("region__code", "-year", "indicator__sort_order", "indicator__code"),
        "indicator": ("indicator__sort_order", "indicator__code", "region__code", "-year"),
    }
    default_sort = "region"
    paginate_by = 50
    page_size_options = (50, 100)
    export_stem = "indicators"
    export_title = gettext_lazy("City IP indicators")
    export_columns = [
        (gettext_lazy("Year"), "year"),
        (gettext_lazy("Region code"), "region.code"),
        (gettext_lazy("Region"), "region.name"),
        (gettext_lazy("Indicator"), "indicator.display_name"),
        (gettext_lazy("Value"), lambda v: _figure(v.indicator, v.value)),
        (gettext_lazy("Unit"), "indicator.display_unit"),
        (gettext_lazy("Previous year"), lambda v: _figure(v.indicator, v.previous_value)),
        (gettext_lazy("Year on year"), lambda v: _figure(v.indicator, v.change)),
        (gettext_lazy("Change (%)"), "change_pct"),
        (gettext_lazy("Source of the figure"), "source"),
        (gettext_lazy("Source date"), "source_date"),
    ]

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.has_perm("alliance.view_indicatorvalue"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self) -> QuerySet[IndicatorValue]:
        return selectors.indicator_values_with_previous(
            selectors.indicator_value_visible_to(self.request.user)
        )

    def export_row(self, row: IndicatorValue) -> list[Value]:
        row.change, row.change_pct = indicators.year_on_year(row.value, row.previous_value)
        return super().export_row(row)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        writable = selectors.indicator_region_ids_writable_by(user)
        for row in context["object_list"]:
            row.change, row.change_pct = indicators.year_on_year(row.value, row.previous_value)
            row.display_previous = row.indicator.format_value(row.previous_value)
            row.display_change = (
                f"{row.change:+,.{row.indicator.decimal_places}f}" if row.change is not None else ""
            )
            row.can_edit = user.is_superuser or row.region_id in writable
        context["years"] = list(
            selectors.indicator_value_visible_to(user)
            .order_by("-year")
            .values_list("year", flat=True)
            .distinct()
        )
        context["can_add"] = user.has_perm("alliance.add_indicatorvalue")
        context["can_import"] = user.has_perm("alliance.import_indicatorvalue")
        return context


class _ValueFormView(FormView):
    template_name = "alliance/indicators/value_form.html"
    form_class = IndicatorValueForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def call_service(self, form: IndicatorValueForm) -> IndicatorValue:
        raise NotImplementedError

    def form_valid(self, form: IndicatorValueForm) -> HttpResponse:
        try:
            obj = self.call_service(form)
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        query = f"?year={obj.year}&region={obj.region.code}"
        return redirect(reverse("alliance:indicator-list") + query)


class IndicatorValueCreateView(_ValueFormView):
    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.has_perm("alliance.add_indicatorvalue"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        initial = {}
        writable = selectors.indicator_region_ids_writable_by(self.request.user)
        if len(writable) == 1:
            initial["region"] = next(iter(writable))
        year = self.request.GET.get("year", "")
        if year.isdigit():
            initial["year"] = int(year)
        return initial

    def call_service(self, form: IndicatorValueForm) -> IndicatorValue:
        return indicators.indicator_value_create(actor=self.request.user, **form.cleaned_data)


class IndicatorValueUpdateView(_ValueFormView):
    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.object = get_object_or_404(
            selectors.indicator_value_visible_to(request.user), pk=kwargs["pk"]
        )
        if not request.user.has_perm("alliance.change_indicatorvalue", self.object):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.object
        return kwargs

    def call_service(self, form: IndicatorValueForm) -> IndicatorValue:
        changed = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in indicators.EDITABLE_FIELDS
        }
        return indicators.indicator_value_update(
            actor=self.request.user, indicator_value=self.object, **changed
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["indicator_value"] = self.object
        return context


@upload_limit("INDICATOR_IMPORT_MAX_BYTES")
class IndicatorImportView(FormView):
    template_name = "alliance/indicators/import.html"
    form_class = IndicatorImportForm

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.has_perm("alliance.import_indicatorvalue"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: IndicatorImportForm) -> HttpResponse:
        try:
            result = indicators.import_indicator_values(
                form.cleaned_data["file"], actor=self.request.user
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _(
                "Imported %(total)s rows: %(created)s new, %(updated)s updated, "
                "%(unchanged)s unchanged."
            )
            % {
                "total": result.total,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
        )
        return redirect("alliance:indicator-list")


urlpatterns = [
    path("indicators/", IndicatorValueListView.as_view(), name="indicator-list"),
    path(
        "indicators/values/new/",
        IndicatorValueCreateView.as_view(),
        name="indicator-value-create",
    ),
    path(
        "indicators/values/<int:pk>/edit/",
        IndicatorValueUpdateView.as_view(),
        name="indicator-value-edit",
    ),
    path("indicators/import/", IndicatorImportView.as_view(), name="indicator-import"),
]
