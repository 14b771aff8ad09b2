"""Tests for alliance.validators (DOMAIN §5)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from alliance import validators as v


def _error(func, *args) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        func(*args)
    return excinfo.value


def _message(error: ValidationError) -> str:
    (message,) = error.messages
    return message


# ---------------------------------------------------------------------------------------------
# USCC (DOMAIN §5.a)
# ---------------------------------------------------------------------------------------------

REAL_USCCS = [
    "914403001922038216",  # Huawei (STACK §4)
    "91330100716105852F",  # Alibaba (China)
    "9144030071526726XG",  # Tencent (Shenzhen)
    "91110108551385082Q",  # Xiaomi
    "91440300192317458F",  # BYD
    "91100000100003962T",  # ICBC: region part 100000 (national registration)
    "911000001000013428",  # Bank of China: region part 100000
]

# Built with a correct GB 32100 check character (cross-checked against python-stdnum's
# calc_check_digit) and a correct GB 11714 organisation-code check; stdnum.validate rejects them.
LETTER_FIRST_USCCS = [
    "N2350600MA2Y0X3A2T",  # 农业农村: rural collective economic organisation
    "N3350623MA32WTK05W",
    "Y1100000MA0000CN1M",  # other authority, region 100000
    "A1100000MA01AB2C3W",
    "G1110000MA00GK3D4A",
    "J1350602MA3EXAMP76",
    "Q1350600MA0000QL48",
]


@pytest.mark.parametrize("code", REAL_USCCS)
def test_uscc_real_codes_are_valid(code):
    v.validate_uscc(code)


@pytest.mark.parametrize("code", LETTER_FIRST_USCCS)
def test_uscc_letter_first_codes_with_correct_check_are_valid(code):
    v.validate_uscc(code)


def test_uscc_non_enterprise_social_organisation_code_is_valid():
    v.validate_uscc("51350600MJ0000AB3G")


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("9144 0300 7152 6726xg", "9144030071526726XG"),
        ("91-3301-0071-6105-852f", "91330100716105852F"),
        (" 914403001922038216\n", "914403001922038216"),
        ("９１４４０３００１９２２０３８２１６", "914403001922038216"),  # full-width
    ],
)
def test_uscc_normalisation_strips_spaces_hyphens_and_upper_cases(raw, canonical):
    assert v.normalize_uscc(raw) == canonical
    v.validate_uscc(raw)


@pytest.mark.parametrize(
    ("code", "expected", "actual"),
    [
        ("914403001922038217", "6", "7"),
        ("91330100716105852E", "F", "E"),
        ("9144030071526726XH", "G", "H"),
        ("N2350600MA2Y0X3A2A", "T", "A"),
        ("91350600MA2Y0X3A3B", "E", "B"),  # STACK §4 says this passes stdnum; it does not
        ("91350203M0001QAY9B", "9", "B"),  # DOMAIN §5.a: the code one repo hard-codes as exception
    ],
)
def test_uscc_wrong_check_character_names_the_expected_one(code, expected, actual):
    error = _error(v.validate_uscc, code)
    assert error.code == "uscc_checksum"
    assert error.params == {"expected": expected, "actual": actual}
    assert _message(error) == f"The check character should be '{expected}', not '{actual}'."


@pytest.mark.parametrize(
    ("code", "length"),
    [("91440300192317458", 17), ("9144030019231745800", 19), ("9", 1)],
)
def test_uscc_wrong_length_is_reported_with_the_actual_length(code, length):
    error = _error(v.validate_uscc, code)
    assert error.code == "uscc_length"
    assert _message(error) == f"A USCC has 18 characters; this one has {length}."


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_uscc_forbidden_letters_are_named(letter):
    code = "9144030019231745" + letter + "F"
    error = _error(v.validate_uscc, code)
    assert error.code == "uscc_forbidden_letter"
    assert error.params == {"char": letter}
    assert f"the letter '{letter}'" in _message(error)
    assert "(I, O, S, V, Z are never used)" in _message(error)


def test_uscc_lower_case_forbidden_letter_is_reported_upper_case():
    error = _error(v.validate_uscc, "91440300192317458o")
    assert error.params == {"char": "O"}


@pytest.mark.parametrize("char", ["*", "号", "_"])
def test_uscc_other_characters_are_rejected(char):
    error = _error(v.validate_uscc, "91440300192317458" + char)
    assert error.code == "uscc_invalid_character"
    assert f"'{char}'" in _message(error)


@pytest.mark.parametrize("value", ["", "   ", " - "])
def test_uscc_empty_value_is_rejected(value):
    assert _error(v.validate_uscc, value).code == "uscc_empty"


@pytest.mark.parametrize("code", REAL_USCCS + LETTER_FIRST_USCCS)
def test_uscc_check_character_reproduces_the_18th_character(code):
    assert v.uscc_check_character(code[:17]) == code[17]


@pytest.mark.parametrize("first17", ["9144030019223821", "91440300192203821O", "ABC"])
def test_uscc_check_character_rejects_bad_input_with_value_error(first17):
    with pytest.raises(ValueError):
        v.uscc_check_character(first17)


@pytest.mark.parametrize("code", [*REAL_USCCS, *LETTER_FIRST_USCCS, "51350600MJ0000AB3G"])
def test_uscc_org_code_warning_is_none_for_consistent_codes(code):
    assert v.uscc_org_code_warning(code) is None


def test_uscc_org_code_warning_explains_the_inconsistent_organisation_code():
    # Valid GB 32100 check character, but MA2Y0X3A should have organisation check '2'.
    code = "91350600MA2Y0X3A3E"
    v.validate_uscc(code)
    warning = v.uscc_org_code_warning(code)
    assert warning is not None
    assert "MA2Y0X3A3" in warning
    assert "should be '2', not '3'" in warning


@pytest.mark.parametrize("value", ["", "9144", "91440300192317458O", None])
def test_uscc_org_code_warning_never_raises_on_malformed_input(value):
    assert v.uscc_org_code_warning(value) is None


# ---------------------------------------------------------------------------------------------
# Patent application numbers (DOMAIN §5.b)
# ---------------------------------------------------------------------------------------------

REAL_PATENT_NUMBERS = [
    # (as written in the source, canonical, type)
    ("201710601862.3", "201710601862.3", "invention"),  # dfrtw.com worked example
    ("95115608.X", "95115608.X", "invention"),  # old format, X check (chengju.com)
    ("97101765.4", "97101765.4", "invention"),
    ("ZL201430238126.3", "201430238126.3", "design"),  # (2016)粤民终782号
    ("ZL200920182473.2", "200920182473.2", "utility_model"),
    ("201510373341.8", "201510373341.8", "invention"),
    ("201611245881.9", "201611245881.9", "invention"),
    ("91103346.7", "91103346.7", "invention"),  # 礼来
]


@pytest.mark.parametrize(("raw", "canonical", "kind"), REAL_PATENT_NUMBERS)
def test_patent_real_numbers_are_valid(raw, canonical, kind):
    v.validate_patent_number(raw)
    assert v.normalize_patent_number(raw) == canonical
    assert v.patent_type(raw) == kind


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("ZL 2017 1 0601862.3", "201710601862.3"),
        ("zl201710601862.3", "201710601862.3"),
        ("CN201710601862.3", "201710601862.3"),
        ("2017106018623", "201710601862.3"),  # dot missing
        ("ZL95115608.x", "95115608.X"),
        ("95115608x", "95115608.X"),
        ("２０１７１０６０１８６２．３", "201710601862.3"),  # full-width
        ("ZL 201910000017.X", "201910000017.X"),
    ],
)
def test_patent_normalisation_produces_the_canonical_application_number(raw, canonical):
    assert v.normalize_patent_number(raw) == canonical
    v.validate_patent_number(raw)


def test_patent_normalisation_leaves_unrecognised_values_tidied_but_unchanged():
    assert v.normalize_patent_number(" zl 12345 ") == "12345"


@pytest.mark.parametrize(
    ("number", "kind"),
    [
        ("201910000017.X", "invention"),  # new format, X check
        ("202120000005.X", "utility_model"),
        ("202230000005.X", "design"),
        ("202080000001.X", "pct_invention"),
        ("201890000008.X", "pct_utility_model"),
        ("200310000001.8", "invention"),  # both formats exist for 2003
        ("03100100.9", "invention"),
        ("98110200.X", "invention"),
        ("99200012.2", "utility_model"),
        ("01310012.2", "design"),
        ("94800012.0", "pct_invention"),
        ("95900012.7", "pct_utility_model"),
        ("85100001.0", "invention"),  # first year of the old format
        ("202420123456.6", "utility_model"),
    ],
)
def test_patent_derived_numbers_are_valid_and_typed(number, kind):
    v.validate_patent_number(number)
    assert v.patent_type(number) == kind


@pytest.mark.parametrize(
    ("number", "body", "expected", "actual"),
    [
        ("202310123456.7", "202310123456", "6", "7"),  # the brief's example (DOMAIN §5.b)
        ("201710601862.4", "201710601862", "3", "4"),
        ("201910000017.0", "201910000017", "X", "0"),
        ("97101765.X", "97101765", "4", "X"),
        ("95115608.1", "95115608", "X", "1"),
        ("ZL200920182473.3", "200920182473", "2", "3"),
    ],
)
def test_patent_wrong_check_character_names_the_expected_one(number, body, expected, actual):
    error = _error(v.validate_patent_number, number)
    assert error.code == "patent_checksum"
    assert error.params == {"number": body, "expected": expected, "actual": actual}
    assert _message(error) == (
        f"The check character of {body} should be '{expected}', not '{actual}'."
    )


@pytest.mark.parametrize(
    ("number", "full"),
    [("202310123456", "202310123456.6"), ("97101765", "97101765.4")],
)
def test_patent_missing_check_character_suggests_the_full_number(number, full):
    error = _error(v.validate_patent_number, number)
    assert error.code == "patent_missing_check"
    assert full in _message(error)


@pytest.mark.parametrize(
    ("number", "length"),
    [("20171060186.3", 12), ("2017106018.3", 11), ("9711765.4", 8), ("2017106018623456", 16)],
)
def test_patent_wrong_length_is_reported(number, length):
    error = _error(v.validate_patent_number, number)
    assert error.code == "patent_length"
    assert f"this one has {length} characters" in _message(error)


@pytest.mark.parametrize(
    ("number", "char"),
    [("2017106O1862.3", "O"), ("201710601862.A", "A"), ("2017X0601862.3", "X")],
)
def test_patent_non_digit_characters_are_named(number, char):
    error = _error(v.validate_patent_number, number)
    assert error.code == "patent_invalid_character"
    assert error.params == {"char": char}


@pytest.mark.parametrize("number", ["2017106018.62.3", "201710601.8623"])
def test_patent_misplaced_dot_is_rejected(number):
    assert _error(v.validate_patent_number, number).code == "patent_format"


@pytest.mark.parametrize("digit", ["0", "4", "5", "6", "7"])
def test_patent_type_digit_must_be_1_2_3_8_or_9(digit):
    body = "2017" + digit + "0601862"
    number = body + "." + v.patent_check_character(body)
    error = _error(v.validate_patent_number, number)
    assert error.code == "patent_type_digit"
    assert error.params == {"digit": digit}
    with pytest.raises(ValidationError):
        v.patent_type(number)


def test_patent_old_format_type_digit_is_checked():
    body = "97401765"
    error = _error(v.validate_patent_number, body + "." + v.patent_check_character(body))
    assert error.code == "patent_type_digit"


@pytest.mark.parametrize("year", ["2002", "1999", "1985"])
def test_patent_new_format_year_before_2003_is_rejected(year):
    body = year + "10601862"
    error = _error(v.validate_patent_number, body + "." + v.patent_check_character(body))
    assert error.code == "patent_year"
    assert "2003" in _message(error)


def test_patent_new_format_year_in_the_future_is_rejected():
    year = str(dt.date.today().year + 1)
    body = year + "10601862"
    error = _error(v.validate_patent_number, body + "." + v.patent_check_character(body))
    assert error.code == "patent_year"


@pytest.mark.parametrize("yy", ["04", "10", "84", "50"])
def test_patent_old_format_year_outside_85_to_03_is_rejected(yy):
    body = yy + "101765"
    error = _error(v.validate_patent_number, body + "." + v.patent_check_character(body))
    assert error.code == "patent_year"
    assert error.params == {"year": yy}


@pytest.mark.parametrize("number", ["CN106095115A", "CN 106095115 B", "106095115U"])
def test_patent_publication_numbers_are_recognised_and_rejected(number):
    error = _error(v.validate_patent_number, number)
    assert error.code == "patent_publication_number"
    assert "publication" in _message(error)


@pytest.mark.parametrize("number", ["", "  ", "ZL"])
def test_patent_empty_number_is_rejected(number):
    assert _error(v.validate_patent_number, number).code == "patent_empty"


@pytest.mark.parametrize(
    ("digits", "check"),
    [
        ("201710601862", "3"),
        ("202310123456", "6"),
        ("201910000017", "X"),
        ("95115608", "X"),
        ("97101765", "4"),
        ("91103346", "7"),
    ],
)
def test_patent_check_character_helper(digits, check):
    assert v.patent_check_character(digits) == check


@pytest.mark.parametrize("digits", ["2017106018", "20171060186X", "", "1234567890123"])
def test_patent_check_character_helper_rejects_wrong_input(digits):
    with pytest.raises(ValueError):
        v.patent_check_character(digits)


# ---------------------------------------------------------------------------------------------
# Trademarks and Nice classes (DOMAIN §5.c)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("12345678", "12345678"),
        ("1", "1"),
        ("123456789", "123456789"),
        ("第12345678号", "12345678"),
        ("第 12345678 号", "12345678"),
        ("G1234567", "G1234567"),
        ("g 1234567", "G1234567"),
        ("第G1234567号", "G1234567"),
        ("１２３４５６７８", "12345678"),
    ],
)
def test_trademark_numbers_are_valid_and_normalised(raw, canonical):
    v.validate_trademark_number(raw)
    assert v.normalize_trademark_number(raw) == canonical


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "trademark_empty"),
        ("第号", "trademark_empty"),
        ("1234567890", "trademark_length"),
        ("G1234567890", "trademark_length"),
        ("12345A78", "trademark_invalid_character"),
        ("R123456", "trademark_invalid_character"),
        ("G", "trademark_invalid_character"),
        ("GG123", "trademark_invalid_character"),
        ("1234-5678", "trademark_invalid_character"),
        ("0", "trademark_zero"),
        ("G0000", "trademark_zero"),
    ],
)
def test_trademark_invalid_numbers_are_rejected(raw, code):
    assert _error(v.validate_trademark_number, raw).code == code


def test_trademark_invalid_character_is_named():
    error = _error(v.validate_trademark_number, "12345A78")
    assert "'A' is not allowed" in _message(error)


def test_trademark_too_long_reports_the_length():
    assert "this one has 10" in _message(_error(v.validate_trademark_number, "1234567890"))


@pytest.mark.parametrize("value", [1, 9, 35, 45])
def test_nice_class_1_to_45_is_valid(value):
    v.validate_nice_class(value)


@pytest.mark.parametrize("value", [0, 46, -1, 100])
def test_nice_class_outside_1_to_45_is_rejected(value):
    error = _error(v.validate_nice_class, value)
    assert error.code == "nice_class_range"
    assert f"{value} is not a class" in _message(error)


@pytest.mark.parametrize("value", ["9", 9.0, True, None])
def test_nice_class_must_be_an_int(value):
    assert _error(v.validate_nice_class, value).code == "nice_class_type"


# ---------------------------------------------------------------------------------------------
# Copyright registration numbers (DOMAIN §5.d)
# ---------------------------------------------------------------------------------------------

WORKS_NUMBERS = [
    "国作登字-2026-A-00037559",
    "国作登字-2021-L-00268255",
    "闽作登字-2021-A-00012345",
    "赣作登字-2023-A-00132773",
    "川作登字-2020-B-01428462",
    "蒙作登字-2019-F-00001234",
]
SOFTWARE_NUMBERS = [
    "软著登字第15980140号",  # 8 digits (2025-26)
    "软著登字第1234567号",
    "软著登字第123456号",
    "2014SR001852",
    "2016SR172900",
    "2019SR0123456",
]


@pytest.mark.parametrize("number", WORKS_NUMBERS + SOFTWARE_NUMBERS)
def test_copyright_numbers_in_every_format_are_valid(number):
    v.validate_copyright_number(number)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("国作登字 - 2021 - l - 00268255", "国作登字-2021-L-00268255"),
        ("国作登字—2021—L—00268255", "国作登字-2021-L-00268255"),
        ("国作登字－２０２１－Ｌ－００２６８２５５", "国作登字-2021-L-00268255"),
        ("2019sr0123456", "2019SR0123456"),
        ("软著登字第 1234567 号", "软著登字第1234567号"),
    ],
)
def test_copyright_normalisation(raw, canonical):
    assert v.normalize_copyright_number(raw) == canonical
    v.validate_copyright_number(raw)


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("", "copyright_empty"),
        ("国作登字-2021-L-0026825", "copyright_format"),  # 7-digit serial
        ("国作登字-21-L-00268255", "copyright_format"),
        ("国作登字-2021-00268255", "copyright_format"),  # no category letter
        ("作登字-2021-L-00268255", "copyright_format"),
        ("12345678", "copyright_format"),
        ("港作登字-2021-A-00012345", "copyright_province"),
        ("中作登字-2021-A-00012345", "copyright_province"),
        ("国作登字-1989-A-00012345", "copyright_year"),
        ("2099SR0123456", "copyright_year"),
        ("软著登字第12345号", "software_copyright_format"),
        ("软著登字第123456789号", "software_copyright_format"),
        ("软著登字123456号", "software_copyright_format"),
        ("2019SR12345", "software_copyright_format"),
        ("2019SR01234567", "software_copyright_format"),
    ],
)
def test_copyright_invalid_numbers_are_rejected_with_a_specific_code(number, code):
    assert _error(v.validate_copyright_number, number).code == code


def test_copyright_format_error_lists_the_expected_formats():
    message = _message(_error(v.validate_copyright_number, "12345678"))
    assert "国作登字-2021-L-00268255" in message
    assert "2019SR0123456" in message


def test_copyright_unknown_province_is_named():
    message = _message(_error(v.validate_copyright_number, "港作登字-2021-A-00012345"))
    assert "'港作登字'" in message


def test_copyright_software_registration_length_error_counts_digits():
    message = _message(_error(v.validate_copyright_number, "2019SR12345"))
    assert "5 digits after 'SR'" in message


@pytest.mark.parametrize("number", SOFTWARE_NUMBERS)
def test_software_copyright_accepts_software_formats(number):
    v.validate_software_copyright_number(number)


@pytest.mark.parametrize("number", WORKS_NUMBERS)
def test_software_copyright_rejects_works_registrations(number):
    error = _error(v.validate_software_copyright_number, number)
    assert error.code == "software_copyright_works_number"
    assert "works registration" in _message(error)


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("", "copyright_empty"),
        ("12345678", "software_copyright_format"),
        ("软著登字第12号", "software_copyright_format"),
    ],
)
def test_software_copyright_rejects_other_values(number, code):
    assert _error(v.validate_software_copyright_number, number).code == code


# ---------------------------------------------------------------------------------------------
# Administrative division codes (DOMAIN §5.f)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    ["350000", "350600", "350602", "350604", "350605", "350681", "350625", "110101", "820000"],
)
def test_region_codes_are_valid(code):
    v.validate_region_code(code)


def test_region_code_is_normalised_before_validation():
    assert v.normalize_region_code(" ３５０６００ ") == "350600"
    v.validate_region_code(" ３５０６００ ")


@pytest.mark.parametrize("code", ["35060", "3506000", "35O600", "", "350-600", "035060"])
def test_region_code_must_be_six_digits(code):
    error = _error(v.validate_region_code, code)
    assert error.code in {"region_code_format", "region_code_province"}


@pytest.mark.parametrize("code", ["35060", "3506000", "35O600", ""])
def test_region_code_wrong_shape_reports_format(code):
    error = _error(v.validate_region_code, code)
    assert error.code == "region_code_format"
    assert "6 digits" in _message(error)


@pytest.mark.parametrize("code", ["100000", "035060", "160000", "990000", "700000", "830000"])
def test_region_code_with_impossible_province_is_rejected(code):
    error = _error(v.validate_region_code, code)
    assert error.code == "region_code_province"
    assert error.params["province"] == code[:2]


# ---------------------------------------------------------------------------------------------
# Resident identity numbers (GB 11643)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002X",  # the GB 11643 specimen
        "11010519491231002x",  # lower-case x
        "350602199001011235",
        "350602200002291238",  # 29 February of a leap year
        "810000199512310013",  # Hong Kong residents' residence permit
        "3506 0219 9001 0112 35",
    ],
)
def test_resident_id_valid_numbers(number):
    v.validate_resident_id(number)


@pytest.mark.parametrize(
    ("number", "expected", "actual"),
    [("110105194912310021", "X", "1"), ("35060219900101123X", "5", "X")],
)
def test_resident_id_wrong_check_character_names_the_expected_one(number, expected, actual):
    error = _error(v.validate_resident_id, number)
    assert error.code == "resident_id_checksum"
    assert _message(error) == f"The check character should be '{expected}', not '{actual}'."


def test_resident_id_error_messages_do_not_repeat_the_number():
    error = _error(v.validate_resident_id, "35060219900101123X")
    assert "350602" not in _message(error)


@pytest.mark.parametrize(
    "birth",
    ["19900230", "19901301", "19900001", "20010229", "18991231", "21000101"],
)
def test_resident_id_impossible_birth_dates_are_rejected(birth):
    first17 = "350602" + birth + "123"
    number = first17 + v._resident_id_check_character(first17)
    error = _error(v.validate_resident_id, number)
    assert error.code == "resident_id_birth_date"
    assert birth in _message(error)


def test_resident_id_birth_date_tomorrow_is_rejected():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    first17 = "350602" + tomorrow.strftime("%Y%m%d") + "123"
    number = first17 + v._resident_id_check_character(first17)
    assert _error(v.validate_resident_id, number).code == "resident_id_birth_date"


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("", "resident_id_empty"),
        ("350602900101123", "resident_id_legacy"),
        ("35060219900101123", "resident_id_length"),
        ("3506021990010112350", "resident_id_length"),
        ("35060219900101123Y", "resident_id_format"),
        ("3506021990010112X5", "resident_id_format"),
    ],
)
def test_resident_id_malformed_numbers_are_rejected(number, code):
    assert _error(v.validate_resident_id, number).code == code


def test_resident_id_wrong_length_reports_the_length():
    assert "this one has 17" in _message(_error(v.validate_resident_id, "35060219900101123"))


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("35060219900101123X", "350602********123X"),
        ("35060219900101123x", "350602********123X"),
        ("350602199001011235", "350602********1235"),
        ("350602 19900101 1235", "350602********1235"),
        ("350602900101123", "350602*****1123"),
        ("1234567890", "**********"),
        ("", ""),
    ],
)
def test_mask_resident_id_keeps_first_six_and_last_four(number, masked):
    assert v.mask_resident_id(number) == masked


# ---------------------------------------------------------------------------------------------
# Dispatch on IntellectualProperty.kind
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "number"),
    [
        ("invention_patent", "201710601862.3"),
        ("invention_patent", "ZL202080000001.X"),  # PCT invention
        ("invention_patent", "95115608.X"),
        ("utility_model", "ZL200920182473.2"),
        ("utility_model", "201890000008.X"),  # PCT utility model
        ("design_patent", "ZL201430238126.3"),
        ("trademark", "第12345678号"),
        ("trademark", "G1234567"),
        ("geographical_indication", "12345678"),
        ("geographical_indication", "G1234567"),
        ("copyright", "国作登字-2021-L-00268255"),
        ("copyright", "2019SR0123456"),
        ("software_copyright", "软著登字第15980140号"),
        ("trade_secret", ""),
        ("trade_secret", None),
        ("trade_secret", "内部编号 TS-2025-001"),
        ("trade_secret", "x" * 64),
    ],
)
def test_identifier_for_ip_kind_accepts_matching_numbers(kind, number):
    v.validate_identifier_for_ip_kind(kind, number)


@pytest.mark.parametrize(
    ("kind", "number", "actual"),
    [
        ("invention_patent", "ZL200920182473.2", "utility-model application (type digit 2)"),
        ("invention_patent", "ZL201430238126.3", "design application (type digit 3)"),
        ("utility_model", "201710601862.3", "invention application (type digit 1)"),
        ("utility_model", "202080000001.X", "PCT invention application"),
        ("design_patent", "201890000008.X", "PCT utility-model application"),
    ],
)
def test_identifier_for_ip_kind_rejects_patent_of_another_type(kind, number, actual):
    error = _error(v.validate_identifier_for_ip_kind, kind, number)
    assert error.code == "patent_kind_mismatch"
    assert actual in _message(error)


def test_identifier_for_ip_kind_mismatch_message_names_the_expected_type():
    error = _error(v.validate_identifier_for_ip_kind, "design_patent", "201710601862.3")
    assert _message(error) == (
        "201710601862.3 is an invention application (type digit 1), "
        "not a design patent (type digit 3)."
    )


@pytest.mark.parametrize(
    ("kind", "number", "code"),
    [
        ("invention_patent", "202310123456.7", "patent_checksum"),
        ("trademark", "201710601862.3", "trademark_invalid_character"),
        ("geographical_indication", "AGI00123", "trademark_invalid_character"),
        ("geographical_indication", "国家知识产权局公告第123号", "trademark_invalid_character"),
        ("copyright", "12345678", "copyright_format"),
        ("software_copyright", "国作登字-2021-L-00268255", "software_copyright_works_number"),
        ("trade_secret", "x" * 65, "trade_secret_reference_length"),
    ],
)
def test_identifier_for_ip_kind_uses_the_kind_specific_validator(kind, number, code):
    assert _error(v.validate_identifier_for_ip_kind, kind, number).code == code


@pytest.mark.parametrize("kind", [k for k in v.IP_KINDS if k != "trade_secret"])
@pytest.mark.parametrize("number", ["", "   ", None])
def test_identifier_for_ip_kind_requires_a_number_except_for_trade_secrets(kind, number):
    error = _error(v.validate_identifier_for_ip_kind, kind, number)
    assert error.code == "identifier_required"


@pytest.mark.parametrize("kind", ["patent", "", "Trademark", None])
def test_identifier_for_ip_kind_unknown_kind_is_a_validation_error(kind):
    error = _error(v.validate_identifier_for_ip_kind, kind, "12345678")
    assert error.code == "ip_kind_unknown"


@pytest.mark.parametrize("kind", ["patent", "", None])
def test_normalize_identifier_for_unknown_kind_only_strips(kind):
    assert v.normalize_identifier_for_ip_kind(kind, " zl 123 ") == "zl 123"


@pytest.mark.parametrize(
    ("kind", "number", "canonical"),
    [
        ("invention_patent", "ZL 2017 1 0601862.3", "201710601862.3"),
        ("trademark", "第 12345678 号", "12345678"),
        ("geographical_indication", "g1234567", "G1234567"),
        ("copyright", "2019sr0123456", "2019SR0123456"),
        ("software_copyright", "软著登字第 1234567 号", "软著登字第1234567号"),
        ("trade_secret", "  TS-1  ", "TS-1"),
        ("trademark", None, ""),
    ],
)
def test_normalize_identifier_for_ip_kind(kind, number, canonical):
    assert v.normalize_identifier_for_ip_kind(kind, number) == canonical


def test_messages_are_lazy_translatable_strings():
    error = _error(v.validate_uscc, "914403001922038217")
    assert type(error.message).__name__ == "__proxy__"
