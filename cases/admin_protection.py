"""Admin of protection actions (issue 7 part 1).

Built like ``cases/admin_sharing.py``: the changelist and object lookups start from
``cases.protection.protection_action_visible_to``, permissions come from the rules registered
in ``cases.protection``, and rows are read-only — actions are recorded and changed through the
pages and the API, which call the services (permission, validation, version, timeline).
Imported at the end of ``cases/admin.py``.
"""

from __future__ import annotations

from django.contrib import admin

from cases import protection
from cases.admin import ReadOnlyAdminMixin, ScopedAdmin
from cases.models import ProtectionAction


@admin.register(ProtectionAction)
class ProtectionActionAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    selector = protection.protection_action_visible_to
    list_display = [
        "title",
        "enterprise",
        "kind",
        "started_on",
        "concluded_on",
        "outcome",
        "amount_recovered",
        "evidence_cost_saved",
        "alliance_cost_saved",
        "handled_by",
    ]
    list_filter = [
        "kind",
        "outcome",
        ("concluded_on", admin.EmptyFieldListFilter),
        ("handled_by", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["title", "counterparty", "enterprise__name", "enterprise__uscc"]
    list_select_related = ["enterprise", "handled_by"]
    date_hierarchy = "started_on"
    ordering = ["-started_on", "-pk"]
    fields = [
        "enterprise",
        "kind",
        "title",
        "description",
        "counterparty",
        "started_on",
        "concluded_on",
        "outcome",
        "amount_recovered",
        "evidence_cost_saved",
        "alliance_cost_saved",
        "cost_saved_basis",
        "handled_by",
        "case",
        "evidence",
        "recorded_by",
        "version",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
