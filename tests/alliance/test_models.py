"""Directory models: the database enforces the invariants even when ``clean()`` is bypassed,
and ``full_clean()`` normalises identifiers and explains what is wrong (DOMAIN §5)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.utils import translation

from alliance.models import IntellectualProperty, Organization, Region
from alliance.validators import patent_check_character, uscc_check_character
from tests.conftest import make_uscc

Kind = Organization.Kind
IPKind = IntellectualProperty.Kind

pytestmark = pytest.mark.django_db


def _assert_rejected_by_database(create) -> None:
    # A check constraint raises IntegrityError; PostgreSQL refuses an over-long value earlier,
    # by the column's length (DataError). Either way the database keeps nothing.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        create()


def _errors(instance) -> dict[str, list[ValidationError]]:
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
    return excinfo.value.error_dict


def _codes(errors: list[ValidationError]) -> set[str]:
    return {error.code for error in errors}


def _messages(errors: list[ValidationError]) -> str:
    return " ".join(message for error in errors for message in error.messages)


@pytest.fixture
def owner(regions):
    return Organization.objects.create(
        kind=Kind.ENTERPRISE,
        name="漳州丙实业有限公司",
        region=regions["zhangzhou"],
        uscc=make_uscc(77),
    )


# ---------------------------------------------------------------------------------------------
# Database constraints (clean() bypassed)
# ---------------------------------------------------------------------------------------------


def test_database_rejects_enterprise_without_uscc(regions):
    _assert_rejected_by_database(
        lambda: Organization.objects.create(
            kind=Kind.ENTERPRISE, name="无代码公司", region=regions["zhangzhou"]
        )
    )


def test_database_rejects_duplicate_uscc(world, regions):
    duplicate = world["orgs"]["ent_a"].uscc
    _assert_rejected_by_database(
        lambda: Organization.objects.create(
            kind=Kind.ENTERPRISE, name="重复代码公司", region=regions["zhangzhou"], uscc=duplicate
        )
    )


def test_database_allows_several_organisations_without_uscc(regions):
    Organization.objects.bulk_create(
        [
            Organization(kind=Kind.BUREAU, name="甲局", region=regions["zhangzhou"]),
            Organization(kind=Kind.BUREAU, name="乙局", region=regions["xiamen"]),
        ]
    )
    assert Organization.objects.filter(name__in=["甲局", "乙局"], uscc="").count() == 2


def test_database_rejects_court_without_court_code(regions):
    _assert_rejected_by_database(
        lambda: Organization.objects.create(
            kind=Kind.COURT,
            name="无代字法院",
            region=regions["zhangzhou"],
            court_level=Organization.CourtLevel.BASIC,
        )
    )


def test_database_rejects_court_code_on_a_non_court(regions):
    _assert_rejected_by_database(
        lambda: Organization.objects.create(
            kind=Kind.BUREAU, name="带代字的局", region=regions["zhangzhou"], court_code="闽9999"
        )
    )


def test_database_rejects_duplicate_court_code(regions):
    _assert_rejected_by_database(
        lambda: Organization.objects.create(
            kind=Kind.COURT,
            name="重复代字法院",
            region=regions["zhangzhou"],
            court_code="闽06",
            court_level=Organization.CourtLevel.INTERMEDIATE,
        )
    )


def test_database_rejects_key_flag_on_a_non_enterprise(regions):
    _assert_rejected_by_database(
        lambda: Organization.objects.bulk_create(
            [
                Organization(
                    kind=Kind.SERVICE_POINT,
                    name="重点网点",
                    region=regions["zhangzhou"],
                    is_key_enterprise=True,
                )
            ]
        )
    )


@pytest.mark.parametrize(
    "bad_uscc",
    [
        "91350600MA00000I1X",  # I is never used
        "91350600ma0000011x",  # lower case is not the stored form
        "91350600MA-000011",  # hyphen
    ],
)
def test_database_rejects_uscc_outside_the_charset(regions, bad_uscc):
    _assert_rejected_by_database(
        lambda: Organization.objects.create(
            kind=Kind.ENTERPRISE, name="坏代码公司", region=regions["zhangzhou"], uscc=bad_uscc
        )
    )


@pytest.mark.parametrize("code", ["35060", "3506001", "035060", "35060A"])
def test_database_rejects_region_code_that_is_not_six_digits(regions, code):
    _assert_rejected_by_database(
        lambda: Region.objects.create(
            code=code, name="坏区划", level=Region.Level.COUNTY, parent=regions["zhangzhou"]
        )
    )


def test_database_rejects_province_with_a_parent(regions):
    _assert_rejected_by_database(
        lambda: Region.objects.create(
            code="990000", name="假省", level=Region.Level.PROVINCE, parent=regions["fujian"]
        )
    )


def test_database_rejects_city_without_a_parent(db):
    _assert_rejected_by_database(
        lambda: Region.objects.create(code="990100", name="孤市", level=Region.Level.CITY)
    )


def test_database_rejects_duplicate_kind_and_number_for_ip(world):
    patent = world["ips"]["patent_a"]
    _assert_rejected_by_database(
        lambda: IntellectualProperty.objects.create(
            owner=world["orgs"]["ent_b"], kind=patent.kind, number=patent.number, title="抄"
        )
    )


def test_database_allows_same_number_for_different_ip_kinds(world):
    patent = world["ips"]["patent_a"]
    IntellectualProperty.objects.create(
        owner=world["orgs"]["ent_b"], kind=IPKind.TRADEMARK, number="201710601862.3", title="同号"
    )
    assert IntellectualProperty.objects.filter(number=patent.number).count() == 2


def test_database_rejects_nice_class_on_a_patent(owner):
    _assert_rejected_by_database(
        lambda: IntellectualProperty.objects.create(
            owner=owner,
            kind=IPKind.INVENTION_PATENT,
            number="201710601862.3",
            title="带类别",
            nice_class=9,
        )
    )


def test_database_rejects_nice_class_out_of_range(owner):
    _assert_rejected_by_database(
        lambda: IntellectualProperty.objects.create(
            owner=owner, kind=IPKind.TRADEMARK, number="87654321", title="四十六类", nice_class=46
        )
    )


def test_database_rejects_grant_before_filing(owner):
    _assert_rejected_by_database(
        lambda: IntellectualProperty.objects.create(
            owner=owner,
            kind=IPKind.TRADEMARK,
            number="87654321",
            title="倒序",
            filed_on=dt.date(2020, 5, 1),
            granted_on=dt.date(2020, 4, 30),
        )
    )


def test_database_rejects_ip_without_number_unless_trade_secret(owner):
    _assert_rejected_by_database(
        lambda: IntellectualProperty.objects.create(
            owner=owner, kind=IPKind.TRADEMARK, number="", title="无号"
        )
    )


# ---------------------------------------------------------------------------------------------
# full_clean(): normalisation and messages
# ---------------------------------------------------------------------------------------------


def _enterprise(regions, uscc: str) -> Organization:
    return Organization(
        kind=Kind.ENTERPRISE, name="漳州丁贸易有限公司", region=regions["zhangzhou"], uscc=uscc
    )


def _wrong_check(code: str) -> str:
    return code[:17] + ("1" if code[17] != "1" else "2")


def test_full_clean_reports_wrong_uscc_check_character_on_uscc(regions):
    good = make_uscc(5)
    with translation.override("en"):
        errors = _errors(_enterprise(regions, _wrong_check(good)))
        message = _messages(errors["uscc"])
    assert set(errors) == {"uscc"}
    assert "uscc_checksum" in _codes(errors["uscc"])
    assert "check character" in message
    assert f"'{good[17]}'" in message


def test_full_clean_upper_cases_uscc(regions):
    good = make_uscc(6)
    org = _enterprise(regions, good.lower())
    org.full_clean()
    assert org.uscc == good


def test_full_clean_removes_spaces_from_uscc(regions):
    good = make_uscc(7)
    spaced = f"{good[:4]} {good[4:8]} {good[8:12]} {good[12:]}".lower()
    org = _enterprise(regions, spaced)
    org.full_clean()
    assert org.uscc == good


def test_full_clean_reports_a_duplicate_uscc_on_uscc(world, regions):
    errors = _errors(_enterprise(regions, world["orgs"]["ent_a"].uscc))
    assert "uscc" in errors


def test_full_clean_requires_uscc_for_an_enterprise(regions):
    errors = _errors(_enterprise(regions, ""))
    assert "required" in _codes(errors["uscc"])


def test_full_clean_accepts_waived_uscc_check(regions):
    first17 = "91350600MA0000009"
    wrong = first17 + ("1" if uscc_check_character(first17) != "1" else "2")
    org = _enterprise(regions, wrong)
    org.uscc_check_waived = "营业执照原件如此"
    org.full_clean()
    assert org.uscc == wrong


def test_full_clean_requires_court_code_and_level_for_a_court(regions):
    court = Organization(kind=Kind.COURT, name="某法院", region=regions["zhangzhou"])
    errors = _errors(court)
    assert {"court_code", "court_level"} <= set(errors)


def test_full_clean_refuses_court_code_on_a_non_court(regions):
    bureau = Organization(
        kind=Kind.BUREAU, name="某局", region=regions["zhangzhou"], court_code="闽0699"
    )
    errors = _errors(bureau)
    assert "not_court" in _codes(errors["court_code"])


def test_full_clean_refuses_key_flag_on_a_non_enterprise(regions):
    bureau = Organization(
        kind=Kind.BUREAU, name="某局", region=regions["zhangzhou"], is_key_enterprise=True
    )
    errors = _errors(bureau)
    assert "not_enterprise" in _codes(errors["is_key_enterprise"])


def test_full_clean_refuses_organisation_as_its_own_parent(world):
    bureau = world["orgs"]["zz_bureau"]
    bureau.parent_id = bureau.pk
    errors = _errors(bureau)
    assert "cycle" in _codes(errors["parent"])


def test_full_clean_normalises_patent_number_with_zl_prefix_and_spaces(owner):
    ip = IntellectualProperty(
        owner=owner, kind=IPKind.INVENTION_PATENT, number="ZL 2017 1 0601862.3", title="蜜柚"
    )
    ip.full_clean()
    assert ip.number == "201710601862.3"
    assert ip.display_number == "ZL201710601862.3"


def test_full_clean_reports_patent_type_digit_not_matching_kind_on_number(owner):
    ip = IntellectualProperty(
        owner=owner, kind=IPKind.UTILITY_MODEL, number="201710601862.3", title="蜜柚"
    )
    errors = _errors(ip)
    assert set(errors) == {"number"}
    assert "patent_kind_mismatch" in _codes(errors["number"])


def test_full_clean_reports_wrong_patent_check_digit_on_number(owner):
    body = "201710601862"
    wrong = "1" if patent_check_character(body) != "1" else "2"
    ip = IntellectualProperty(
        owner=owner, kind=IPKind.INVENTION_PATENT, number=f"{body}.{wrong}", title="蜜柚"
    )
    errors = _errors(ip)
    assert "patent_checksum" in _codes(errors["number"])


def test_full_clean_refuses_nice_class_on_a_patent(owner):
    ip = IntellectualProperty(
        owner=owner,
        kind=IPKind.INVENTION_PATENT,
        number="201710601862.3",
        title="蜜柚",
        nice_class=9,
    )
    errors = _errors(ip)
    assert "not_mark" in _codes(errors["nice_class"])


def test_full_clean_refuses_grant_before_filing(owner):
    ip = IntellectualProperty(
        owner=owner,
        kind=IPKind.TRADEMARK,
        number="87654321",
        title="倒序",
        filed_on=dt.date(2020, 5, 1),
        granted_on=dt.date(2020, 4, 30),
    )
    errors = _errors(ip)
    assert "order" in _codes(errors["granted_on"])


def test_full_clean_accepts_trade_secret_without_number(owner):
    ip = IntellectualProperty(owner=owner, kind=IPKind.TRADE_SECRET, title="配方")
    ip.full_clean()
    assert ip.number == ""
