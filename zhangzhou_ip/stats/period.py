"""The statistics' scope: a period (year, quarter or custom dates) and an optional
organisation or region, parsed from the query string by one form for the page, the API, the
exports and the annual report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.core.validators import MaxValueValidator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from alliance import selectors as alliance_selectors
from alliance.models import Organization, Region

FIRST_YEAR = 2000
# A custom period longer than this is refused: the page is a report of a period, not of all
# time, and an unbounded range would scan every row for nothing.
MAX_PERIOD_DAYS = 366 * 10
ORGANIZATION_KINDS = (
    Organization.Kind.BUREAU,
    Organization.Kind.MEDIATION_COMMITTEE,
    Organization.Kind.PROTECTION_CENTER,
    Organization.Kind.SERVICE_POINT,
)


@dataclass(frozen=True)
class Scope:
    start: dt.date
    end: dt.date
    organization: Organization | None = None
    region: Region | None = None
    year: int | None = None
    quarter: int | None = None

    @property
    def label(self) -> str:
        if self.quarter:
            return gettext("%(year)s Q%(quarter)s") % {"year": self.year, "quarter": self.quarter}
        if self.year:
            return str(self.year)
        return f"{self.start.isoformat()} – {self.end.isoformat()}"

    @property
    def is_full_year(self) -> bool:
        return self.year is not None and self.quarter is None


def organization_choices(user) -> QuerySet[Organization]:
    """Bureaus, committees and service points the user can see in the directory."""
    return (
        alliance_selectors.organization_visible_to(user)
        .filter(kind__in=ORGANIZATION_KINDS)
        .select_related("region")
        .order_by("kind", "name")
    )


def region_choices(user) -> QuerySet[Region]:
    return alliance_selectors.region_visible_to(user).filter(level__in=["province", "city"])


class StatsScopeForm(forms.Form):
    """``year`` (+ ``quarter``) or ``start`` + ``end``; ``organization`` (id) and ``region``
    (code). Without a period: the current year."""

    year = forms.IntegerField(label=_("Year"), required=False, min_value=FIRST_YEAR)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Whole year")), (1, "Q1"), (2, "Q2"), (3, "Q3"), (4, "Q4")],
    )
    start = forms.DateField(
        label=_("Start date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("End date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    organization = forms.ModelChoiceField(
        label=_("Organisation"), required=False, queryset=Organization.objects.none()
    )
    region = forms.ModelChoiceField(
        label=_("Region"), required=False, queryset=Region.objects.none(), to_field_name="code"
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organization_choices(user)
        self.fields["region"].queryset = region_choices(user)
        last_year = timezone.localdate().year + 1
        self.fields["year"].validators.append(MaxValueValidator(last_year))
        self.fields["year"].widget.attrs["max"] = last_year

    def clean(self):
        cleaned = super().clean()
        year, quarter = cleaned.get("year"), cleaned.get("quarter")
        start, end = cleaned.get("start"), cleaned.get("end")
        if self.errors:
            return cleaned
        if start or end:
            if year or quarter:
                raise forms.ValidationError(
                    _("Choose either a year (and quarter) or a custom period, not both."),
                    code="both_periods",
                )
            if not (start and end):
                self.add_error(
                    "end" if start else "start",
                    _("A custom period needs both a start and an end date."),
                )
            elif start > end:
                self.add_error("end", _("The end of the period is before its start."))
            elif (end - start).days > MAX_PERIOD_DAYS:
                self.add_error("end", _("A custom period may span at most ten years."))
        elif quarter and not year:
            self.add_error("year", _("Choose the year of the quarter."))
        return cleaned

    def scope(self) -> Scope:
        """The scope of a valid form (call ``is_valid()`` first)."""
        data = self.cleaned_data
        organization, region = data.get("organization"), data.get("region")
        if data.get("start"):
            return Scope(data["start"], data["end"], organization, region)
        year = data.get("year") or timezone.localdate().year
        quarter = data.get("quarter")
        if quarter:
            start = dt.date(year, 3 * quarter - 2, 1)
            end = (
                dt.date(year, 12, 31)
                if quarter == 4
                else dt.date(year, 3 * quarter + 1, 1) - dt.timedelta(days=1)
            )
        else:
            start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        return Scope(start, end, organization, region, year=year, quarter=quarter)
