"""The evidence service's actions as streams of the admin's audit trail
(``zhangzhou_ip.core.audit``); registered when ``evidence/admin.py`` loads.

Deposits and withdrawals are append-only rows committed to the ledger: each row already says
who did it and when, and can never change, so a simple-history copy would add nothing; they
are listed here as they are. A retrieval request changes state only through
``evidence.retrieval``, which writes one ``RetrievalEvent`` per action (who, when, what, the
note) — its timeline is the request's audit trail. (The custody log, ``AccessEvent``, records
reads, not changes, and stays on its own page.)
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from evidence.models import EvidenceRecord, EvidenceWithdrawal, RetrievalEvent, RetrievalRequest
from evidence.retrieval import VERB_LABELS
from zhangzhou_ip.core import audit


def _change_url(model, pk) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])


class DepositSource(audit.Source):
    key = "timeline:evidence.evidencerecord"
    kind = "timeline"
    time_field = "deposited_at"  # indexed
    user_field = "deposited_by"
    object_field = "pk"
    search_fields = ("number", "title")
    model_labels = frozenset({"evidence.evidencerecord"})

    def queryset(self, filters: audit.Filters) -> QuerySet:
        return EvidenceRecord.objects.select_related("deposited_by", "depositor").only(
            "number", "title", "deposited_at", "deposited_by", "depositor__name", "corrects"
        )

    def entry(self, row: EvidenceRecord) -> audit.Entry:
        return audit.Entry(
            at=row.deposited_at,
            source=self.key,
            pk=row.pk,
            kind=self.kind,
            user=row.deposited_by,
            model=str(EvidenceRecord._meta.verbose_name),
            object_id=str(row.pk),
            object_repr=f"{row.number} {row.title}",
            action=_("deposited"),
            note=_("for %(depositor)s") % {"depositor": row.depositor.name}
            + (
                _(", correcting record %(pk)s") % {"pk": row.corrects_id} if row.corrects_id else ""
            ),
            url=_change_url(EvidenceRecord, row.pk),
        )


class WithdrawalSource(audit.Source):
    key = "timeline:evidence.evidencewithdrawal"
    kind = "timeline"
    time_field = "withdrawn_at"
    user_field = "withdrawn_by"
    object_field = "record_id"
    search_fields = ("record__number", "record__title")
    model_labels = frozenset({"evidence.evidencerecord", "evidence.evidencewithdrawal"})

    def queryset(self, filters: audit.Filters) -> QuerySet:
        return EvidenceWithdrawal.objects.select_related("withdrawn_by", "record").only(
            "withdrawn_at", "withdrawn_by", "reason", "record__number", "record__title"
        )

    def entry(self, row: EvidenceWithdrawal) -> audit.Entry:
        return audit.Entry(
            at=row.withdrawn_at,
            source=self.key,
            pk=row.pk,
            kind=self.kind,
            user=row.withdrawn_by,
            model=str(EvidenceRecord._meta.verbose_name),
            object_id=str(row.record_id),
            object_repr=f"{row.record.number} {row.record.title}",
            action=_("withdrawn"),
            note=row.reason,
            url=_change_url(EvidenceRecord, row.record_id),
        )


class RetrievalEventSource(audit.Source):
    key = "timeline:evidence.retrievalevent"
    kind = "timeline"
    time_field = "at"
    user_field = "actor"
    object_field = "request_id"
    search_fields = ("request__subject",)
    model_labels = frozenset({"evidence.retrievalrequest", "evidence.retrievalevent"})

    def queryset(self, filters: audit.Filters) -> QuerySet:
        return RetrievalEvent.objects.select_related("actor", "request").only(
            "at", "verb", "note", "actor", "request__subject"
        )

    def entry(self, row: RetrievalEvent) -> audit.Entry:
        return audit.Entry(
            at=row.at,
            source=self.key,
            pk=row.pk,
            kind=self.kind,
            user=row.actor,
            model=str(RetrievalRequest._meta.verbose_name),
            object_id=str(row.request_id),
            object_repr=row.request.subject,
            action=str(VERB_LABELS.get(row.verb, row.verb)),
            note=row.note,
            url=_change_url(RetrievalRequest, row.request_id),
        )


for _source in (DepositSource(), WithdrawalSource(), RetrievalEventSource()):
    audit.register_source(_source)
