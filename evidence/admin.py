"""Evidence admin for operators: everything is read-only.

Records, withdrawals, the ledger and the custody log are append-only (``evidence.models``): a
deposit or withdrawal is made through ``evidence.services`` (pages and API), never here.
Every admin below refuses add, change and delete outright — not through ``has_perm``, which a
superuser always passes — and offers no bulk delete. Querysets start from the selectors, so a
staff member who is not a superuser sees here exactly what they may see elsewhere; opening a
record's page is written to its chain of custody like any other view.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from evidence import selectors, services
from evidence.models import (
    AccessEvent,
    Checkpoint,
    EvidenceBlob,
    EvidenceNumberCounter,
    EvidenceRecord,
    EvidenceWithdrawal,
    LedgerHead,
    LedgerNode,
    RetrievalEvent,
    RetrievalRequest,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, never added, changed or deleted here (not even by a superuser)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class WithdrawnFilter(admin.SimpleListFilter):
    title = _("withdrawn")
    parameter_name = "withdrawn"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(withdrawal__isnull=False)
        if self.value() == "no":
            return queryset.filter(withdrawal__isnull=True)
        return queryset


# --- records ----------------------------------------------------------------------------------


@admin.register(EvidenceRecord)
class EvidenceRecordAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "title",
        "kind",
        "depositor",
        "service_point",
        "deposited_at",
        "size",
        "withdrawn",
    ]
    list_display_links = ["number", "title"]
    list_filter = [
        "kind",
        "category",
        WithdrawnFilter,
        ("service_point", admin.RelatedOnlyFieldListFilter),
        ("depositor", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["number", "title", "^blob__sha256"]
    search_help_text = _("Record number, title or the start of the SHA-256.")
    date_hierarchy = "deposited_at"
    list_select_related = ["depositor", "service_point", "withdrawal"]
    ordering = ["-deposited_at", "-ledger_index"]
    show_full_result_count = False
    fields = [
        "number",
        "kind",
        "title",
        "description",
        "category",
        "depositor",
        "service_point",
        "deposited_by",
        "deposited_at",
        "sha256",
        "size",
        "media_type",
        "original_name",
        "source_url",
        "captured_at",
        "ledger_index",
        "corrects",
        "withdrawn",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[EvidenceRecord]:
        return selectors.evidence_visible_to(request.user).select_related(
            "depositor", "service_point", "deposited_by", "corrects", "withdrawal"
        )

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("evidence.view_evidencerecord", obj)

    @admin.display(description=_("SHA-256"))
    def sha256(self, obj: EvidenceRecord) -> str:
        return obj.sha256

    @admin.display(description=_("withdrawn"), boolean=True)
    def withdrawn(self, obj: EvidenceRecord) -> bool:
        return obj.is_withdrawn

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            # Chain of custody: an operator viewing a record is logged like anyone else.
            record = self.get_queryset(request).filter(pk=unquote(object_id)).first()
            if record is not None:
                services.log_access(
                    record,
                    action=AccessEvent.Action.VIEW,
                    user=request.user,
                    request=request,
                    reason="admin",
                )
        return response


@admin.register(EvidenceBlob)
class EvidenceBlobAdmin(ReadOnlyAdmin):
    list_display = ["sha256", "size", "sm3", "created_at"]
    search_fields = ["^sha256", "^sm3"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[EvidenceBlob]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        visible = selectors.evidence_visible_to(request.user).order_by().values("blob")
        return qs.filter(pk__in=visible)


@admin.register(EvidenceWithdrawal)
class EvidenceWithdrawalAdmin(ReadOnlyAdmin):
    list_display = ["record", "withdrawn_at", "withdrawn_by", "ledger_index"]
    search_fields = ["record__number", "record__title", "reason"]
    date_hierarchy = "withdrawn_at"
    list_select_related = ["record", "withdrawn_by"]
    ordering = ["-withdrawn_at"]
    fields = ["record", "reason", "withdrawn_by", "withdrawn_at", "ledger_index"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[EvidenceWithdrawal]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(record__in=selectors.evidence_visible_to(request.user).values("pk"))


# --- ledger -----------------------------------------------------------------------------------


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ["tree_size", "root_hex", "created_at"]
    date_hierarchy = "created_at"
    ordering = ["-tree_size", "-pk"]
    fields = ["tree_size", "root_hex", "created_at", "signed_note"]
    readonly_fields = fields

    @admin.display(description=_("root hash"))
    def root_hex(self, obj: Checkpoint) -> str:
        return obj.root_hex

    @admin.display(description=_("signed checkpoint"))
    def signed_note(self, obj: Checkpoint) -> str:
        return obj.note


@admin.register(LedgerHead)
class LedgerHeadAdmin(ReadOnlyAdmin):
    list_display = ["pk", "size"]
    fields = ["size"]
    readonly_fields = fields


@admin.register(LedgerNode)
class LedgerNodeAdmin(ReadOnlyAdmin):
    list_display = ["level", "index", "hash_hex"]
    list_filter = ["level"]
    ordering = ["level", "index"]
    show_full_result_count = False
    fields = ["level", "index", "hash_hex"]
    readonly_fields = fields

    @admin.display(description=_("hash"))
    def hash_hex(self, obj: LedgerNode) -> str:
        return bytes(obj.hash).hex()


@admin.register(EvidenceNumberCounter)
class EvidenceNumberCounterAdmin(ReadOnlyAdmin):
    """The last record number per year; only a deposit (under the ledger lock) writes it."""

    list_display = ["year", "last_value"]
    ordering = ["-year"]


# --- custody log ------------------------------------------------------------------------------


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "record", "user", "reason", "ip_address"]
    list_filter = ["action"]
    search_fields = ["record__number"]
    search_help_text = _("Record number.")
    date_hierarchy = "at"
    list_select_related = ["record", "user"]
    ordering = ["-at", "-pk"]
    show_full_result_count = False
    fields = ["record", "action", "user", "reason", "ip_address", "user_agent", "at"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[AccessEvent]:
        return selectors.access_events_visible_to(request.user).select_related("record", "user")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        record = obj.record if obj is not None else None
        return request.user.has_perm("evidence.view_accessevent", record)


# --- retrieval requests -----------------------------------------------------------------------


class RetrievalEventInline(ReadOnlyInline):
    model = RetrievalEvent
    fields = ["at", "verb", "actor", "note"]
    readonly_fields = fields

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # ``obj`` is the request: who may see the request may see its timeline.
        return request.user.has_perm("evidence.view_retrievalrequest", obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[RetrievalEvent]:
        return super().get_queryset(request).select_related("actor")


@admin.register(RetrievalRequest)
class RetrievalRequestAdmin(ReadOnlyAdmin):
    """Retrieval requests change state through ``evidence.retrieval`` (the pages and API)."""

    list_display = [
        "subject",
        "kind",
        "status",
        "enterprise",
        "service_point",
        "assignee",
        "due_date",
        "created_at",
    ]
    list_filter = [
        "status",
        "kind",
        ("service_point", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["subject", "details", "target_url", "enterprise__name"]
    date_hierarchy = "created_at"
    list_select_related = ["enterprise", "service_point", "assignee"]
    ordering = ["-created_at", "-pk"]
    fields = [
        "enterprise",
        "service_point",
        "kind",
        "subject",
        "details",
        "target_url",
        "due_date",
        "status",
        "requested_by",
        "assignee",
        "outcome",
        "records",
        "closed_at",
        "created_at",
        "version",
    ]
    readonly_fields = fields
    inlines = [RetrievalEventInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[RetrievalRequest]:
        return selectors.retrieval_visible_to(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("evidence.view_retrievalrequest", obj)


@admin.register(RetrievalEvent)
class RetrievalEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "verb", "request", "actor"]
    list_filter = ["verb"]
    search_fields = ["request__subject", "note"]
    date_hierarchy = "at"
    list_select_related = ["request", "actor"]
    ordering = ["-at", "-pk"]
    fields = ["request", "verb", "actor", "note", "at"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[RetrievalEvent]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(request__in=selectors.retrieval_visible_to(request.user).values("pk"))


# --- deposits, withdrawals and retrieval timelines in the admin's audit trail (issue 8) --------
from evidence import audit_trail  # noqa: E402, F401
