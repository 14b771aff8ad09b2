"""CSV and XLSX exports of the case list: exactly the rows the list shows (the caller passes
the filtered, visible queryset), one row per case, parties by name only — resident ID
numbers are never exported."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from cases.choices import DisputeType, MediationKind, PartyRole, Source, Status
from cases.models import CaseAssignment, MediationCase, Party
from zhangzhou_ip.core import exports as core_exports
from zhangzhou_ip.core.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, Value
from zhangzhou_ip.core.templatetags.people import person_name

__all__ = ["CSV_CONTENT_TYPE", "XLSX_CONTENT_TYPE", "CaseExport", "csv_lines", "xlsx_bytes"]

CHUNK_SIZE = 500


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


def csv_lines(export: CaseExport, queryset: QuerySet[MediationCase]) -> Iterator[str]:
    """The CSV, line by line, starting with the byte-order mark and the header row."""
    return core_exports.csv_lines(export.headers, export.rows(queryset))


def xlsx_bytes(export: CaseExport, queryset: QuerySet[MediationCase]) -> bytes:
    return core_exports.xlsx_bytes(_("Cases"), export.headers, export.rows(queryset))


def export_filename(extension: str, today: dt.date) -> str:
    return f"cases-{today.isoformat()}.{extension}"
