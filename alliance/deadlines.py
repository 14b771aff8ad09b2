"""Statutory periods (期间) under CPL art. 85 — DOMAIN §2.

Rules implemented (DOMAIN §2 "Operational rules"):

1. The start day is not counted: a period of N days ends on ``start + N days``.
2. Holidays *inside* the period are not deducted; only the last day is tested.
3. If the last day is a rest day (a statutory holiday 法定休假日, or a Saturday/Sunday that is not
   an official make-up working day 调休上班), the period ends on the next day that is not a rest
   day. Make-up working days count as working days (project policy, DOMAIN §2 rule 3).
4. A period of N months ends on the same day-of-month N months later, or on the last day of that
   month if it has no such day (Jan 31 + 1 month → Feb 28/29); then rule 3 applies.

Holiday calendar: the ``chinesecalendar`` package (covers 2004–2026 in 1.11.0), overridden by the
admin-editable ``HolidayYear`` / ``HolidayDate`` tables:

* an explicit ``HolidayDate`` row decides its date (``holiday`` → rest day, ``workday`` → working
  day), whichever ``HolidayYear`` it belongs to — State Council notices sometimes fix a make-up day
  in the previous December (e.g. 2011-12-31 in the 2012 notice);
* if a ``HolidayYear`` row exists for a date's year, the database is authoritative for that year:
  any date without a ``HolidayDate`` row is a rest day exactly when it is a Saturday or Sunday;
* otherwise the package decides; if it has no data for the year, :class:`CalendarUnavailable`.

Callers should store the calendar source with every computed deadline (DOMAIN §2 rule 3):
:func:`statutory_period` returns it alongside the date; :func:`calendar_source` gives it per year.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import importlib.metadata
from collections.abc import Iterable
from dataclasses import dataclass, field

import chinese_calendar
from django.utils.translation import gettext_lazy as _

__all__ = [
    "CalendarUnavailable",
    "StatutoryPeriod",
    "calendar_source",
    "is_rest_day",
    "package_years",
    "statutory_period",
    "statutory_period_end",
    "statutory_period_ends",
]

_PACKAGE_NAME = "chinesecalendar"
_HOLIDAY = "holiday"  # HolidayDate.Kind.HOLIDAY
_WORKDAY = "workday"  # HolidayDate.Kind.WORKDAY


def _package_version() -> str:
    try:
        return importlib.metadata.version(_PACKAGE_NAME)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - installed by pyproject
        return "unknown version"


@functools.cache
def package_years() -> tuple[int, int]:
    """Return the first and last year the installed ``chinesecalendar`` package has data for."""
    years = {d.year for d in chinese_calendar.holidays} | {
        d.year for d in chinese_calendar.workdays
    }
    return min(years), max(years)


class CalendarUnavailable(Exception):
    """No official holiday schedule is known for a year that a computation needs.

    ``year`` is the missing year; ``message`` (also ``str(exc)``) is a translatable explanation
    that tells the user to enter the year in the admin (Holiday years).
    """

    _template = _(
        "No official holiday calendar for %(year)s: the chinesecalendar package covers "
        "%(first)s–%(last)s and no override for %(year)s has been entered in the admin "
        "(Holiday years)."
    )

    def __init__(self, year: int) -> None:
        first, last = package_years()
        self.year = year
        self.params = {"year": year, "first": first, "last": last}
        super().__init__(year)

    @property
    def message(self) -> str:
        """The explanation, translated into the active language when read."""
        return str(self._template) % self.params

    def __str__(self) -> str:
        return self.message


@dataclass
class _YearData:
    db_source: str | None  # HolidayYear.source when the DB is authoritative for the year
    overrides: dict[dt.date, str]  # HolidayDate rows whose date falls in the year
    override_sources: set[str] = field(default_factory=set)


class _Calendar:
    """Rest-day oracle with a per-instance cache: one database query per year looked at."""

    def __init__(self) -> None:
        self._years: dict[int, _YearData] = {}

    def _year(self, year: int) -> _YearData:
        if year not in self._years:
            self._years[year] = self._load(year)
        return self._years[year]

    @staticmethod
    def _load(year: int) -> _YearData:
        from django.db.models import CharField, DateField, F, Value

        from alliance.models import HolidayDate, HolidayYear

        # One query: the HolidayYear row for ``year`` (date = NULL) UNION ALL the HolidayDate rows
        # dated in ``year`` (with the source of the schedule they belong to).
        year_rows = (
            HolidayYear.objects.filter(year=year)
            .annotate(
                d=Value(None, output_field=DateField()),
                k=Value("", output_field=CharField()),
                src=F("source"),
            )
            .values_list("d", "k", "src")
            .order_by()
        )
        date_rows = (
            HolidayDate.objects.filter(date__year=year)
            .annotate(d=F("date"), k=F("kind"), src=F("year__source"))
            .values_list("d", "k", "src")
            .order_by()  # a Meta.ordering would break UNION on SQLite
        )
        data = _YearData(db_source=None, overrides={})
        for date, kind, source in year_rows.union(date_rows, all=True):
            if date is None:
                data.db_source = source
            else:
                data.overrides[date] = kind
                data.override_sources.add(source)
        return data

    def is_rest_day(self, day: dt.date) -> bool:
        data = self._year(day.year)
        kind = data.overrides.get(day)
        if kind is not None:
            return kind == _HOLIDAY
        if data.db_source is not None:
            return day.weekday() >= 5
        try:
            return chinese_calendar.is_holiday(day)
        except NotImplementedError:
            raise CalendarUnavailable(day.year) from None

    def source(self, year: int) -> str:
        data = self._year(year)
        if data.db_source is not None:
            return data.db_source
        overrides = sorted(data.override_sources)
        first, last = package_years()
        if first <= year <= last:
            return " + ".join([f"{_PACKAGE_NAME} {_package_version()}", *overrides])
        if overrides:  # only single dates of the year are known, from an adjacent schedule
            return " + ".join(overrides)
        raise CalendarUnavailable(year)


def _check_date(value: object, name: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(
            f"{name} must be a datetime.date, not {type(value).__name__}; convert datetimes with "
            "django.utils.timezone.localdate() first"
        )
    return value


def is_rest_day(d: dt.date) -> bool:
    """Return True if ``d`` is a rest day: a statutory holiday, or a weekend day that is not an
    official make-up working day (DOMAIN §2 rule 3; sources as described in the module docstring).

    Raises :class:`CalendarUnavailable` if neither the database nor the package knows ``d.year``.
    """
    return _Calendar().is_rest_day(_check_date(d, "d"))


def calendar_source(year: int) -> str:
    """Return the holiday-calendar source used for ``year``, to be stored with a deadline.

    The ``HolidayYear.source`` of a database year (e.g. ``"国办发明电〔2026〕xx号"``), otherwise
    ``"chinesecalendar 1.11.0"`` (plus ``" + <source>"`` for each database schedule that overrides
    single dates of that year). Raises :class:`CalendarUnavailable` for a year neither covers.
    """
    return _Calendar().source(year)


def _add_months(start: dt.date, months: int) -> dt.date:
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class StatutoryPeriod:
    """The result of :func:`statutory_period`."""

    start: dt.date
    raw_end: dt.date  # start + period, before the rest-day rule
    end: dt.date  # the last day on which the act is still timely
    calendar_sources: tuple[str, ...]  # sources of every year whose days were tested

    @property
    def extended(self) -> bool:
        """True if the last day fell on a rest day and the period was extended."""
        return self.end != self.raw_end


def _check_length(days: int | None, months: int | None) -> tuple[str, int]:
    if (days is None) == (months is None):
        raise ValueError("give exactly one of days= or months= for a statutory period")
    unit, amount = ("days", days) if days is not None else ("months", months)
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValueError(f"{unit} must be a whole number, not {amount!r}")
    if amount <= 0:
        raise ValueError(f"{unit} must be positive, not {amount}")
    return unit, amount


def statutory_period(
    start: dt.date, *, days: int | None = None, months: int | None = None
) -> StatutoryPeriod:
    """Compute a statutory period like :func:`statutory_period_end`, with its calendar sources."""
    start = _check_date(start, "start")
    unit, amount = _check_length(days, months)
    raw_end = start + dt.timedelta(days=amount) if unit == "days" else _add_months(start, amount)
    oracle = _Calendar()
    end = raw_end
    while oracle.is_rest_day(end):
        end += dt.timedelta(days=1)
    sources = tuple(oracle.source(year) for year in range(raw_end.year, end.year + 1))
    return StatutoryPeriod(start=start, raw_end=raw_end, end=end, calendar_sources=sources)


def statutory_period_end(
    start: dt.date, *, days: int | None = None, months: int | None = None
) -> dt.date:
    """Return the last day of a statutory period under CPL art. 85 (DOMAIN §2).

    ``start`` is the day of the triggering event (e.g. the agreement taking effect); it is not
    counted. Give exactly one of ``days`` (end = start + days) or ``months`` (same day of the
    month, or that month's last day); holidays inside the period are not deducted; if the raw
    last day is a rest day (statutory holiday, or a weekend day that is not a make-up working
    day) the period ends on the next non-rest day.

    Raises ``ValueError`` unless exactly one positive whole ``days``/``months`` is given,
    ``TypeError`` if ``start`` is not a ``date`` (datetimes are refused: convert in the right
    time zone first), and :class:`CalendarUnavailable` if a day to be tested lies in a year that
    neither the database nor the ``chinesecalendar`` package covers.
    """
    return statutory_period(start, days=days, months=months).end


def statutory_period_ends(
    starts: Iterable[dt.date], *, days: int | None = None, months: int | None = None
) -> dict[dt.date, dt.date | None]:
    """:func:`statutory_period_end` for many start days on one calendar: one database query
    per year looked at, however many start days there are (the home dashboard shows the
    confirmation windows of many cases at once). A start whose period ends in a year that no
    calendar covers maps to ``None``, so one missing year does not hide the other deadlines."""
    unit, amount = _check_length(days, months)
    oracle = _Calendar()
    ends: dict[dt.date, dt.date | None] = {}
    for start in starts:
        start = _check_date(start, "start")
        if start in ends:
            continue
        end = start + dt.timedelta(days=amount) if unit == "days" else _add_months(start, amount)
        try:
            while oracle.is_rest_day(end):
                end += dt.timedelta(days=1)
        except CalendarUnavailable:
            end = None
        ends[start] = end
    return ends
