"""Court case numbers (案号): parse, normalise and validate them (DOMAIN §1.9).

A modern number (SPC 《关于人民法院案件案号的若干规定》, 法〔2015〕137号, in force 2016-01-01,
amended by 法〔2018〕335号) reads::

    （收案年度） 法院代字 [专门审判代字] 类型代字 案件编号 号 [之一]
    （2024）     闽0602                  民特     123     号

* 法院代字: ``最高法``, or a high-court abbreviation (``闽``, ``内``, ``军``, ``兵`` …) followed by
  nothing (high court), 2 digits (intermediate court, ``闽06``) or 4 digits (basic court,
  ``闽0602``);
* 专门审判代字: ``知`` (SPC IP tribunal), e.g. ``（2022）最高法知民终1584号``;
* 类型代字: 1–4 Chinese characters (``民特`` for judicial confirmations, ``民诉前调`` for
  pre-filing mediation — DOMAIN §1.5, §1.10);
* 案件编号: a natural number; a supplementary ruling may add ``之一``, ``之二`` ….

Numbers issued before 2016 (``（2015）闽民终字第1426号``) are *legacy* numbers: a free-form court
abbreviation plus ``字第``. They are recognised but carry neither a modern court code nor a modern
type code, so they cannot be checked against a court or a case type.

Like :mod:`alliance.validators`, validation errors are :class:`ValidationError` with an English,
translatable message, a stable ``code`` and ``params``; :func:`normalize_court_case_number` never
raises.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from alliance.models import Organization

__all__ = [
    "COURT_CASE_NUMBER_EXAMPLE",
    "HIGH_COURT_ABBREVIATIONS",
    "MIN_COURT_CASE_YEAR",
    "CourtCaseNumber",
    "normalize_court_case_number",
    "parse_court_case_number",
    "validate_court_case_number",
]

#: The example shown in every format message.
COURT_CASE_NUMBER_EXAMPLE = "（2024）闽0602民特123号"

#: High-court codes (DOMAIN §1.9, 案号规定 art. 4): the province-level abbreviations, with
#: 内 for Inner Mongolia, 军 for the PLA Military Court and 兵 for the XPCC branch.
HIGH_COURT_ABBREVIATIONS = "京津冀晋内辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川黔云藏陕甘青宁新军兵"

#: Sanity bound for the year of acceptance: older numbers do not occur in alliance case files.
MIN_COURT_CASE_YEAR = 1990

_SPC = "最高法"
_SPECIAL_TRIAL_CODES = "知"
_CJK = "\u4e00-\u9fff"
# Characters that never belong to a modern type code: 字/第 mark a legacy number, 号 ends the
# number, 之 starts the suffix.
_TYPE_CHAR = rf"(?:(?![字第号之])[{_CJK}])"
_SUFFIX = r"之[一二三四五六七八九十]+"

_MODERN_RE = re.compile(
    r"（(?P<year>\d{4})）"
    rf"(?P<court>{_SPC}|[{HIGH_COURT_ABBREVIATIONS}](?:\d{{4}}|\d{{2}})?+)"
    rf"(?P<special>[{_SPECIAL_TRIAL_CODES}])?+"
    rf"(?P<type>{_TYPE_CHAR}{{1,4}})"
    r"(?P<seq>\d{1,8})号"
    rf"(?P<suffix>{_SUFFIX})?"
)
_LEGACY_RE = re.compile(
    r"（(?P<year>\d{4})）"
    rf"(?P<body>[{_CJK}][{_CJK}\d]*?)字第(?P<seq>\d{{1,8}})号"
    rf"(?P<suffix>{_SUFFIX})?"
)

_OPENING_BRACKETS = "(〔[【"
_CLOSING_BRACKETS = ")〕]】"
_BRACKET_TABLE = str.maketrans(
    dict.fromkeys(_OPENING_BRACKETS, "（") | dict.fromkeys(_CLOSING_BRACKETS, "）")
)


@dataclass(frozen=True)
class CourtCaseNumber:
    """A parsed court case number.

    For a legacy (pre-2016, ``字第``) number ``court_code``, ``special`` and ``type_code`` are
    empty; ``legacy_body`` holds the free-form text before ``字第`` (``闽民终``) and
    ``legacy_seq`` the number exactly as written (``0002``), so that :attr:`canonical` keeps the
    number's text.
    """

    year: int
    court_code: str
    special: str
    type_code: str
    seq: int
    suffix: str
    legacy: bool
    legacy_body: str = ""
    legacy_seq: str = ""

    @property
    def canonical(self) -> str:
        """The number with full-width brackets and no spaces, e.g. ``（2024）闽0602民特123号``."""
        if self.legacy:
            seq = self.legacy_seq or str(self.seq)
            return f"（{self.year}）{self.legacy_body}字第{seq}号{self.suffix}"
        return (
            f"（{self.year}）{self.court_code}{self.special}{self.type_code}"
            f"{self.seq}号{self.suffix}"
        )

    def __str__(self) -> str:
        return self.canonical


def normalize_court_case_number(value: str) -> str:
    """Return the number tidied: trimmed, without inner whitespace, full-width brackets.

    Full-width digits are folded to ASCII, ``( ) 〔 〕 [ ] 【 】`` become ``（ ）``. The text is
    otherwise kept (a legacy number's ``字第`` and leading zeros stay). Never raises.
    """
    text = unicodedata.normalize("NFKC", str(value if value is not None else ""))
    return "".join(text.split()).translate(_BRACKET_TABLE)


def _format_error(message: Any, **params: Any) -> ValidationError:
    return ValidationError(
        message,
        code="court_case_number_format",
        params={"example": COURT_CASE_NUMBER_EXAMPLE, **params},
    )


def _diagnose(text: str) -> ValidationError:
    """Explain why a normalised ``text`` is not a court case number (best effort)."""
    if not text:
        return _format_error(_("Enter a court case number such as %(example)s."), value=text)
    year_match = re.match(r"（(\d{4})）", text)
    if not year_match:
        return _format_error(
            _(
                "A court case number starts with the four-digit year in brackets, "
                "e.g. %(example)s; '%(value)s' does not."
            ),
            value=text,
        )
    rest = text[year_match.end() :]
    body = re.sub(rf"(?:{_SUFFIX})$", "", rest)
    if not body.endswith("号"):
        return _format_error(
            _("A court case number ends with 号, e.g. %(example)s; '%(value)s' does not."),
            value=text,
        )
    body = body[:-1]
    head = body.rstrip("0123456789")
    if head == body:
        return _format_error(
            _(
                "The serial number (the digits before 号) is missing in '%(value)s'; "
                "expected a number such as %(example)s."
            ),
            value=text,
        )
    if "第" in head:
        return _format_error(
            _(
                "'%(value)s' mixes the pre-2016 form (…字第1号) with the current one; "
                "enter the number exactly as the court wrote it, e.g. %(example)s."
            ),
            value=text,
        )
    court_match = re.match(rf"{_SPC}|[{HIGH_COURT_ABBREVIATIONS}](\d*)", head)
    if not court_match:
        return _format_error(
            _(
                "'%(value)s' does not start with a court code: after the year comes 最高法 or "
                "a province abbreviation such as 闽, optionally followed by 2 digits "
                "(intermediate court) or 4 digits (basic court), e.g. %(example)s."
            ),
            value=text,
        )
    digits = court_match.group(1) or ""
    if len(digits) not in (0, 2, 4):
        return _format_error(
            _(
                "The court code '%(court)s' in '%(value)s' has the wrong number of digits: "
                "a court code has 2 digits (intermediate court, e.g. 闽06) or 4 digits (basic "
                "court, e.g. 闽0602), as in %(example)s."
            ),
            value=text,
            court=court_match.group(0),
            digits=len(digits),
        )
    type_code = head[court_match.end() :]
    if type_code[:1] in _SPECIAL_TRIAL_CODES:
        type_code = type_code[1:]
    if not type_code:
        return _format_error(
            _(
                "The case-type code (such as 民初 or 民特) is missing in '%(value)s'; "
                "expected a number such as %(example)s."
            ),
            value=text,
        )
    if re.search(rf"[^{_CJK}]", type_code):
        return _format_error(
            _(
                "The case-type code '%(type_code)s' in '%(value)s' may contain Chinese "
                "characters only (such as 民初 or 民特), e.g. %(example)s."
            ),
            value=text,
            type_code=type_code,
        )
    if len(type_code) > 4:
        return _format_error(
            _(
                "The case-type code '%(type_code)s' in '%(value)s' is too long: a type code "
                "has 1 to 4 characters (such as 民特 or 民诉前调), e.g. %(example)s."
            ),
            value=text,
            type_code=type_code,
        )
    return _format_error(
        _("'%(value)s' is not a court case number; expected the form %(example)s."),
        value=text,
    )


def parse_court_case_number(value: str) -> CourtCaseNumber:
    """Parse a modern or legacy court case number (DOMAIN §1.9) after normalisation.

    Only the *form* is checked here (see :func:`validate_court_case_number` for the year range,
    the court and the case type). Raises :class:`ValidationError` with code
    ``court_case_number_format`` and a message that says what is wrong and shows the expected
    form ``（2024）闽0602民特123号``.
    """
    text = normalize_court_case_number(value)
    match = _MODERN_RE.fullmatch(text) or _LEGACY_RE.fullmatch(text)
    if match and int(match["seq"]) == 0:
        raise _format_error(
            _(
                "The serial number in '%(value)s' cannot be 0: numbering starts at 1, "
                "e.g. %(example)s."
            ),
            value=text,
        )
    match = _MODERN_RE.fullmatch(text)
    if match:
        return CourtCaseNumber(
            year=int(match["year"]),
            court_code=match["court"],
            special=match["special"] or "",
            type_code=match["type"],
            seq=int(match["seq"]),
            suffix=match["suffix"] or "",
            legacy=False,
        )
    match = _LEGACY_RE.fullmatch(text)
    if match:
        return CourtCaseNumber(
            year=int(match["year"]),
            court_code="",
            special="",
            type_code="",
            seq=int(match["seq"]),
            suffix=match["suffix"] or "",
            legacy=True,
            legacy_body=match["body"],
            legacy_seq=match["seq"],
        )
    raise _diagnose(text)


def _court_label(court: Organization) -> str:
    return getattr(court, "short_name", "") or getattr(court, "name", "") or str(court)


def validate_court_case_number(
    value: str,
    *,
    court: Organization | None = None,
    type_code: str | None = None,
    allow_legacy: bool = True,
) -> CourtCaseNumber:
    """Parse and validate a court case number; return the parsed number.

    * the form (:func:`parse_court_case_number`) — code ``court_case_number_format``;
    * the year: ``1990 ≤ year ≤ this year + 1`` — code ``court_case_year``;
    * legacy (pre-2016 ``字第``) numbers are refused when ``allow_legacy`` is false — code
      ``court_case_legacy``; when allowed they are accepted without the court and type checks,
      which they cannot undergo (they carry no modern court or type code);
    * ``type_code`` (e.g. ``"民特"`` for a judicial confirmation, ``"民诉前调"`` for a
      pre-filing delegation): the number's type code must equal it — code ``court_case_type``;
    * ``court`` (an :class:`~alliance.models.Organization` of kind court): the number's court
      code must equal ``court.court_code`` — code ``court_case_court``. A court without a court
      code is a programming error (``ValueError``).
    """
    number = parse_court_case_number(value)
    max_year = timezone.localdate().year + 1
    if not MIN_COURT_CASE_YEAR <= number.year <= max_year:
        raise ValidationError(
            _(
                "The year %(year)d in %(number)s is not possible: it must be between "
                "%(min_year)d and %(max_year)d."
            ),
            code="court_case_year",
            params={
                "year": number.year,
                "number": number.canonical,
                "min_year": MIN_COURT_CASE_YEAR,
                "max_year": max_year,
            },
        )
    if number.legacy:
        if not allow_legacy:
            raise ValidationError(
                _(
                    "%(number)s is a pre-2016 case number (…字第…号), which carries no court "
                    "code or case-type code and cannot be checked; enter a number in the "
                    "current form, e.g. %(example)s."
                ),
                code="court_case_legacy",
                params={"number": number.canonical, "example": COURT_CASE_NUMBER_EXAMPLE},
            )
        return number
    if type_code is not None and number.type_code != type_code:
        raise ValidationError(
            _(
                "%(number)s is a %(found)s case number, but a %(expected)s case number is "
                "expected here."
            ),
            code="court_case_type",
            params={"number": number.canonical, "expected": type_code, "found": number.type_code},
        )
    if court is not None:
        court_code = normalize_court_case_number(getattr(court, "court_code", "") or "")
        if not court_code:
            raise ValueError(f"{court!r} has no court code; pass a court organisation")
        if number.court_code != court_code:
            raise ValidationError(
                _("The number's court code %(number_court)s is not %(court)s's code %(code)s."),
                code="court_case_court",
                params={
                    "number": number.canonical,
                    "number_court": number.court_code,
                    "court": _court_label(court),
                    "code": court_code,
                },
            )
    return number
