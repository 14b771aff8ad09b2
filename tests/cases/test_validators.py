"""Court case numbers (案号, DOMAIN §1.9): parsing, normalisation and validation."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from alliance.models import Organization
from cases.validators import (
    COURT_CASE_NUMBER_EXAMPLE,
    CourtCaseNumber,
    normalize_court_case_number,
    parse_court_case_number,
    validate_court_case_number,
)

THIS_YEAR = timezone.localdate().year

XIANGCHENG = SimpleNamespace(court_code="闽0602", short_name="芗城法院", name="芗城区人民法院")


def _error(func, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        func(*args, **kwargs)
    return info.value


def _message(error: ValidationError) -> str:
    return error.messages[0]


# ---------------------------------------------------------------------------------------------
# Valid numbers
# ---------------------------------------------------------------------------------------------

VALID = [
    # value, court_code, special, type_code, seq, suffix, canonical
    ("（2024）闽0602民特123号", "闽0602", "", "民特", 123, "", "（2024）闽0602民特123号"),
    ("(2024)闽0602民特123号", "闽0602", "", "民特", 123, "", "（2024）闽0602民特123号"),
    ("〔2024〕闽06民特1号", "闽06", "", "民特", 1, "", "（2024）闽06民特1号"),
    ("[2024]闽06民特1号", "闽06", "", "民特", 1, "", "（2024）闽06民特1号"),
    (
        "（2021）川0104民诉前调801号",
        "川0104",
        "",
        "民诉前调",
        801,
        "",
        "（2021）川0104民诉前调801号",
    ),
    ("（2024）浙02民诉前调595号", "浙02", "", "民诉前调", 595, "", "（2024）浙02民诉前调595号"),
    ("（2022）最高法知民终1584号", "最高法", "知", "民终", 1584, "", "（2022）最高法知民终1584号"),
    ("（2021）川01财保17号", "川01", "", "财保", 17, "", "（2021）川01财保17号"),
    ("（2021）川0104行审13号", "川0104", "", "行审", 13, "", "（2021）川0104行审13号"),
    ("（2016）粤民终782号", "粤", "", "民终", 782, "", "（2016）粤民终782号"),
    ("（2020）甘03民特1号", "甘03", "", "民特", 1, "", "（2020）甘03民特1号"),
    (
        "（2024）闽0602民特123号之一",
        "闽0602",
        "",
        "民特",
        123,
        "之一",
        "（2024）闽0602民特123号之一",
    ),
    ("（2023）闽06民终45号之十二", "闽06", "", "民终", 45, "之十二", "（2023）闽06民终45号之十二"),
    (" （ 2024 ） 闽 0602 民特 123 号 ", "闽0602", "", "民特", 123, "", "（2024）闽0602民特123号"),
    ("( 2024 )闽0602民特123号", "闽0602", "", "民特", 123, "", "（2024）闽0602民特123号"),
    (
        "（２０２４）闽０６０２民特１２３号",
        "闽0602",
        "",
        "民特",
        123,
        "",
        "（2024）闽0602民特123号",
    ),
    ("（2024）闽0602民特0123号", "闽0602", "", "民特", 123, "", "（2024）闽0602民特123号"),
    ("（2019）京73民初1号", "京73", "", "民初", 1, "", "（2019）京73民初1号"),
    ("（2020）内01执345号", "内01", "", "执", 345, "", "（2020）内01执345号"),
    ("（2020）兵08民终12号", "兵08", "", "民终", 12, "", "（2020）兵08民终12号"),
    ("（2019）最高法民申1234号", "最高法", "", "民申", 1234, "", "（2019）最高法民申1234号"),
    ("（2024）闽72民初7号", "闽72", "", "民初", 7, "", "（2024）闽72民初7号"),
    ("（2024）闽0681执异3号", "闽0681", "", "执异", 3, "", "（2024）闽0681执异3号"),
]


@pytest.mark.parametrize(
    ("value", "court_code", "special", "type_code", "seq", "suffix", "canonical"), VALID
)
def test_valid_modern_number_is_parsed(
    value, court_code, special, type_code, seq, suffix, canonical
):
    number = validate_court_case_number(value)
    assert number.court_code == court_code
    assert number.special == special
    assert number.type_code == type_code
    assert number.seq == seq
    assert number.suffix == suffix
    assert number.legacy is False
    assert number.canonical == canonical
    assert str(number) == canonical


def test_parsed_number_has_the_year():
    number = parse_court_case_number("（2024）闽0602民特123号")
    assert number == CourtCaseNumber(
        year=2024,
        court_code="闽0602",
        special="",
        type_code="民特",
        seq=123,
        suffix="",
        legacy=False,
    )


def test_parsed_number_is_frozen():
    number = parse_court_case_number("（2024）闽0602民特123号")
    with pytest.raises(dataclasses.FrozenInstanceError):
        number.seq = 124  # type: ignore[misc]


def test_canonical_round_trips():
    for value, *_rest, canonical in VALID:
        assert parse_court_case_number(parse_court_case_number(value).canonical).canonical == (
            canonical
        )


def test_eight_digit_serial_is_accepted():
    # Criminal review cases use random 8-digit numbers (DOMAIN §1.9, arts. 9–10).
    assert validate_court_case_number("（2021）最高法刑核12345678号").seq == 12345678


# ---------------------------------------------------------------------------------------------
# Legacy (pre-2016, 字第) numbers
# ---------------------------------------------------------------------------------------------

LEGACY = [
    ("（2015）民三终字第1号", 2015, "民三终", 1, "（2015）民三终字第1号"),
    ("（2015）闽民终字第1426号", 2015, "闽民终", 1426, "（2015）闽民终字第1426号"),
    ("（2013）苏民初字第0002号", 2013, "苏民初", 2, "（2013）苏民初字第0002号"),
    ("(2014) 漳民初字 第 88 号", 2014, "漳民初", 88, "（2014）漳民初字第88号"),
    ("〔2012〕厦民初字第5号之一", 2012, "厦民初", 5, "（2012）厦民初字第5号之一"),
]


@pytest.mark.parametrize(("value", "year", "body", "seq", "canonical"), LEGACY)
def test_legacy_number_is_recognised(value, year, body, seq, canonical):
    number = validate_court_case_number(value)
    assert number.legacy is True
    assert number.year == year
    assert number.court_code == ""
    assert number.special == ""
    assert number.type_code == ""
    assert number.legacy_body == body
    assert number.seq == seq
    assert number.canonical == canonical


def test_legacy_number_keeps_leading_zeros_in_canonical_and_normalised_text():
    value = "（2013）苏民初字第0002号"
    assert normalize_court_case_number(value) == value
    assert parse_court_case_number(value).canonical == value


def test_legacy_number_skips_court_and_type_checks_when_allowed():
    number = validate_court_case_number(
        "（2015）闽民终字第1426号", court=XIANGCHENG, type_code="民特"
    )
    assert number.legacy is True


def test_legacy_number_is_refused_when_a_type_is_required_and_legacy_not_allowed():
    error = _error(
        validate_court_case_number, "（2015）闽民终字第1426号", type_code="民特", allow_legacy=False
    )
    assert error.code == "court_case_legacy"
    assert "（2015）闽民终字第1426号" in _message(error)
    assert COURT_CASE_NUMBER_EXAMPLE in _message(error)


def test_legacy_number_is_refused_when_legacy_not_allowed():
    error = _error(validate_court_case_number, "（2015）民三终字第1号", allow_legacy=False)
    assert error.code == "court_case_legacy"


def test_modern_number_is_fine_when_legacy_not_allowed():
    number = validate_court_case_number(
        "（2024）闽0602民特123号", type_code="民特", allow_legacy=False
    )
    assert number.legacy is False


# ---------------------------------------------------------------------------------------------
# Invalid numbers
# ---------------------------------------------------------------------------------------------

INVALID_FORMAT = [
    pytest.param("（2024）闽0602民特123", "号", id="missing-hao"),
    pytest.param("（2024）漳0602民特1号", "court code", id="bad-province-char"),
    pytest.param("（2024）A0602民特1号", "court code", id="latin-province"),
    pytest.param("（2024）闽060民特1号", "number of digits", id="three-digit-court-code"),
    pytest.param("（2024）闽06021民特1号", "number of digits", id="five-digit-court-code"),
    pytest.param("（2024）闽6民特1号", "number of digits", id="one-digit-court-code"),
    pytest.param("（2024）闽0602MT123号", "Chinese characters only", id="latin-type"),
    pytest.param("（2024）闽0602民T123号", "Chinese characters only", id="mixed-type"),
    pytest.param("abc", "year in brackets", id="letters"),
    pytest.param("", "Enter a court case number", id="empty"),
    pytest.param("   ", "Enter a court case number", id="blank"),
    pytest.param("（2024）闽0602民事特别程1号", "too long", id="type-longer-than-4"),
    pytest.param("（）", "year in brackets", id="only-brackets"),
    pytest.param("（2024）", "号", id="only-year"),
    pytest.param("（2024）闽0602民特号", "serial number", id="seq-missing"),
    pytest.param("（2024）闽0602123号", "case-type code", id="no-type"),
    pytest.param("（2024）闽0602知1号", "case-type code", id="special-without-type"),
    pytest.param("2024闽0602民特123号", "year in brackets", id="year-without-brackets"),
    pytest.param("（24）闽0602民特123号", "year in brackets", id="two-digit-year"),
    pytest.param("（2024闽0602民特123号", "year in brackets", id="unclosed-bracket"),
    pytest.param("（2024）闽0602民特第123号", "pre-2016", id="modern-with-di"),
    pytest.param("（2024）闽0602民特0号", "cannot be 0", id="seq-zero"),
    pytest.param("（2024）闽0602民特123456789号", "not a court case number", id="seq-9-digits"),
    pytest.param("（2024）闽0602民特123号之1", "号", id="arabic-suffix"),
    pytest.param("（2024）闽0602民特123号123", "号", id="trailing-digits"),
    pytest.param("（2015）民三终字第号", "serial number", id="legacy-without-seq"),
    pytest.param("（2015）民三终字第000号", "cannot be 0", id="legacy-seq-zero"),
]


@pytest.mark.parametrize(("value", "hint"), INVALID_FORMAT)
def test_malformed_number_is_refused_with_a_helpful_message(value, hint):
    error = _error(validate_court_case_number, value)
    assert error.code == "court_case_number_format"
    assert hint in _message(error)
    assert COURT_CASE_NUMBER_EXAMPLE in _message(error)
    assert error.params["example"] == COURT_CASE_NUMBER_EXAMPLE


@pytest.mark.parametrize(("value", "hint"), INVALID_FORMAT)
def test_parse_refuses_malformed_number_too(value, hint):
    assert _error(parse_court_case_number, value).code == "court_case_number_format"


def test_format_message_names_the_value():
    error = _error(parse_court_case_number, "（2024）漳0602民特1号")
    assert error.params["value"] == "（2024）漳0602民特1号"
    assert "'（2024）漳0602民特1号'" in _message(error)


def test_too_long_type_message_names_the_type():
    error = _error(parse_court_case_number, "（2024）闽0602民事特别程1号")
    assert error.params["type_code"] == "民事特别程"


def test_none_is_refused_like_empty():
    assert _error(parse_court_case_number, None).code == "court_case_number_format"


# ---------------------------------------------------------------------------------------------
# Year
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "（1899）闽0602民特1号",
        "（1989）闽0602民特1号",
        f"（{THIS_YEAR + 2}）闽0602民特1号",
        "（9999）闽0602民特1号",
        "（1899）民三终字第1号",
    ],
)
def test_impossible_year_is_refused(value):
    error = _error(validate_court_case_number, value)
    assert error.code == "court_case_year"
    assert error.params["min_year"] == 1990
    assert error.params["max_year"] == THIS_YEAR + 1
    assert str(error.params["year"]) in _message(error)


@pytest.mark.parametrize("year", [1990, THIS_YEAR, THIS_YEAR + 1])
def test_year_range_bounds_are_inclusive(year):
    assert validate_court_case_number(f"（{year}）闽0602民特1号").year == year


def test_parse_alone_does_not_check_the_year():
    assert parse_court_case_number("（1899）闽0602民特1号").year == 1899


# ---------------------------------------------------------------------------------------------
# Case type
# ---------------------------------------------------------------------------------------------


def test_type_code_matches():
    number = validate_court_case_number("（2024）闽0602民特123号", type_code="民特")
    assert number.type_code == "民特"


def test_pre_filing_mediation_type_matches():
    number = validate_court_case_number("（2024）浙02民诉前调595号", type_code="民诉前调")
    assert number.type_code == "民诉前调"


def test_type_mismatch_is_refused_and_names_both_types():
    error = _error(validate_court_case_number, "（2024）闽0602民初123号", type_code="民特")
    assert error.code == "court_case_type"
    assert error.params["expected"] == "民特"
    assert error.params["found"] == "民初"
    message = _message(error)
    assert "民特" in message
    assert "民初" in message


def test_type_check_ignores_the_special_trial_code():
    number = validate_court_case_number("（2022）最高法知民终1584号", type_code="民终")
    assert number.special == "知"


def test_type_check_is_exact_not_a_prefix():
    error = _error(validate_court_case_number, "（2024）闽0602民诉前调1号", type_code="民诉")
    assert error.code == "court_case_type"


# ---------------------------------------------------------------------------------------------
# Court
# ---------------------------------------------------------------------------------------------


def test_court_code_matches():
    number = validate_court_case_number("（2024）闽0602民特123号", court=XIANGCHENG)
    assert number.court_code == "闽0602"


def test_other_courts_number_is_refused_and_names_both_codes():
    error = _error(validate_court_case_number, "（2024）闽0603民特123号", court=XIANGCHENG)
    assert error.code == "court_case_court"
    assert _message(error) == "The number's court code 闽0603 is not 芗城法院's code 闽0602."
    assert error.params["number_court"] == "闽0603"
    assert error.params["code"] == "闽0602"


def test_intermediate_court_number_is_not_the_basic_courts():
    error = _error(validate_court_case_number, "（2024）闽06民特1号", court=XIANGCHENG)
    assert error.code == "court_case_court"


def test_court_label_falls_back_to_the_name():
    court = SimpleNamespace(court_code="闽06", short_name="", name="福建省漳州市中级人民法院")
    error = _error(validate_court_case_number, "（2024）闽0602民特1号", court=court)
    assert "福建省漳州市中级人民法院's code 闽06" in _message(error)


def test_unsaved_organization_works_as_court():
    court = Organization(kind=Organization.Kind.COURT, court_code="闽0602", short_name="芗城法院")
    assert validate_court_case_number("（2024）闽0602民特1号", court=court).seq == 1


def test_court_without_code_is_a_programming_error():
    enterprise = SimpleNamespace(court_code="", short_name="某公司", name="某公司")
    with pytest.raises(ValueError, match="court code"):
        validate_court_case_number("（2024）闽0602民特1号", court=enterprise)


def test_type_and_court_checked_together():
    number = validate_court_case_number(
        "（2024）闽0602民特123号", court=XIANGCHENG, type_code="民特"
    )
    assert number.canonical == "（2024）闽0602民特123号"


@pytest.mark.django_db
def test_number_matches_the_real_xiangcheng_court():
    court = Organization.objects.get(court_code="闽0602")
    number = validate_court_case_number("（2024）闽0602民特123号", court=court, type_code="民特")
    assert number.court_code == court.court_code


@pytest.mark.django_db
def test_longwen_number_is_refused_for_the_real_xiangcheng_court():
    court = Organization.objects.get(court_code="闽0602")
    error = _error(validate_court_case_number, "（2024）闽0603民特123号", court=court)
    assert error.code == "court_case_court"
    message = _message(error)
    assert "闽0603" in message
    assert "闽0602" in message
    assert (court.short_name or court.name) in message


@pytest.mark.django_db
def test_zhangzhou_intermediate_court_accepts_its_numbers():
    court = Organization.objects.get(court_code="闽06")
    assert validate_court_case_number("〔2024〕闽06民特1号", court=court).court_code == "闽06"


# ---------------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("(2024)闽0602民特123号", "（2024）闽0602民特123号"),
        ("〔2024〕闽0602民特123号", "（2024）闽0602民特123号"),
        ("[2024]闽0602民特123号", "（2024）闽0602民特123号"),
        ("【2024】闽0602民特123号", "（2024）闽0602民特123号"),
        ("  （2024） 闽0602 民特 123号 ", "（2024）闽0602民特123号"),
        ("（2024）\u3000闽0602民特123号", "（2024）闽0602民特123号"),
        ("（２０２４）闽０６０２民特１２３号", "（2024）闽0602民特123号"),
        ("（2013）苏民初字第0002号", "（2013）苏民初字第0002号"),
        ("not a number", "notanumber"),
        ("", ""),
    ],
)
def test_normalize(value, expected):
    assert normalize_court_case_number(value) == expected


def test_normalize_never_raises_on_none():
    assert normalize_court_case_number(None) == ""


def test_validation_messages_are_translatable_strings():
    error = _error(validate_court_case_number, "（2024）闽0603民特123号", court=XIANGCHENG)
    # A lazy translation proxy, interpolated with its params only when rendered.
    assert "%(number_court)s" in str(error.message)
