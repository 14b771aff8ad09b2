"""Tests for alliance.deadlines (DOMAIN §2, CPL art. 85)."""

from __future__ import annotations

import datetime as dt
import importlib.metadata

import pytest

from alliance.deadlines import (
    CalendarUnavailable,
    calendar_source,
    is_rest_day,
    statutory_period,
    statutory_period_end,
)
from alliance.models import HolidayDate, HolidayYear

pytestmark = pytest.mark.django_db

D = dt.date
PACKAGE = f"chinesecalendar {importlib.metadata.version('chinesecalendar')}"


def _holiday_year(year: int, source: str, **dates: str) -> HolidayYear:
    """Create a HolidayYear with HolidayDate rows given as ``d2027_01_01="holiday"``."""
    holiday_year = HolidayYear.objects.create(year=year, source=source)
    for key, kind in dates.items():
        y, m, d = (int(part) for part in key[1:].split("_"))
        HolidayDate.objects.create(year=holiday_year, date=D(y, m, d), kind=kind)
    return holiday_year


# ---------------------------------------------------------------------------------------------
# DOMAIN §2 worked examples and rules (package calendar)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2025, 9, 20), D(2025, 10, 20)),  # National Day holiday inside the window
        (D(2025, 9, 2), D(2025, 10, 9)),  # raw end 10-02 in the 10/1–10/8 holiday
        (D(2025, 6, 12), D(2025, 7, 14)),  # raw end Saturday 07-12
        (D(2025, 9, 11), D(2025, 10, 11)),  # raw end Saturday 10-11 is a make-up working day
    ],
)
def test_domain_worked_examples_30_days(start, end):
    assert statutory_period_end(start, days=30) == end


def test_start_day_is_not_counted():
    # Wed 2025-03-05 + 1 day = Thu 2025-03-06.
    assert statutory_period_end(D(2025, 3, 5), days=1) == D(2025, 3, 6)


def test_month_period_ends_on_the_corresponding_day():
    # DOMAIN §2 rule 4 (SPC 2014 reply): 2014-05-28 + 3 months = 2014-08-28 (Thursday).
    assert statutory_period_end(D(2014, 5, 28), months=3) == D(2014, 8, 28)


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (D(2025, 1, 31), 1, D(2025, 2, 28)),  # no Feb 31 → last day (Friday)
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year (Thursday)
        (D(2025, 8, 31), 1, D(2025, 9, 30)),  # Tuesday
        (D(2024, 2, 29), 12, D(2025, 2, 28)),  # Friday
        (D(2023, 3, 31), 11, D(2024, 2, 29)),
    ],
)
def test_month_period_without_corresponding_day_ends_on_the_last_day(start, months, end):
    assert statutory_period_end(start, months=months) == end


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (D(2024, 10, 31), 1, D(2024, 12, 2)),  # 11-30 Sat → Mon 12-02
        (D(2026, 3, 31), 2, D(2026, 6, 1)),  # 05-31 Sun → Mon 06-01
        (D(2025, 12, 31), 1, D(2026, 2, 2)),  # 01-31 Sat → Mon 02-02, across the year end
    ],
)
def test_month_end_then_rest_day_shift(start, months, end):
    assert statutory_period_end(start, months=months) == end


@pytest.mark.parametrize(("start", "months"), [(D(2026, 1, 31), 1), (D(2025, 11, 30), 3)])
def test_month_end_on_make_up_working_day_is_not_shifted(start, months):
    # Both land on Sat 2026-02-28, an official 调休上班 day.
    assert statutory_period_end(start, months=months) == D(2026, 2, 28)


def test_end_in_2026_national_day_holiday_moves_to_first_working_day():
    # 2026-10-02 lies in the 10/1–10/7 holiday; 10-08 (Thursday) is the first working day.
    assert statutory_period_end(D(2026, 9, 2), days=30) == D(2026, 10, 8)


def test_month_period_ending_on_national_day_moves_to_first_working_day():
    assert statutory_period_end(D(2026, 9, 1), months=1) == D(2026, 10, 8)


def test_end_in_2026_spring_festival_moves_past_the_whole_break():
    # Raw end Sun 2026-02-15, holiday until 02-23 (Mon, in lieu) → Tue 02-24.
    assert statutory_period_end(D(2026, 1, 16), days=30) == D(2026, 2, 24)


def test_holiday_inside_the_period_is_not_deducted():
    # 2026 National Day (10/1–10/7) lies inside; raw end Tue 2026-10-20 stands.
    assert statutory_period_end(D(2026, 9, 20), days=30) == D(2026, 10, 20)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2026, 1, 29), D(2026, 2, 28)),  # Sat 2026-02-28 is a make-up working day
        (D(2025, 12, 5), D(2026, 1, 4)),  # Sun 2026-01-04 is a make-up working day
        (D(2026, 4, 9), D(2026, 5, 9)),  # Sat 2026-05-09 is a make-up working day
        (D(2026, 8, 21), D(2026, 9, 20)),  # Sun 2026-09-20 is a make-up working day
    ],
)
def test_end_on_make_up_working_day_is_not_shifted(start, end):
    assert statutory_period_end(start, days=30) == end


def test_end_on_new_year_shifts_across_the_year_boundary_to_a_make_up_day():
    # Raw end 2026-01-01 (holiday), 01-02 and 01-03 holidays, Sun 01-04 make-up working day.
    assert statutory_period_end(D(2025, 12, 2), days=30) == D(2026, 1, 4)


def test_period_across_the_year_end_can_end_on_a_make_up_day_of_the_next_year():
    assert statutory_period_end(D(2025, 12, 20), days=15) == D(2026, 1, 4)


def test_long_period_in_days():
    # 2025-01-02 + 365 days = Fri 2026-01-02, a 2026 New Year holiday → Sun 01-04 (make-up day).
    assert statutory_period_end(D(2025, 1, 2), days=365) == D(2026, 1, 4)


# ---------------------------------------------------------------------------------------------
# is_rest_day / calendar_source with the package
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "rest"),
    [
        (D(2026, 2, 28), False),  # Saturday make-up working day
        (D(2026, 1, 4), False),  # Sunday make-up working day
        (D(2026, 10, 3), True),  # National Day
        (D(2026, 10, 8), False),  # first working day after National Day
        (D(2026, 2, 23), True),  # Monday, Spring Festival (in lieu)
        (D(2026, 3, 7), True),  # ordinary Saturday
        (D(2026, 3, 8), True),  # ordinary Sunday
        (D(2026, 3, 9), False),  # ordinary Monday
        (D(2004, 1, 1), True),  # first year of the package
    ],
)
def test_is_rest_day_with_package_calendar(day, rest):
    assert is_rest_day(day) is rest


def test_calendar_source_names_the_package_and_its_version():
    assert calendar_source(2026) == PACKAGE
    assert PACKAGE.startswith("chinesecalendar ")


def test_statutory_period_reports_raw_end_extension_and_sources():
    period = statutory_period(D(2025, 9, 2), days=30)
    assert period.raw_end == D(2025, 10, 2)
    assert period.end == D(2025, 10, 9)
    assert period.extended is True
    assert period.calendar_sources == (PACKAGE,)


def test_statutory_period_not_extended():
    period = statutory_period(D(2025, 9, 20), days=30)
    assert period.extended is False
    assert period.end == period.raw_end == D(2025, 10, 20)


# ---------------------------------------------------------------------------------------------
# Years the package does not cover
# ---------------------------------------------------------------------------------------------

MESSAGE_2027 = (
    "No official holiday calendar for 2027: the chinesecalendar package covers 2004–2026 and "
    "no override for 2027 has been entered in the admin (Holiday years)."
)


def test_unknown_year_2027_raises_calendar_unavailable_with_a_clear_message():
    with pytest.raises(CalendarUnavailable) as excinfo:
        statutory_period_end(D(2026, 12, 2), days=30)  # raw end 2027-01-01
    assert excinfo.value.year == 2027
    assert str(excinfo.value) == MESSAGE_2027
    assert excinfo.value.message == MESSAGE_2027


def test_month_period_into_unknown_year_raises():
    with pytest.raises(CalendarUnavailable):
        statutory_period_end(D(2026, 12, 15), months=1)


def test_period_ending_before_unknown_year_needs_no_2027_data():
    # Thu 2026-12-31 is a working day: the 2027 calendar is never consulted.
    assert statutory_period_end(D(2026, 12, 1), days=30) == D(2026, 12, 31)


@pytest.mark.parametrize("day", [D(2027, 3, 1), D(2003, 6, 2)])
def test_is_rest_day_outside_the_package_raises(day):
    with pytest.raises(CalendarUnavailable, match=str(day.year)):
        is_rest_day(day)


@pytest.mark.parametrize("year", [2027, 2003])
def test_calendar_source_for_unknown_year_raises(year):
    with pytest.raises(CalendarUnavailable):
        calendar_source(year)


# ---------------------------------------------------------------------------------------------
# Database overrides (HolidayYear / HolidayDate)
# ---------------------------------------------------------------------------------------------

SOURCE_2027 = "国办发明电〔2026〕99号"


def test_db_holiday_year_2027_makes_the_computation_possible():
    _holiday_year(2027, SOURCE_2027, d2027_01_01="holiday")
    # Raw end Fri 2027-01-01 (holiday) → Sat, Sun (weekend) → Mon 2027-01-04.
    period = statutory_period(D(2026, 12, 2), days=30)
    assert period.end == D(2027, 1, 4)
    assert period.calendar_sources == (SOURCE_2027,)
    assert calendar_source(2027) == SOURCE_2027


def test_db_holiday_year_weekday_holiday_is_a_rest_day():
    _holiday_year(2027, SOURCE_2027, d2027_02_08="holiday", d2027_02_09="holiday")
    assert is_rest_day(D(2027, 2, 8)) is True
    assert is_rest_day(D(2027, 2, 10)) is False  # Wednesday, not listed


def test_db_holiday_year_workday_makes_a_weekend_day_a_working_day():
    _holiday_year(2027, SOURCE_2027, d2027_02_20="workday")
    assert is_rest_day(D(2027, 2, 20)) is False  # Saturday, 调休上班
    assert is_rest_day(D(2027, 2, 21)) is True  # Sunday, not listed
    assert statutory_period_end(D(2027, 1, 21), days=30) == D(2027, 2, 20)


def test_db_holiday_year_without_dates_still_covers_the_year_with_weekends():
    _holiday_year(2027, SOURCE_2027)
    assert is_rest_day(D(2027, 1, 2)) is True  # Saturday
    assert is_rest_day(D(2027, 1, 1)) is False  # Friday: nothing entered, so a working day


def test_db_override_corrects_a_package_date():
    _holiday_year(2025, "国办发明电〔2024〕12号（更正）", d2025_10_20="holiday")
    # Example 1 of DOMAIN §2 now ends on a (corrected) holiday → Tue 2025-10-21.
    assert statutory_period_end(D(2025, 9, 20), days=30) == D(2025, 10, 21)
    assert calendar_source(2025) == "国办发明电〔2024〕12号（更正）"


def test_db_holiday_year_is_authoritative_for_its_whole_year():
    # Only one date entered for 2025: the package's make-up Saturday 10-11 is no longer known,
    # so it is an ordinary Saturday and the DOMAIN example 4 moves to Monday 10-13.
    _holiday_year(2025, "admin copy", d2025_10_20="holiday")
    assert is_rest_day(D(2025, 10, 11)) is True
    assert statutory_period_end(D(2025, 9, 11), days=30) == D(2025, 10, 13)


def test_db_year_does_not_affect_other_years():
    _holiday_year(2025, "admin copy", d2025_10_20="holiday")
    assert is_rest_day(D(2026, 2, 28)) is False  # package: make-up Saturday
    assert calendar_source(2026) == PACKAGE


def test_db_date_from_adjacent_year_schedule_overrides_the_package():
    # A notice for 2027 that fixes a make-up working day in December 2026.
    _holiday_year(2027, SOURCE_2027, d2026_12_27="workday")
    assert is_rest_day(D(2026, 12, 27)) is False  # Sunday, now a working day
    assert is_rest_day(D(2026, 12, 26)) is True  # Saturday, package
    assert statutory_period_end(D(2026, 11, 27), days=30) == D(2026, 12, 27)
    assert calendar_source(2026) == f"{PACKAGE} + {SOURCE_2027}"


def test_db_date_alone_does_not_cover_an_unknown_year():
    # 2028 has no HolidayYear and no package data: one entered date is not enough.
    _holiday_year(2027, SOURCE_2027, d2028_01_01="holiday")
    assert is_rest_day(D(2028, 1, 1)) is True
    with pytest.raises(CalendarUnavailable):
        is_rest_day(D(2028, 1, 3))


def test_one_query_per_year_per_call(django_assert_num_queries):
    # Raw end 2025-10-02, then 10-03 … 10-09 are tested: all in 2025 → one query.
    with django_assert_num_queries(1):
        statutory_period_end(D(2025, 9, 2), days=30)
    # Raw end 2026-01-01 → 01-04: only 2026 is looked at → one query.
    with django_assert_num_queries(1):
        statutory_period_end(D(2025, 12, 2), days=30)
    _holiday_year(2027, SOURCE_2027, d2026_12_31="holiday", d2027_01_01="holiday")
    # Raw end 2026-12-31 (DB holiday) → 2027-01-01 (DB holiday) → Sat, Sun → Mon 2027-01-04.
    with django_assert_num_queries(2):
        assert statutory_period_end(D(2026, 12, 1), days=30) == D(2027, 1, 4)


# ---------------------------------------------------------------------------------------------
# Invalid arguments
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "exactly one of days= or months="),
        ({"days": 30, "months": 1}, "exactly one of days= or months="),
        ({"days": 0}, "days must be positive, not 0"),
        ({"days": -3}, "days must be positive, not -3"),
        ({"months": 0}, "months must be positive, not 0"),
        ({"days": 1.5}, "days must be a whole number"),
        ({"months": "2"}, "months must be a whole number"),
        ({"days": True}, "days must be a whole number"),
    ],
)
def test_invalid_period_arguments_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        statutory_period_end(D(2025, 9, 2), **kwargs)


@pytest.mark.parametrize(
    "start",
    [dt.datetime(2025, 9, 2, 10, 0), "2025-09-02", None],
)
def test_start_must_be_a_date(start):
    with pytest.raises(TypeError, match=r"start must be a datetime\.date"):
        statutory_period_end(start, days=30)


def test_days_and_months_are_keyword_only():
    with pytest.raises(TypeError):
        statutory_period_end(D(2025, 9, 2), 30)  # type: ignore[misc]
