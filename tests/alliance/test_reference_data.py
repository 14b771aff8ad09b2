"""Reference data: regions (GB/T 2260, DOMAIN §5.f) and Fujian courts (DOMAIN §1.9).

The data migration loads both files, so the tests never assume an empty database: each test
(re-)runs the idempotent loaders first and asserts on the result.
"""

from __future__ import annotations

import csv
import re

import pytest

from alliance.models import Organization, Region
from alliance.reference_data import COURTS_CSV, REGIONS_CSV, load_courts, load_regions

ZHANGZHOU_CURRENT = {
    "350602",
    "350603",
    "350604",
    "350605",
    "350622",
    "350623",
    "350624",
    "350626",
    "350627",
    "350628",
    "350629",
}


def _csv(path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _snapshot(queryset, *fields) -> list[tuple]:
    return list(queryset.order_by("pk").values_list("pk", *fields))


@pytest.fixture
def loaded(db):
    regions = load_regions(Region)
    courts = load_courts(Organization, Region)
    return regions, courts


# --- the files themselves -----------------------------------------------------------------


def test_region_codes_in_the_file_are_unique_six_digit_codes():
    codes = [row["code"] for row in _csv(REGIONS_CSV)]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[1-9]\d{5}", code) for code in codes)
    assert codes == sorted(codes)


def test_court_codes_in_the_file_are_unique():
    codes = [row["court_code"] for row in _csv(COURTS_CSV)]
    assert len(codes) == len(set(codes))
    levels = {row["level"] for row in _csv(COURTS_CSV)}
    assert levels <= set(Organization.CourtLevel.values)


# --- regions -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_31_provinces_with_unique_court_abbreviations(loaded):
    provinces = Region.objects.filter(level=Region.Level.PROVINCE)
    assert provinces.count() == 31
    assert not provinces.filter(parent__isnull=False).exists()
    abbreviations = list(provinces.values_list("abbreviation", flat=True))
    assert all(abbreviations)
    assert len(set(abbreviations)) == 31
    by_code = dict(provinces.values_list("code", "abbreviation"))
    assert by_code["350000"] == "闽"
    assert by_code["150000"] == "内"
    assert by_code["530000"] == "云"


@pytest.mark.django_db
def test_every_city_has_a_province_parent(loaded):
    cities = Region.objects.filter(level=Region.Level.CITY)
    assert cities.count() >= 333
    assert not cities.exclude(parent__level=Region.Level.PROVINCE).exists()
    # municipalities have no prefecture rows
    for municipality in ("110000", "120000", "310000", "500000"):
        assert not cities.filter(parent__code=municipality).exists()


@pytest.mark.django_db
def test_province_administered_county_level_units_hang_off_the_province(loaded):
    jiyuan = Region.objects.get(code="419001")
    assert jiyuan.name == "济源市"
    assert jiyuan.level == Region.Level.COUNTY
    assert jiyuan.parent.code == "410000"
    assert "province-administered" in jiyuan.note


@pytest.mark.django_db
def test_zhangzhou_has_exactly_11_current_county_level_units(loaded):
    zhangzhou = Region.objects.get(code="350600")
    assert zhangzhou.name == "漳州市"
    assert zhangzhou.level == Region.Level.CITY
    assert zhangzhou.parent.abbreviation == "闽"
    current = zhangzhou.children.filter(valid_to__isnull=True)
    assert set(current.values_list("code", flat=True)) == ZHANGZHOU_CURRENT
    assert current.count() == 11


@pytest.mark.django_db
@pytest.mark.parametrize(("old", "new"), [("350681", "350604"), ("350625", "350605")])
def test_retired_codes_are_kept_but_not_current(loaded, old, new):
    retired = Region.objects.get(code=old)
    assert retired.valid_to is not None
    assert not retired.is_current
    assert retired.parent.code == "350600"
    successor = Region.objects.get(code=new)
    assert successor.is_current
    assert successor.valid_from is not None
    assert retired.valid_to <= successor.valid_from


@pytest.mark.django_db
def test_region_codes_in_the_database_are_unique_six_digit_codes(loaded):
    codes = list(Region.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[1-9]\d{5}", code) for code in codes)


@pytest.mark.django_db
def test_load_regions_is_idempotent(loaded):
    first, _ = loaded
    rows = len(_csv(REGIONS_CSV))
    assert first == rows
    count = Region.objects.count()
    fields = ("code", "name", "name_en", "level", "parent_id", "abbreviation", "valid_to", "note")
    before = _snapshot(Region.objects.all(), *fields)

    assert load_regions(Region) == rows
    assert Region.objects.count() == count
    assert _snapshot(Region.objects.all(), *fields) == before


@pytest.mark.django_db
def test_load_regions_repairs_drift(loaded):
    Region.objects.filter(code="350600").update(name_en="wrong", note="edited")
    load_regions(Region)
    zhangzhou = Region.objects.get(code="350600")
    assert zhangzhou.name_en == "Zhangzhou"
    assert zhangzhou.note == ""


@pytest.mark.django_db
def test_load_regions_rejects_an_unknown_parent(loaded, tmp_path):
    path = tmp_path / "regions.csv"
    path.write_text(
        "code,name,name_en,level,parent_code,abbreviation,valid_from,valid_to,note\n"
        "359901,测试区,,county,359900,,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="parent 359900"):
        load_regions(Region, path=path)
    assert not Region.objects.filter(code="359901").exists()


# --- courts ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_zhangzhou_intermediate_court(loaded):
    court = Organization.objects.get(court_code="闽06")
    assert court.kind == Organization.Kind.COURT
    assert court.court_level == Organization.CourtLevel.INTERMEDIATE
    assert court.region.code == "350600"


@pytest.mark.django_db
def test_fujian_courts_are_all_there(loaded):
    courts = Organization.objects.filter(kind=Organization.Kind.COURT)
    codes = set(courts.values_list("court_code", flat=True))
    assert {f"闽0{n}" for n in range(1, 10)} <= codes
    assert {"闽", "闽72", "闽0602", "闽0603", "闽0681", "闽0625"} <= codes
    assert courts.get(court_code="闽").court_level == Organization.CourtLevel.HIGH
    assert courts.get(court_code="闽72").court_level == Organization.CourtLevel.INTERMEDIATE
    # legacy basic-court codes (art. 13) sit in the current districts
    assert courts.get(court_code="闽0681").region.code == "350604"
    assert courts.get(court_code="闽0625").region.code == "350605"
    basic = courts.filter(court_level=Organization.CourtLevel.BASIC, region__parent__code="350600")
    assert basic.count() == 11


@pytest.mark.django_db
def test_court_code_abbreviation_matches_the_region_province(loaded):
    courts = Organization.objects.filter(kind=Organization.Kind.COURT).select_related("region")
    assert courts.exists()
    for court in courts:
        assert court.court_code[0] == court.region.province.abbreviation, court


@pytest.mark.django_db
def test_load_courts_is_idempotent(loaded):
    _, first = loaded
    rows = len(_csv(COURTS_CSV))
    assert first == rows
    courts = Organization.objects.filter(kind=Organization.Kind.COURT)
    count = courts.count()
    fields = ("court_code", "name", "short_name", "court_level", "region_id", "updated_at")
    before = _snapshot(courts, *fields)

    assert load_courts(Organization, Region) == rows
    assert courts.count() == count
    assert _snapshot(courts, *fields) == before  # unchanged rows are not even touched


@pytest.mark.django_db
def test_load_courts_repairs_drift(loaded):
    Organization.objects.filter(court_code="闽06").update(short_name="x")
    load_courts(Organization, Region)
    assert Organization.objects.get(court_code="闽06").short_name == "漳州中院"
