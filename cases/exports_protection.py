"""CSV and XLSX exports of the protection-action list: exactly the rows the list shows (the
caller passes the filtered, visible queryset), written by ``zhangzhou_ip/core/exports.py``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from cases.exports import CHUNK_SIZE
from cases.models import ProtectionAction
from evidence.models import EvidenceRecord
from zhangzhou_ip.core import exports as core_exports
from zhangzhou_ip.core.exports import Value
from zhangzhou_ip.core.templatetags.people import person_name


class ProtectionExport:
    """Headers and rows in the language active when it is created (a streamed response is
    produced after the view has returned). Cited records are listed by number, only those
    the user may see."""

    def __init__(self, user) -> None:
        self.user = user
        self.headers = [
            _("Title"),
            _("Enterprise"),
            _("USCC"),
            _("Kind of action"),
            _("Counterparty"),
            _("Started on"),
            _("Concluded on"),
            _("Outcome"),
            _("Amount recovered (CNY)"),
            _("Cost saved through 益企证 evidence (CNY)"),
            _("Cost saved through alliance cooperation (CNY)"),
            _("Basis of the cost-saved estimate"),
            _("Helped by"),
            _("Mediation case"),
            _("Evidence records"),
            _("Recorded by"),
        ]
        self.kinds = {value: str(label) for value, label in ProtectionAction.Kind.choices}
        self.outcomes = {value: str(label) for value, label in ProtectionAction.Outcome.choices}
        self.separator = _("; ")

    def queryset(self, queryset: QuerySet[ProtectionAction]) -> QuerySet[ProtectionAction]:
        from evidence.selectors import evidence_visible_to

        records = (
            evidence_visible_to(self.user).only("pk", "number", "ledger_index").order_by("number")
        )
        return queryset.select_related(
            "enterprise", "handled_by", "case", "recorded_by"
        ).prefetch_related(Prefetch("evidence", queryset=records, to_attr="export_records"))

    def row(self, action: ProtectionAction) -> list[Value]:
        records: list[EvidenceRecord] = action.export_records
        return [
            action.title,
            action.enterprise.name,
            action.enterprise.uscc,
            self.kinds.get(action.kind, action.kind),
            action.counterparty,
            action.started_on,
            action.concluded_on,
            self.outcomes.get(action.outcome, action.outcome),
            action.amount_recovered,
            action.evidence_cost_saved,
            action.alliance_cost_saved,
            action.cost_saved_basis,
            action.handled_by.name if action.handled_by else "",
            action.case.number if action.case_id in self.visible_cases else "",
            self.separator.join(r.number for r in records),
            person_name(action.recorded_by),
        ]

    def rows(self, queryset: QuerySet[ProtectionAction]) -> Iterator[list[Value]]:
        from cases.selectors import case_visible_to

        # A linked case is named only to those who may see it.
        self.visible_cases = set(
            case_visible_to(self.user)
            .filter(pk__in=queryset.order_by().values("case"))
            .values_list("pk", flat=True)
        )
        for action in self.queryset(queryset).iterator(chunk_size=CHUNK_SIZE):
            yield self.row(action)


def xlsx_bytes(export: ProtectionExport, queryset: QuerySet[ProtectionAction]) -> bytes:
    return core_exports.xlsx_bytes(_("Protection actions"), export.headers, export.rows(queryset))


def export_filename(extension: str, today: dt.date) -> str:
    return f"protection-actions-{today.isoformat()}.{extension}"
