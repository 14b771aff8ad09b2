"""Validators and normalisers for the identifiers that appear in alliance case files.

Every ``validate_*`` function raises :class:`django.core.exceptions.ValidationError` with an
English, translatable message that says *what* is wrong, a stable ``code`` and, where useful,
``params``. Every ``normalize_*`` function returns the canonical form that forms and serializers
store; normalisers never raise for malformed input (they only tidy it), validators normalise
first, so ``validate_x(v)`` followed by ``normalize_x(v)`` is the intended order.

All rules are from ``/work/shared/DOMAIN.md`` §5 (identifier formats). The checks are
hand-written on purpose: python-stdnum is not a dependency of this project (and its
``cn.uscc`` module rejects legitimate letter-first USCCs such as ``N2…`` / ``Y1…``, see
STACK.md §4 / gotcha G10); there is nothing in stdnum for Chinese patent numbers at all.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

__all__ = [
    "COPYRIGHT_PROVINCE_ABBREVIATIONS",
    "IP_KINDS",
    "PROVINCE_CODES",
    "USCC_CHARSET",
    "USCC_REGISTRATION_AUTHORITIES",
    "mask_resident_id",
    "normalize_copyright_number",
    "normalize_identifier_for_ip_kind",
    "normalize_patent_number",
    "normalize_region_code",
    "normalize_resident_id",
    "normalize_trademark_number",
    "normalize_uscc",
    "patent_check_character",
    "patent_type",
    "uscc_check_character",
    "uscc_org_code_warning",
    "validate_copyright_number",
    "validate_identifier_for_ip_kind",
    "validate_nice_class",
    "validate_patent_number",
    "validate_region_code",
    "validate_resident_id",
    "validate_software_copyright_number",
    "validate_trademark_number",
    "validate_uscc",
]

# Hyphen-like characters people paste from Word/PDF documents; NFKC already maps the
# full-width hyphen-minus (U+FF0D) to "-".
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63"
_DASH_TABLE = str.maketrans(dict.fromkeys(_DASHES, "-"))


def _clean(value: object) -> str:
    """NFKC-normalise (full-width digits/letters/spaces → ASCII), unify dashes, upper-case."""
    text = unicodedata.normalize("NFKC", str(value if value is not None else ""))
    return text.translate(_DASH_TABLE).upper()


def _strip_spaces(text: str) -> str:
    return "".join(text.split())


# ---------------------------------------------------------------------------------------------
# §5.a Unified Social Credit Code (统一社会信用代码, GB 32100-2015)
# ---------------------------------------------------------------------------------------------

#: The 31 characters a USCC may contain, in value order (DOMAIN §5.a): no I, O, S, V, Z.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {c: i for i, c in enumerate(USCC_CHARSET)}
#: Weights 3^i mod 31 for positions 1..17 (DOMAIN §5.a).
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_USCC_FORBIDDEN_LETTERS = "IOSVZ"

#: Registration-authority codes (position 1), for display only. DOMAIN §5.a / §7 item 7: only
#: 1/5/9/Y are certain to be in the original GB text, so position 1 is *not* restricted to this
#: set — any charset character is accepted.
USCC_REGISTRATION_AUTHORITIES: dict[str, str] = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "工商/市场监管",
    "A": "军委改革和编制办公室",
    "G": "公安",
    "J": "住房城乡建设",
    "N": "农业农村",
    "Q": "侨联",
    "Y": "其他",
}

# GB 11714 organisation-code check (positions 9–17 of a USCC), DOMAIN §5.a.
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def normalize_uscc(value: str) -> str:
    """Return the canonical USCC: spaces and hyphens removed, upper-case (DOMAIN §5.a).

    Full-width characters (``９１３５…``) are folded to ASCII. Never raises.
    """
    return _strip_spaces(_clean(value)).replace("-", "")


def uscc_check_character(first17: str) -> str:
    """Return the GB 32100 check character (position 18) for the first 17 characters.

    ``S = Σ value(c_i) · 3^i mod 31``, check = ``CHARSET[(31 − S mod 31) mod 31]`` (DOMAIN §5.a).
    Raises ``ValueError`` if ``first17`` is not 17 charset characters (this is a helper for code,
    e.g. demo-data generation, not for user input).
    """
    first17 = normalize_uscc(first17)
    if len(first17) != 17 or any(c not in _USCC_VALUES for c in first17):
        raise ValueError(f"need 17 characters from {USCC_CHARSET!r}, got {first17!r}")
    total = sum(_USCC_VALUES[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    """Validate a Unified Social Credit Code (GB 32100-2015, DOMAIN §5.a).

    Rules: 18 characters from ``0-9`` and ``A-Y`` without ``I, O, S, V, Z`` after normalisation
    (so lower case, spaces and hyphens are accepted); the 18th character is the mod-31 check
    character. Deliberately *not* checked: the registration authority / entity type
    (positions 1–2 may be any charset character, e.g. ``N2…``, ``Y1…``), whether positions 3–8
    are a real region code (``100000`` occurs for national registrations), and the GB 11714
    check of positions 9–17 (see :func:`uscc_org_code_warning`, a warning only).

    Error codes: ``uscc_empty``, ``uscc_length``, ``uscc_forbidden_letter``,
    ``uscc_invalid_character``, ``uscc_checksum``.
    """
    code = normalize_uscc(value)
    if not code:
        raise ValidationError(_("Enter a Unified Social Credit Code."), code="uscc_empty")
    for char in code:
        if char in _USCC_FORBIDDEN_LETTERS:
            raise ValidationError(
                _(
                    "USCC contains the letter '%(char)s', which is not allowed "
                    "(I, O, S, V, Z are never used)."
                ),
                code="uscc_forbidden_letter",
                params={"char": char},
            )
        if char not in _USCC_VALUES:
            raise ValidationError(
                _(
                    "USCC contains the character '%(char)s', which is not allowed; a USCC "
                    "consists of digits and capital letters only."
                ),
                code="uscc_invalid_character",
                params={"char": char},
            )
    if len(code) != 18:
        raise ValidationError(
            _("A USCC has 18 characters; this one has %(length)d."),
            code="uscc_length",
            params={"length": len(code)},
        )
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("The check character should be '%(expected)s', not '%(actual)s'."),
            code="uscc_checksum",
            params={"expected": expected, "actual": code[17]},
        )


def _org_code_value(char: str) -> int:
    # GB 11714 values: 0–9, A=10 … Z=35 (the full Latin alphabet, unlike the USCC charset).
    return int(char, 36)


def uscc_org_code_warning(value: str) -> str | None:
    """Return a warning if the embedded organisation code (positions 9–17) fails GB 11714.

    Weights ``3,7,9,10,5,8,4,2`` on positions 9–16 (``0–9``, ``A=10 … Z=35``);
    ``r = 11 − S mod 11``, ``r = 10 → 'X'``, ``r = 11 → '0'``; must equal position 17
    (DOMAIN §5.a "optional second check"). Codes issued before the organisation-code system may
    legitimately fail, so this is advisory: it **never raises** and returns ``None`` when the
    check passes or when the value is not a well-formed USCC (that is :func:`validate_uscc`'s
    job).
    """
    code = normalize_uscc(value)
    if len(code) != 18 or any(c not in _USCC_VALUES for c in code):
        return None
    body, actual = code[8:16], code[16]
    total = sum(_org_code_value(c) * w for c, w in zip(body, _ORG_CODE_WEIGHTS, strict=True))
    remainder = 11 - total % 11
    expected = {10: "X", 11: "0"}.get(remainder, str(remainder))
    if actual == expected:
        return None
    return gettext(
        "The organisation code inside this USCC (characters 9–17, %(org_code)s) fails its own "
        "GB 11714 check: character 17 should be '%(expected)s', not '%(actual)s'. Please "
        "double-check the code against the business licence."
    ) % {"org_code": code[8:17], "expected": expected, "actual": actual}


# ---------------------------------------------------------------------------------------------
# §5.b Chinese patent application numbers (专利申请号) / patent numbers (专利号 = ZL + 申请号)
# ---------------------------------------------------------------------------------------------

_NEW_PATENT_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_OLD_PATENT_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9)
_PATENT_TYPES = {
    "1": "invention",
    "2": "utility_model",
    "3": "design",
    "8": "pct_invention",
    "9": "pct_utility_model",
}
_PATENT_TYPE_LABELS = {
    "invention": _("an invention application (type digit 1)"),
    "utility_model": _("a utility-model application (type digit 2)"),
    "design": _("a design application (type digit 3)"),
    "pct_invention": _("a PCT invention application entering the national phase (type digit 8)"),
    "pct_utility_model": _(
        "a PCT utility-model application entering the national phase (type digit 9)"
    ),
}
_PUBLICATION_NUMBER_RE = re.compile(r"^\d{9}[A-Z]\d?$")


def _strip_patent_prefix(value: object) -> str:
    text = _strip_spaces(_clean(value))
    for prefix in ("ZL", "CN"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    return text


def normalize_patent_number(value: str) -> str:
    """Return the canonical application number ``YYYYTNNNNNNN.C`` (new) / ``YYTNNNNN.C`` (old).

    Strips the ``ZL`` (patent number) or ``CN`` prefix, all spaces and the dot, upper-cases the
    ``X`` check character, then re-inserts the dot before the check character (DOMAIN §5.b).
    A value that does not have the shape of an application number *with* check character is
    returned prefix-stripped, without spaces and upper-cased, but otherwise unchanged.
    Never raises.
    """
    text = _strip_patent_prefix(value)
    digits = text.replace(".", "")
    if re.fullmatch(r"\d{12}[0-9X]|\d{8}[0-9X]", digits):
        return f"{digits[:-1]}.{digits[-1]}"
    return text


def patent_check_character(digits: str) -> str:
    """Return the check character for 12 (new format) or 8 (old format) application digits.

    New: weights ``2,3,4,5,6,7,8,9,2,3,4,5``; old: weights ``2..9``; the remainder mod 11 *is*
    the check digit, ``10 → 'X'`` (DOMAIN §5.b). Raises ``ValueError`` for anything but
    12 or 8 ASCII digits.
    """
    if not re.fullmatch(r"\d{12}|\d{8}", digits or ""):
        raise ValueError(f"need 12 or 8 digits, got {digits!r}")
    weights = _NEW_PATENT_WEIGHTS if len(digits) == 12 else _OLD_PATENT_WEIGHTS
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def _parse_patent_number(value: object) -> tuple[str, str | None]:
    """Split into (digits without check, check char or None); raise for a wrong shape."""
    text = _strip_patent_prefix(value)
    if not text:
        raise ValidationError(_("Enter a patent application number."), code="patent_empty")
    if _PUBLICATION_NUMBER_RE.fullmatch(text):
        raise ValidationError(
            _(
                "'%(value)s' looks like a publication or grant number (CN + 9 digits + kind "
                "code such as A, B, U or S). Enter the application number instead, e.g. "
                "201710601862.3."
            ),
            code="patent_publication_number",
            params={"value": text},
        )
    if text.count(".") > 1 or ("." in text and len(text.partition(".")[2]) != 1):
        raise ValidationError(
            _(
                "A patent application number has exactly one check character after the dot, "
                "e.g. 201710601862.3 or 97101765.4."
            ),
            code="patent_format",
        )
    compact = text.replace(".", "")
    bad = next((c for c in compact if c not in "0123456789X"), None)
    if "." in text:
        body, _dot, check = text.partition(".")
    elif len(text) in (13, 9):
        body, check = text[:-1], text[-1]
    else:
        body, check = text, None
    if bad is None and "X" in body:
        bad = "X"
    if bad is not None:
        raise ValidationError(
            _(
                "A patent application number contains only digits (and 'X' as the check "
                "character); '%(char)s' is not allowed."
            ),
            code="patent_invalid_character",
            params={"char": bad},
        )
    if len(body) not in (12, 8):
        raise ValidationError(
            _(
                "A patent application number has 12 digits plus a check character "
                "(since 2003, e.g. 201710601862.3) or 8 digits plus a check character "
                "(1985–2003, e.g. 97101765.4); this one has %(length)d characters."
            ),
            code="patent_length",
            params={"length": len(compact)},
        )
    return body, check


def _check_patent_year_and_type(body: str) -> None:
    if len(body) == 12:
        year = int(body[:4])
        this_year = dt.date.today().year
        if not 2003 <= year <= this_year:
            raise ValidationError(
                _(
                    "The year in a 12-digit patent application number must be between 2003 and "
                    "%(this_year)d; %(year)d is not possible."
                ),
                code="patent_year",
                params={"year": year, "this_year": this_year},
            )
        type_digit = body[4]
    else:
        yy = int(body[:2])
        if not (yy >= 85 or yy <= 3):
            raise ValidationError(
                _(
                    "Old-format (8-digit) patent application numbers were issued from 1985 to "
                    "2003; the year '%(year)s' is not possible. Numbers from 2004 on have 12 "
                    "digits."
                ),
                code="patent_year",
                params={"year": body[:2]},
            )
        type_digit = body[2]
    if type_digit not in _PATENT_TYPES:
        raise ValidationError(
            _(
                "The patent type digit is '%(digit)s'; it must be 1 (invention), 2 (utility "
                "model), 3 (design), 8 (PCT invention) or 9 (PCT utility model)."
            ),
            code="patent_type_digit",
            params={"digit": type_digit},
        )


def validate_patent_number(value: str) -> None:
    """Validate a Chinese patent application number or patent number (DOMAIN §5.b).

    Accepted after normalisation (``ZL``/``CN`` prefix, spaces and the dot removed, lower-case
    ``x`` allowed): new format ``YYYY`` + type + 7-digit serial + check (``201710601862.3``,
    year 2003 … this year) and old format ``YY`` + type + 5-digit serial + check
    (``97101765.4``, years 85–03). Type digit 1, 2, 3, 8 or 9. The check character is
    ``Σ digit·weight mod 11`` (new weights ``2..9,2..5``, old ``2..9``), 10 → ``X``.

    Error codes: ``patent_empty``, ``patent_publication_number``, ``patent_format``,
    ``patent_invalid_character``, ``patent_length``, ``patent_year``, ``patent_type_digit``,
    ``patent_missing_check``, ``patent_checksum``.
    """
    body, check = _parse_patent_number(value)
    _check_patent_year_and_type(body)
    expected = patent_check_character(body)
    if check is None:
        raise ValidationError(
            _(
                "The check character is missing: the full application number is "
                "%(number)s.%(expected)s."
            ),
            code="patent_missing_check",
            params={"number": body, "expected": expected},
        )
    if check != expected:
        raise ValidationError(
            _("The check character of %(number)s should be '%(expected)s', not '%(actual)s'."),
            code="patent_checksum",
            params={"number": body, "expected": expected, "actual": check},
        )


def patent_type(value: str) -> str:
    """Return the application type encoded in the type digit (DOMAIN §5.b).

    One of ``'invention'`` (1), ``'utility_model'`` (2), ``'design'`` (3), ``'pct_invention'``
    (8), ``'pct_utility_model'`` (9). Only the structure, year and type digit are checked, not the
    check character (call :func:`validate_patent_number` for that); raises ``ValidationError``
    with the codes of :func:`validate_patent_number` if the type cannot be read.
    """
    body, _check = _parse_patent_number(value)
    _check_patent_year_and_type(body)
    return _PATENT_TYPES[body[4] if len(body) == 12 else body[2]]


# ---------------------------------------------------------------------------------------------
# §5.c Trademark registration numbers, Nice classes
# ---------------------------------------------------------------------------------------------

_TRADEMARK_WRAPPER_RE = re.compile(r"^第(.*)号$")


def normalize_trademark_number(value: str) -> str:
    """Return the canonical trademark number: digits, or ``G`` + digits (DOMAIN §5.c).

    Removes a ``第…号`` wrapper, spaces, and upper-cases a Madrid ``g`` prefix:
    ``"第 12345678 号" → "12345678"``, ``"g 1234567" → "G1234567"``. Never raises.
    """
    text = _strip_spaces(_clean(value))
    match = _TRADEMARK_WRAPPER_RE.fullmatch(text)
    if match:
        text = match.group(1)
    return text


def validate_trademark_number(value: str) -> None:
    """Validate a trademark application/registration number (DOMAIN §5.c).

    China uses one sequential number (no check digit) for application and registration:
    1–9 digits, not all zeros. Madrid international registrations designating China are
    accepted as ``G`` + 1–9 digits. ``第…号`` and spaces are tolerated.

    Error codes: ``trademark_empty``, ``trademark_invalid_character``, ``trademark_length``,
    ``trademark_zero``.
    """
    number = normalize_trademark_number(value)
    if not number:
        raise ValidationError(_("Enter a trademark number."), code="trademark_empty")
    digits = number[1:] if number.startswith("G") else number
    bad = next((c for c in digits if not ("0" <= c <= "9")), None)
    if bad is not None or not digits:
        raise ValidationError(
            _(
                "A trademark number consists of digits only (Madrid international registrations: "
                "'G' followed by digits); '%(char)s' is not allowed."
            ),
            code="trademark_invalid_character",
            params={"char": bad or number},
        )
    if len(digits) > 9:
        raise ValidationError(
            _("A trademark number has at most 9 digits; this one has %(length)d."),
            code="trademark_length",
            params={"length": len(digits)},
        )
    if int(digits) == 0:
        raise ValidationError(_("A trademark number cannot be zero."), code="trademark_zero")


def validate_nice_class(value: int) -> None:
    """Validate a Nice classification class: an integer from 1 to 45 (DOMAIN §5.c).

    Error codes: ``nice_class_type`` (not an integer), ``nice_class_range``.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(
            _("The Nice class must be a whole number from 1 to 45."),
            code="nice_class_type",
        )
    if not 1 <= value <= 45:
        raise ValidationError(
            _("The Nice class must be between 1 and 45; %(value)d is not a class."),
            code="nice_class_range",
            params={"value": value},
        )


# ---------------------------------------------------------------------------------------------
# §5.d Copyright registration numbers
# ---------------------------------------------------------------------------------------------

#: Province-level abbreviations used as prefixes of provincial works registrations
#: (``闽作登字-…``). This is DOMAIN §5.d's set plus "蒙": DOMAIN lists "内" for Inner Mongolia,
#: whose usual one-character abbreviation is "蒙"; both are accepted until a real number is seen.
COPYRIGHT_PROVINCE_ABBREVIATIONS = frozenset(
    "京津冀晋内蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川黔云藏陕甘青宁新"
)

_FIRST_COPYRIGHT_YEAR = 1990  # the Copyright Law took effect on 1991-06-01
_WORKS_RE = re.compile(r"^(?P<prefix>.)作登字-(?P<year>\d{4})-(?P<cat>[A-Z])-(?P<serial>\d{8})$")
_SOFTWARE_CERT_RE = re.compile(r"^软著登字第(?P<serial>\d{6,8})号$")
_SOFTWARE_REG_RE = re.compile(r"^(?P<year>\d{4})SR(?P<serial>\d{6,7})$")


def normalize_copyright_number(value: str) -> str:
    """Return the canonical copyright registration number (DOMAIN §5.d).

    Folds full-width characters, unifies dashes to ``-``, removes spaces and upper-cases the
    Latin letters (``2019sr0123456 → 2019SR0123456``, ``国作登字 — 2021 — l — 00268255 →
    国作登字-2021-L-00268255``). Never raises.
    """
    return _strip_spaces(_clean(value))


def _copyright_format_error(number: str) -> ValidationError:
    return ValidationError(
        _(
            "'%(value)s' is not a recognised copyright registration number. Expected formats: "
            "国作登字-2021-L-00268255 (national works registration), 闽作登字-2021-A-00012345 "
            "(provincial), 软著登字第1234567号 (software certificate) or 2019SR0123456 "
            "(software registration number)."
        ),
        code="copyright_format",
        params={"value": number},
    )


def _check_copyright_year(year: int) -> None:
    this_year = dt.date.today().year
    if not _FIRST_COPYRIGHT_YEAR <= year <= this_year:
        raise ValidationError(
            _(
                "The year in a copyright registration number must be between %(first)d and "
                "%(this_year)d; %(year)d is not possible."
            ),
            code="copyright_year",
            params={"year": year, "first": _FIRST_COPYRIGHT_YEAR, "this_year": this_year},
        )


def _validate_software_number(number: str) -> bool:
    """Validate the software formats; return False if ``number`` is in neither of them."""
    if _SOFTWARE_CERT_RE.fullmatch(number):
        return True
    match = _SOFTWARE_REG_RE.fullmatch(number)
    if match:
        _check_copyright_year(int(match["year"]))
        return True
    if number.startswith("软著登字"):
        raise ValidationError(
            _(
                "A software copyright certificate number looks like 软著登字第1234567号 "
                "(6 to 8 digits between 第 and 号)."
            ),
            code="software_copyright_format",
        )
    if re.fullmatch(r"\d{4}SR\d*", number):
        raise ValidationError(
            _(
                "A software registration number is the year, 'SR' and 6 or 7 digits, e.g. "
                "2019SR0123456; this one has %(length)d digits after 'SR'."
            ),
            code="software_copyright_format",
            params={"length": len(number) - 6},
        )
    return False


def validate_copyright_number(value: str) -> None:
    """Validate any copyright registration number (DOMAIN §5.d); none has a check digit.

    Accepted (after :func:`normalize_copyright_number`):

    * national works registration ``国作登字-YYYY-X-NNNNNNNN`` (category letter A–Z, 8 digits);
    * provincial works registration with a province abbreviation instead of 国, e.g.
      ``闽作登字-2021-A-00012345`` (see :data:`COPYRIGHT_PROVINCE_ABBREVIATIONS`);
    * software certificate ``软著登字第NNNNNN号`` (6–8 digits);
    * software registration number ``YYYYSRNNNNNN`` (6–7 digits).

    Years must lie between 1990 and the current year. The category-letter mapping is
    unverified (DOMAIN §7 item 8), so any capital letter is accepted.

    Error codes: ``copyright_empty``, ``copyright_format``, ``copyright_province``,
    ``copyright_year``, ``software_copyright_format``.
    """
    number = normalize_copyright_number(value)
    if not number:
        raise ValidationError(_("Enter a copyright registration number."), code="copyright_empty")
    if _validate_software_number(number):
        return
    match = _WORKS_RE.fullmatch(number)
    if not match:
        raise _copyright_format_error(number)
    prefix = match["prefix"]
    if prefix != "国" and prefix not in COPYRIGHT_PROVINCE_ABBREVIATIONS:
        raise ValidationError(
            _(
                "'%(prefix)s作登字' is not a known registration authority: use 国作登字 for the "
                "Copyright Protection Center of China or a province abbreviation such as 闽."
            ),
            code="copyright_province",
            params={"prefix": prefix},
        )
    _check_copyright_year(int(match["year"]))


def validate_software_copyright_number(value: str) -> None:
    """Validate a *software* copyright number: stricter than :func:`validate_copyright_number`.

    Only the two software formats are accepted — certificate ``软著登字第NNNNNN号`` (6–8 digits)
    or registration number ``YYYYSRNNNNNN`` (6–7 digits) (DOMAIN §5.d); a works registration
    (``国作登字-…``) is rejected with code ``software_copyright_works_number``.
    """
    number = normalize_copyright_number(value)
    if not number:
        raise ValidationError(
            _("Enter a software copyright registration number."), code="copyright_empty"
        )
    if _validate_software_number(number):
        return
    if _WORKS_RE.fullmatch(number):
        raise ValidationError(
            _(
                "'%(value)s' is a works registration number; software is registered as "
                "软著登字第1234567号 (certificate) or 2019SR0123456 (registration number)."
            ),
            code="software_copyright_works_number",
            params={"value": number},
        )
    raise ValidationError(
        _(
            "'%(value)s' is not a software copyright number. Expected 软著登字第1234567号 "
            "(certificate) or 2019SR0123456 (registration number)."
        ),
        code="software_copyright_format",
        params={"value": number},
    )


# ---------------------------------------------------------------------------------------------
# §5.f Administrative division codes (行政区划代码, GB/T 2260)
# ---------------------------------------------------------------------------------------------

#: The 34 province-level prefixes of GB/T 2260 (incl. 71 Taiwan, 81 Hong Kong, 82 Macao).
PROVINCE_CODES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82}
)


def normalize_region_code(value: str) -> str:
    """Return the region code with spaces removed and full-width digits folded. Never raises."""
    return _strip_spaces(_clean(value))


def validate_region_code(value: str) -> None:
    """Validate the shape of an administrative division code (DOMAIN §5.f).

    Six digits whose first two are a GB/T 2260 province-level code (11–15, 21–23, 31–37,
    41–46, 50–54, 61–65, 71, 81, 82) — so no leading 0, and ``100000`` (used *inside* USCCs for
    national registrations) is not a region. Whether the code exists (or existed: retired codes
    such as 350681 are kept for old records) is checked against the division table elsewhere.

    Error codes: ``region_code_format``, ``region_code_province``.
    """
    code = normalize_region_code(value)
    if not re.fullmatch(r"[0-9]{6}", code):
        raise ValidationError(
            _("An administrative division code has exactly 6 digits, e.g. 350600."),
            code="region_code_format",
        )
    if int(code[:2]) not in PROVINCE_CODES:
        raise ValidationError(
            _(
                "'%(province)s' is not a province-level code, so %(value)s cannot be an "
                "administrative division code (province codes run from 11 to 82)."
            ),
            code="region_code_province",
            params={"province": code[:2], "value": code},
        )


# ---------------------------------------------------------------------------------------------
# Resident identity card numbers (居民身份证号码, GB 11643-1999)
# ---------------------------------------------------------------------------------------------
# Hand-written rather than stdnum.cn.ric: python-stdnum is not a dependency of this project
# (see the module docstring), and the rule is ten lines.

_RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_ID_CHECK = "10X98765432"


def normalize_resident_id(value: str) -> str:
    """Return the resident ID without spaces, full-width folded, with an upper-case ``X``."""
    return _strip_spaces(_clean(value))


def _resident_id_check_character(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _RESIDENT_ID_WEIGHTS, strict=True))
    return _RESIDENT_ID_CHECK[total % 11]


def validate_resident_id(value: str) -> None:
    """Validate an 18-character PRC resident identity number (GB 11643-1999).

    17 digits (6 region + 8 birth date ``YYYYMMDD`` + 3 sequence) and a check character:
    ``Σ digit·weight mod 11`` with weights ``7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2`` indexes
    ``"10X98765432"``. The birth date must be a real calendar date, not before 1900 and not in
    the future. The region part is not checked (residence permits for Hong Kong, Macao and
    Taiwan residents use 810000/820000/830000). Messages never repeat the number (personal data).

    Error codes: ``resident_id_empty``, ``resident_id_legacy``, ``resident_id_length``,
    ``resident_id_format``, ``resident_id_birth_date``, ``resident_id_checksum``.
    """
    number = normalize_resident_id(value)
    if not number:
        raise ValidationError(_("Enter a resident ID number."), code="resident_id_empty")
    if len(number) == 15 and number.isdigit():
        raise ValidationError(
            _(
                "This is a 15-digit first-generation ID number, which is no longer valid; enter "
                "the 18-character number."
            ),
            code="resident_id_legacy",
        )
    if len(number) != 18:
        raise ValidationError(
            _("A resident ID number has 18 characters; this one has %(length)d."),
            code="resident_id_length",
            params={"length": len(number)},
        )
    if not (number[:17].isascii() and number[:17].isdigit()) or number[17] not in "0123456789X":
        raise ValidationError(
            _(
                "A resident ID number consists of 17 digits followed by a digit or 'X' as the "
                "check character."
            ),
            code="resident_id_format",
        )
    birth = number[6:14]
    try:
        born = dt.date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    except ValueError:
        born = None
    if born is None or born.year < 1900 or born > dt.date.today():
        raise ValidationError(
            _(
                "Characters 7–14 of a resident ID number are the birth date (YYYYMMDD); "
                "%(birth)s is not a possible birth date."
            ),
            code="resident_id_birth_date",
            params={"birth": birth},
        )
    expected = _resident_id_check_character(number[:17])
    if number[17] != expected:
        raise ValidationError(
            _("The check character should be '%(expected)s', not '%(actual)s'."),
            code="resident_id_checksum",
            params={"expected": expected, "actual": number[17]},
        )


def mask_resident_id(value: str) -> str:
    """Mask a resident ID for display: keep the first 6 and last 4 characters.

    ``350602199001011234 → 350602********1234``. Works on the normalised value and does not
    validate; values of 10 characters or fewer are masked completely so that nothing that
    might be a full number is ever shown.
    """
    number = normalize_resident_id(value)
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


# ---------------------------------------------------------------------------------------------
# Dispatch on IntellectualProperty.kind
# ---------------------------------------------------------------------------------------------

#: The IntellectualProperty.kind values this module understands.
IP_KINDS = (
    "invention_patent",
    "utility_model",
    "design_patent",
    "trademark",
    "geographical_indication",
    "copyright",
    "software_copyright",
    "trade_secret",
)

_KIND_PATENT_TYPES = {
    "invention_patent": ("invention", "pct_invention"),
    "utility_model": ("utility_model", "pct_utility_model"),
    "design_patent": ("design",),
}
_KIND_EXPECTATIONS = {
    "invention_patent": _("an invention patent (type digit 1 or 8)"),
    "utility_model": _("a utility model (type digit 2 or 9)"),
    "design_patent": _("a design patent (type digit 3)"),
}
_KIND_LABELS = {
    "invention_patent": _("an invention patent"),
    "utility_model": _("a utility model"),
    "design_patent": _("a design patent"),
    "trademark": _("a trademark"),
    "geographical_indication": _("a geographical indication"),
    "copyright": _("a copyright"),
    "software_copyright": _("a software copyright"),
}
_TRADE_SECRET_MAX_LENGTH = 64


def validate_identifier_for_ip_kind(kind: str, number: str) -> None:
    """Validate ``number`` as the official identifier of an IP right of ``kind`` (DOMAIN §5).

    * ``invention_patent`` / ``utility_model`` / ``design_patent`` — :func:`validate_patent_number`
      and the type digit must match the kind: 1 or 8 invention, 2 or 9 utility model, 3 design
      (code ``patent_kind_mismatch``);
    * ``trademark`` — :func:`validate_trademark_number`;
    * ``geographical_indication`` — GI certification/collective marks are ordinary trademark
      registrations (DOMAIN §5.e track 1), so **only trademark numbers** are accepted; CNIPA
      GI-product announcements and former ``AGI`` certificates are not identifiers here;
    * ``copyright`` — :func:`validate_copyright_number` (works or software formats);
    * ``software_copyright`` — :func:`validate_software_copyright_number`;
    * ``trade_secret`` — no number required; a reference, if given, is free text of at most
      64 characters (code ``trade_secret_reference_length``).

    All kinds except ``trade_secret`` require a number (code ``identifier_required``).
    An unknown or empty ``kind`` raises ``ValidationError`` (code ``ip_kind_unknown``) rather
    than ``ValueError``, because ``Model.full_clean()`` calls ``clean()`` even when the kind
    field itself failed validation.
    """
    if kind not in IP_KINDS:
        raise ValidationError(
            _("Choose the kind of IP right before entering its number."),
            code="ip_kind_unknown",
        )
    text = "" if number is None else str(number).strip()
    if kind == "trade_secret":
        if len(text) > _TRADE_SECRET_MAX_LENGTH:
            raise ValidationError(
                _(
                    "A trade-secret reference may have at most %(max)d characters; this one has "
                    "%(length)d."
                ),
                code="trade_secret_reference_length",
                params={"max": _TRADE_SECRET_MAX_LENGTH, "length": len(text)},
            )
        return
    if not text:
        raise ValidationError(
            _("A registration number is required for %(kind)s."),
            code="identifier_required",
            params={"kind": _KIND_LABELS[kind]},
        )
    validators: dict[str, Callable[[str], None]] = {
        "trademark": validate_trademark_number,
        "geographical_indication": validate_trademark_number,
        "copyright": validate_copyright_number,
        "software_copyright": validate_software_copyright_number,
    }
    if kind in validators:
        validators[kind](text)
        return
    validate_patent_number(text)
    actual = patent_type(text)
    if actual not in _KIND_PATENT_TYPES[kind]:
        raise ValidationError(
            _("%(number)s is %(actual)s, not %(expected)s."),
            code="patent_kind_mismatch",
            params={
                "number": normalize_patent_number(text),
                "actual": _PATENT_TYPE_LABELS[actual],
                "expected": _KIND_EXPECTATIONS[kind],
            },
        )


def normalize_identifier_for_ip_kind(kind: str, number: str) -> str:
    """Return the canonical stored form of ``number`` for ``kind`` (see the ``normalize_*``).

    Patents → :func:`normalize_patent_number`; trademarks and GIs →
    :func:`normalize_trademark_number`; copyrights → :func:`normalize_copyright_number`;
    trade secrets and unknown kinds → the stripped text. Never raises.
    """
    text = "" if number is None else str(number).strip()
    if not text:
        return ""
    if kind in _KIND_PATENT_TYPES:
        return normalize_patent_number(text)
    if kind in ("trademark", "geographical_indication"):
        return normalize_trademark_number(text)
    if kind in ("copyright", "software_copyright"):
        return normalize_copyright_number(text)
    return text
