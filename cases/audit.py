"""The case timeline (``CaseEvent``) as a stream of the admin's audit trail
(``zhangzhou_ip.core.audit``). Registered when ``cases/admin.py`` loads.

Every case service writes its event (who, when, the status change and what it concerned), so
transitions, assignments, parties, sessions, shares and evidence links appear in the trail even
where the changed row keeps no history of its own. The event data is shown as written, with
resident ID numbers masked like everything else on the page.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from cases.models import CaseEvent, MediationCase
from cases.templatetags.case_tags import verb_label
from zhangzhou_ip.core import audit


def _data_note(data: dict[str, Any]) -> str:
    def text(value: Any) -> str:
        return ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)

    return "; ".join(
        f"{key}: {text(value)}" for key, value in sorted(data.items()) if value not in ("", None)
    )


class CaseEventSource(audit.Source):
    key = "timeline:cases.caseevent"
    kind = "timeline"
    time_field = "created_at"  # indexed
    user_field = "actor"
    object_field = "case_id"
    search_fields = ("case__number", "case__title")
    model_labels = frozenset({"cases.mediationcase", "cases.caseevent"})

    def queryset(self, filters: audit.Filters) -> QuerySet:
        return CaseEvent.objects.select_related("actor", "case").defer(
            "case__facts", "case__outcome_reason"
        )

    def entry(self, row: CaseEvent) -> audit.Entry:
        status = MediationCase._meta.get_field("status")
        raw = []
        if row.from_status or row.to_status:
            raw.append((status, str(status.verbose_name), row.from_status, row.to_status))
        return audit.Entry(
            at=row.created_at,
            source=self.key,
            pk=row.pk,
            kind=self.kind,
            user=row.actor,
            model=str(MediationCase._meta.verbose_name),
            object_id=str(row.case_id),
            object_repr=row.case.number or row.case.title,
            action=verb_label(row.verb),
            note=_data_note(row.data or {}),
            url=reverse("admin:cases_mediationcase_change", args=[row.case_id]),
            raw=raw,
        )


audit.register_source(CaseEventSource())
