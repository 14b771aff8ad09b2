"""CSV and XLSX exports of the case list: exactly the rows the list shows (the caller passes
the filtered, visible queryset), one row per case, parties by name only — resident ID
numbers are never exported."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from cases.choices import DisputeType, MediationKind, PartyRole, Source, Status
from cases.models import CaseAssignment, MediationCase, Party
from zhangzhou_ip.core.templatetags.people import person_name

Value = str | Decimal | dt.date | None

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel opens a UTF-8 CSV as UTF-8 (and shows Chinese correctly) only with a byte-order mark.
BOM = "\ufeff"
CHUNK_SIZE = 500
# A cell starting with one of these is a formula to spreadsheet programs (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def export_queryset(queryset: QuerySet[MediationCase]) -> QuerySet[MediationCase]:
    """What a row needs, fetched per chunk rather than per case."""
    return queryset.select_related("handling_organization").prefetch_related(
        Prefetch(
            "parties",
            queryset=Party.objects.only("pk", "case_id", "role", "name").order_by("role", "pk"),
            to_attr="export_parties",
        ),
        Prefetch(
            "assignments",
            queryset=CaseAssignment.objects.filter(unassigned_at__isnull=True)
            .select_related("user")
            .order_by("assigned_at", "pk"),
            to_attr="export_assignments",
        ),
    )


class CaseExport:
    """Headers and rows in the language active when it is created: labels are resolved
    then, because a streamed response is produced after the view has returned."""

    def __init__(self) -> None:
        self.headers = [
            _("Case number"),
            _("Title"),
            _("Status"),
            _("Dispute type"),
            _("Mediation kind"),
            _("Source"),
            _("Handling organisation"),
            _("Applicants"),
            _("Respondents"),
            _("Third parties"),
            _("Mediators"),
            _("Claim amount (CNY)"),
            _("Settled amount (CNY)"),
            _("Online mediation"),
            _("Cross-region"),
            _("Received on"),
            _("Accepted on"),
            _("Closed on"),
            _("Mediation deadline"),
        ]
        self.labels = {
            "status": {value: str(label) for value, label in Status.choices},
            "dispute_type": {value: str(label) for value, label in DisputeType.choices},
            "mediation_kind": {value: str(label) for value, label in MediationKind.choices},
            "source": {value: str(label) for value, label in Source.choices},
        }
        self.yes, self.no = _("Yes"), _("No")
        self.separator = _("; ")

    def _label(self, kind: str, value: str) -> str:
        return self.labels[kind].get(value, value)

    def _names(self, case: MediationCase, role: str) -> str:
        return self.separator.join(p.name for p in case.export_parties if p.role == role)

    def row(self, case: MediationCase) -> list[Value]:
        mediators = self.separator.join(
            person_name(assignment.user) for assignment in case.export_assignments
        )
        return [
            case.number,
            case.title,
            self._label("status", case.status),
            self._label("dispute_type", case.dispute_type),
            self._label("mediation_kind", case.mediation_kind),
            self._label("source", case.source),
            case.handling_organization.name,
            self._names(case, PartyRole.APPLICANT),
            self._names(case, PartyRole.RESPONDENT),
            self._names(case, PartyRole.THIRD_PARTY),
            mediators,
            case.claim_amount,
            case.settled_amount,
            self.yes if case.is_online else self.no,
            self.yes if case.is_cross_region else self.no,
            case.received_on,
            case.accepted_on,
            case.closed_on,
            case.mediation_deadline,
        ]

    def rows(self, queryset: QuerySet[MediationCase]) -> Iterator[list[Value]]:
        for case in export_queryset(queryset).iterator(chunk_size=CHUNK_SIZE):
            yield self.row(case)


def _csv_text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class _Echo:
    """A file-like object whose ``write`` hands the line back to the generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(export: CaseExport, queryset: QuerySet[MediationCase]) -> Iterator[str]:
    """The CSV, line by line, starting with the byte-order mark and the header row."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(export.headers)
    for row in export.rows(queryset):
        yield writer.writerow([_csv_text(value) for value in row])


def _xlsx_cell(sheet, value: Value) -> WriteOnlyCell:
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "#,##0.00"
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text, never a formula
    return cell


def xlsx_bytes(export: CaseExport, queryset: QuerySet[MediationCase]) -> bytes:
    """The workbook (one sheet), written row by row with openpyxl's write-only mode."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Cases")[:31])
    sheet.freeze_panes = "A2"
    sheet.append(export.headers)
    for row in export.rows(queryset):
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_filename(extension: str, today: dt.date) -> str:
    return f"cases-{today.isoformat()}.{extension}"
