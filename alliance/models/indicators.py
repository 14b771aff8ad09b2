"""City IP indicators (知识产权强市建设指标, issue 7 part 8): a catalogue of indicators and
their yearly values per region, entered by administrators with their source.

The catalogue is versioned reference data (``alliance/data/indicators.csv``, loaded by a data
migration and by the demo). Money is always in 亿元 (100 million yuan), the unit the
municipal press releases use, so values of different years and regions compare directly.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from alliance.models.directory import Region
from zhangzhou_ip.core.models import TimeStampedModel

#: Years a value may be recorded for (the 1978 reform onwards; nothing beyond 2100).
FIRST_YEAR = 1978
LAST_YEAR = 2100


class Indicator(models.Model):
    """One statistic of the city's IP work, e.g. "invention patents granted" (件)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    unit = models.CharField(_("unit"), max_length=20, help_text=_("e.g. 件, 家, 亿元"))
    unit_en = models.CharField(_("English unit"), max_length=40, blank=True)
    definition = models.TextField(_("definition"), blank=True)
    definition_en = models.TextField(_("English definition"), blank=True)
    decimal_places = models.PositiveSmallIntegerField(
        _("decimal places"),
        default=0,
        validators=[MaxValueValidator(4)],
        help_text=_("0 for counts; values may not have more decimals than this."),
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("IP indicator")
        verbose_name_plural = _("IP indicators")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decimal_places__lte=4), name="indicator_decimal_places_max_4"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the active language (the Chinese name is the official one)."""
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    @property
    def display_unit(self) -> str:
        if self.unit_en and (get_language() or "").startswith("en"):
            return self.unit_en
        return self.unit

    @property
    def display_definition(self) -> str:
        if self.definition_en and (get_language() or "").startswith("en"):
            return self.definition_en
        return self.definition

    def format_value(self, value: Decimal | None) -> str:
        """``value`` with thousands separators and this indicator's decimal places."""
        if value is None:
            return "—"
        return f"{value:,.{self.decimal_places}f}"


class IndicatorValue(TimeStampedModel):
    """The value of an indicator for one region and year, with where it was published."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="values"
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="indicator_values",
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)
    source = models.TextField(
        _("source of the figure"),
        help_text=_("Where the figure was published, e.g. a press conference."),
    )
    source_date = models.DateField(_("source date"), null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["region__code", "-year", "indicator__sort_order", "indicator__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "region", "year"], name="indicator_value_unique"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="indicator_value_not_negative"),
            models.CheckConstraint(
                condition=Q(year__gte=FIRST_YEAR, year__lte=LAST_YEAR),
                name="indicator_value_year_range",
            ),
        ]
        indexes = [models.Index(fields=["year", "region"])]
        permissions = [("import_indicatorvalue", _("Can import indicator values from CSV"))]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.region.name} · {self.year}"

    @property
    def display_value(self) -> str:
        return self.indicator.format_value(self.value)

    def clean(self) -> None:
        """A negative figure or more decimals than the indicator counts in is a typing
        mistake (e.g. 3.02 entered for a count of enterprises); say which."""
        errors: dict[str, list[ValidationError]] = {}
        if self.value is not None:
            if self.value < 0:
                errors.setdefault("value", []).append(
                    ValidationError(_("The value cannot be negative."), code="negative")
                )
            indicator = self.indicator if self.indicator_id else None
            if indicator is not None:
                places = indicator.decimal_places
                if self.value != round(Decimal(self.value), places):
                    errors.setdefault("value", []).append(
                        ValidationError(
                            _("%(indicator)s takes at most %(places)s decimal places."),
                            code="too_many_decimals",
                            params={"indicator": indicator.name, "places": places},
                        )
                    )
        if errors:
            raise ValidationError(errors)
