"""City IP indicators (issue 7 part 8): loading the catalogue, recording values, importing a
CSV of values.

Every write goes through here (STYLE rule 4): in a transaction, checked against ``rules.py``,
validated with messages an administrator can act on. The CSV import validates every row
first and reports all errors by line number; it writes only when the whole file is valid
(all-or-nothing) and upserts by (indicator, region, year), so importing the same file twice
changes nothing the second time.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from alliance.models import Indicator, IndicatorValue, Region
from alliance.models.indicators import FIRST_YEAR, LAST_YEAR
from zhangzhou_ip.core.errors import DomainError, PermissionDenied

CATALOGUE_CSV = Path(__file__).resolve().parent / "data" / "indicators.csv"
CATALOGUE_COLUMNS = [
    "code",
    "sort_order",
    "name",
    "name_en",
    "unit",
    "unit_en",
    "decimal_places",
    "definition",
    "definition_en",
]
IMPORT_COLUMNS = ["code", "region_code", "year", "value", "source", "source_date"]
#: Editable on an existing value; the natural key (indicator, region, year) is not.
EDITABLE_FIELDS = ("value", "source", "source_date")


# --- the catalogue (reference data) ------------------------------------------------------------


def load_indicator_catalogue(indicator_model: Any = Indicator, *, path: Path | None = None) -> int:
    """Upsert ``indicators.csv`` by ``code`` into ``indicator_model`` (the historical model in
    the data migration, the real one from the demo). Indicators not in the file are left
    alone; a row already equal to the file is not written. Returns the number of rows."""
    with Path(path or CATALOGUE_CSV).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = set(CATALOGUE_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path or CATALOGUE_CSV}: missing columns {sorted(missing)}")
        rows = [{k: (v or "").strip() for k, v in row.items()} for row in reader]
    with transaction.atomic():
        existing = indicator_model.objects.in_bulk([r["code"] for r in rows], field_name="code")
        for row in rows:
            values = {
                "name": row["name"],
                "name_en": row["name_en"],
                "unit": row["unit"],
                "unit_en": row["unit_en"],
                "definition": row["definition"],
                "definition_en": row["definition_en"],
                "decimal_places": int(row["decimal_places"]),
                "sort_order": int(row["sort_order"]),
            }
            obj = existing.get(row["code"])
            if obj is None:
                indicator_model.objects.create(code=row["code"], **values)
            elif any(getattr(obj, k) != v for k, v in values.items()):
                for name, value in values.items():
                    setattr(obj, name, value)
                obj.save()
    return len(rows)


# --- helpers ------------------------------------------------------------------------------------


def _require(actor: AbstractBaseUser, perm: str, obj: Any = None) -> None:
    if not actor.has_perm(perm, obj):
        raise PermissionDenied(
            _("You are not allowed to do this (%(perm)s).") % {"perm": perm}, code="forbidden"
        )


def year_on_year(value: Decimal, previous: Decimal | None) -> tuple[Decimal | None, Decimal | None]:
    """(change, change in per cent) against the previous year; per cent is None when there is
    no previous value or it is zero (a rise from nothing has no percentage)."""
    if previous is None:
        return None, None
    change = value - previous
    if previous == 0:
        return change, None
    return change, (change * 100 / previous).quantize(Decimal("0.1"))


# --- single values (web form, admin) ----------------------------------------------------------


@transaction.atomic
def indicator_value_create(
    *,
    actor: AbstractBaseUser,
    indicator: Indicator,
    region: Region,
    year: int,
    value: Decimal,
    source: str,
    source_date: dt.date | None = None,
) -> IndicatorValue:
    """Record a new yearly value; refuses a second value for the same indicator, region and
    year (edit that one instead)."""
    obj = IndicatorValue(
        indicator=indicator,
        region=region,
        year=year,
        value=value,
        source=source,
        source_date=source_date,
        entered_by=actor,
    )
    _require(actor, "alliance.add_indicatorvalue", obj)
    if IndicatorValue.objects.filter(indicator=indicator, region=region, year=year).exists():
        raise DomainError(
            _(
                "%(indicator)s for %(region)s in %(year)s is already recorded; edit that value "
                "instead."
            )
            % {"indicator": indicator.name, "region": region.name, "year": year},
            code="duplicate",
        )
    if not indicator.is_active:
        raise ValidationError(
            {"indicator": _("This indicator is no longer in use.")}, code="inactive"
        )
    obj.full_clean()
    obj._history_user = actor
    obj.save()
    return obj


@transaction.atomic
def indicator_value_update(
    *, actor: AbstractBaseUser, indicator_value: IndicatorValue, **fields: Any
) -> IndicatorValue:
    """Correct a value, its source or its date. The indicator, region and year identify the
    figure and cannot change (record a new value instead)."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(
            _("These fields cannot be changed: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))},
            code="not_editable",
        )
    obj = (
        IndicatorValue.objects.select_for_update()
        .select_related("indicator", "region")
        .get(pk=indicator_value.pk)
    )
    _require(actor, "alliance.change_indicatorvalue", obj)
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.entered_by = actor
    obj.full_clean()
    obj._history_user = actor
    obj.save()
    return obj


# --- CSV import -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportRow:
    """One validated row of an import file, ready to be written."""

    line: int
    indicator: Indicator
    region: Region
    year: int
    value: Decimal
    source: str
    source_date: dt.date | None


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def read_indicator_csv(data: bytes | str | IO[Any]) -> list[tuple[int, dict[str, str]]]:
    """The rows of an import file as (line number, {column: text}); blank lines skipped.

    Accepts bytes (an upload; UTF-8, with or without Excel's byte-order mark), text or a
    file object. Raises ``ValidationError`` for a file that is not UTF-8 or lacks columns."""
    if hasattr(data, "read"):
        data = data.read()
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError(
                _("The file is not UTF-8 text; save it as “CSV UTF-8” and try again."),
                code="encoding",
            ) from exc
    text = str(data).removeprefix("\ufeff")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in IMPORT_COLUMNS if name not in header]
    if missing:
        raise ValidationError(
            _("Line 1: missing columns %(columns)s (expected %(expected)s).")
            % {"columns": ", ".join(missing), "expected": ", ".join(IMPORT_COLUMNS)},
            code="columns",
        )
    reader.fieldnames = header
    rows: list[tuple[int, dict[str, str]]] = []
    for raw in reader:
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        # line_num is the physical line where the record ended (quoted values may span lines).
        rows.append((reader.line_num, row))
    return rows


def _parse_decimal(text: str) -> Decimal:
    cleaned = text.replace(",", "").replace("，", "").replace(" ", "")
    value = Decimal(cleaned)
    if not value.is_finite():
        raise InvalidOperation
    return value


def validate_import_rows(rows: Iterable[tuple[int, dict[str, str]]]) -> list[ImportRow]:
    """Check every row; raise one ``ValidationError`` listing every problem as
    "Line N: …" (nothing is written), or return the rows ready to write."""
    rows = list(rows)
    indicators = {i.code: i for i in Indicator.objects.all()}
    region_codes = {row.get("region_code", "") for _line, row in rows}
    regions = Region.objects.in_bulk(list(region_codes), field_name="code")
    errors: list[str] = []
    valid: list[ImportRow] = []
    seen: dict[tuple[str, str, int], int] = {}

    def fail(line: int, message: str) -> None:
        errors.append(_("Line %(line)s: %(message)s") % {"line": line, "message": message})

    if not rows:
        raise ValidationError(_("The file has no data rows."), code="empty")
    for line, row in rows:
        problems: list[str] = []
        indicator = indicators.get(row.get("code", ""))
        if not row.get("code"):
            problems.append(_("the indicator code is missing."))
        elif indicator is None:
            problems.append(_("unknown indicator code “%(code)s”.") % {"code": row["code"]})
        elif not indicator.is_active:
            problems.append(
                _("indicator “%(code)s” is no longer in use.") % {"code": indicator.code}
            )
        region = regions.get(row.get("region_code", ""))
        if not row.get("region_code"):
            problems.append(_("the region code is missing."))
        elif region is None:
            problems.append(
                _("there is no region with code “%(code)s”.") % {"code": row["region_code"]}
            )
        year: int | None = None
        try:
            year = int(row.get("year", ""))
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise ValueError
        except ValueError:
            year = None
            problems.append(
                _("the year “%(year)s” is not a year between %(first)s and %(last)s.")
                % {"year": row.get("year", ""), "first": FIRST_YEAR, "last": LAST_YEAR}
            )
        value: Decimal | None = None
        try:
            value = _parse_decimal(row.get("value", ""))
        except (InvalidOperation, ValueError):
            problems.append(_("the value “%(value)s” is not a number.") % {"value": row["value"]})
        if value is not None:
            if value < 0:
                problems.append(_("the value cannot be negative."))
            elif value >= Decimal(10) ** 14:
                problems.append(_("the value is too large."))
            elif indicator is not None and value != round(value, indicator.decimal_places):
                problems.append(
                    _("%(indicator)s takes at most %(places)s decimal places.")
                    % {"indicator": indicator.name, "places": indicator.decimal_places}
                )
        if not row.get("source"):
            problems.append(_("the source is missing."))
        source_date: dt.date | None = None
        if row.get("source_date"):
            try:
                source_date = dt.date.fromisoformat(row["source_date"])
            except ValueError:
                problems.append(
                    _("the source date “%(date)s” is not a date like 2025-04-26.")
                    % {"date": row["source_date"]}
                )
        if indicator is not None and region is not None and year is not None:
            key = (indicator.code, region.code, year)
            if key in seen:
                problems.append(
                    _("repeats line %(other)s (same indicator, region and year).")
                    % {"other": seen[key]}
                )
            else:
                seen[key] = line
        for problem in problems:
            fail(line, problem)
        if problems or indicator is None or region is None or year is None or value is None:
            continue
        valid.append(ImportRow(line, indicator, region, year, value, row["source"], source_date))
    if errors:
        raise ValidationError(errors, code="invalid_rows")
    return valid


@transaction.atomic
def import_indicator_values(
    data: bytes | str | IO[Any], *, actor: AbstractBaseUser | None = None
) -> ImportResult:
    """Import a CSV of values (columns ``code, region_code, year, value, source,
    source_date``): all rows or none, upserted by (indicator, region, year).

    ``actor`` is the user of the upload form (checked against the ``import_indicatorvalue``
    permission); ``None`` is the operator running ``manage.py import_indicators``."""
    if actor is not None:
        _require(actor, "alliance.import_indicatorvalue")
    rows = validate_import_rows(read_indicator_csv(data))
    return write_rows(rows, entered_by=actor)


@transaction.atomic
def write_rows(rows: Iterable[ImportRow], *, entered_by: AbstractBaseUser | None) -> ImportResult:
    """Upsert validated rows; a row equal to the stored value is not written again."""
    rows = list(rows)
    result = ImportResult()
    existing = {
        (v.indicator_id, v.region_id, v.year): v
        for v in IndicatorValue.objects.select_for_update().filter(
            indicator__in={r.indicator.pk for r in rows},
            region__in={r.region.pk for r in rows},
            year__in={r.year for r in rows},
        )
    }
    for row in rows:
        values = {"value": row.value, "source": row.source, "source_date": row.source_date}
        obj = existing.get((row.indicator.pk, row.region.pk, row.year))
        if obj is None:
            obj = IndicatorValue(
                indicator=row.indicator, region=row.region, year=row.year, **values
            )
            result.created += 1
        elif all(getattr(obj, name) == value for name, value in values.items()):
            result.unchanged += 1
            continue
        else:
            for name, value in values.items():
                setattr(obj, name, value)
            result.updated += 1
        obj.entered_by = entered_by
        # The upload form's user; ``None`` is the operator's command, named in the history.
        obj._history_user = entered_by
        obj._change_reason = "manage.py import_indicators" if entered_by is None else "CSV"
        obj.save()
    return result
