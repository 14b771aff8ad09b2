"""The statistics' scope form: periods, organisation and region, and every bad input refused
with a message on the field (never a 500)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from zhangzhou_ip.stats.period import StatsScopeForm

pytestmark = pytest.mark.django_db


def scope(world, **data):
    form = StatsScopeForm(data, user=world["users"]["superuser"])
    assert form.is_valid(), form.errors
    return form.scope()


def errors(world, user="superuser", **data):
    form = StatsScopeForm(data, user=world["users"][user])
    assert not form.is_valid()
    return form.errors


def test_without_a_period_the_current_year(world):
    result = scope(world)
    year = timezone.localdate().year
    assert (result.start, result.end, result.label) == (
        dt.date(year, 1, 1),
        dt.date(year, 12, 31),
        str(year),
    )


@pytest.mark.parametrize(
    ("quarter", "start", "end"),
    [(1, "2024-01-01", "2024-03-31"), (2, "2024-04-01", "2024-06-30"),
     (3, "2024-07-01", "2024-09-30"), (4, "2024-10-01", "2024-12-31")],
)  # fmt: skip
def test_quarters(world, quarter, start, end):
    result = scope(world, year="2024", quarter=str(quarter))
    assert (result.start.isoformat(), result.end.isoformat()) == (start, end)
    assert result.label == f"2024 Q{quarter}"


def test_custom_period_and_scope(world, regions):
    result = scope(
        world,
        start="2024-02-10",
        end="2024-03-05",
        organization=str(world["orgs"]["zz_bureau"].pk),
        region="350600",
    )
    assert (result.start, result.end) == (dt.date(2024, 2, 10), dt.date(2024, 3, 5))
    assert result.organization == world["orgs"]["zz_bureau"]
    assert result.region == regions["zhangzhou"]
    assert result.label == "2024-02-10 – 2024-03-05"


def test_an_inverted_period_is_refused_on_the_end(world):
    assert "end" in errors(world, start="2024-05-01", end="2024-01-01")


def test_an_unbounded_period_needs_both_dates(world):
    assert "end" in errors(world, start="2024-05-01")
    assert "start" in errors(world, end="2024-05-01")


def test_a_period_longer_than_ten_years_is_refused(world):
    assert "end" in errors(world, start="2000-01-01", end="2024-12-31")


def test_quarter_without_year_and_both_kinds_of_period(world):
    assert "year" in errors(world, quarter="2")
    assert "__all__" in errors(world, year="2024", start="2024-01-01", end="2024-02-01")


@pytest.mark.parametrize(
    "data",
    [{"year": "abc"}, {"year": "1899"}, {"year": "9999"}, {"quarter": "5", "year": "2024"},
     {"start": "2024-13-01", "end": "2024-12-01"}],
)  # fmt: skip
def test_malformed_values(world, data):
    assert set(errors(world, **data)) & {"year", "quarter", "start"}


def test_unknown_or_invisible_organisation_and_unknown_region(world):
    assert "organization" in errors(world, organization="999999")
    assert "region" in errors(world, region="999999")
    # an enterprise is not an organisation of the statistics
    assert "organization" in errors(world, organization=str(world["orgs"]["ent_a"].pk))
