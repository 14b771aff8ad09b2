"""Admin of case shares and comments (issue 5).

Built like ``cases/admin_court.py``: querysets start from the selectors (a partner who is staff
sees only the shares made to its organisation and the comments of cases it sees in full),
permissions come from ``rules.py``, and rows are read-only — shares are granted and comments
written through the pages and the API, which call the services. The one admin action, "Revoke
selected shares", collects its reason in the action bar and calls ``services.share_revoke``
for each share. Imported at the end of ``cases/admin.py``.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cases import selectors, services
from cases.admin import CaseChildAdmin, ReadOnlyAdminMixin, ScopedAdmin
from cases.models import CaseComment, CaseShare


class RevokeActionForm(ActionForm):
    """The changelist's action bar, with the reason a revocation needs."""

    reason = forms.CharField(
        label=_("Reason (for revoking)"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"size": 40}),
    )


@admin.register(CaseShare)
class CaseShareAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    selector = selectors.share_visible_to
    list_display = [
        "case",
        "organization",
        "level",
        "request",
        "granted_by",
        "granted_at",
        "revoked_at",
    ]
    list_filter = [
        "level",
        ("revoked_at", admin.EmptyFieldListFilter),
        ("organization", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["case__number", "case__title", "organization__name", "reason"]
    list_select_related = ["case", "organization", "request", "granted_by"]
    date_hierarchy = "granted_at"
    ordering = ["-granted_at", "-pk"]
    action_form = RevokeActionForm
    actions = ["revoke_selected"]
    fields = [
        "case",
        "organization",
        "level",
        "reason",
        "request",
        "granted_by",
        "granted_at",
        "revoked_by",
        "revoked_at",
        "revoke_reason",
    ]
    readonly_fields = fields

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("cases.add_caseshare")

    @admin.action(description=_("Revoke selected shares (give the reason)"), permissions=["revoke"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        reason = (request.POST.get("reason") or "").strip()
        if not reason:
            self.message_user(request, gettext("Give the reason for revoking."), messages.ERROR)
            return
        done = 0
        for share in queryset.select_related("case", "organization").order_by("pk"):
            label = str(share)
            try:
                services.share_revoke(actor=request.user, share=share, reason=reason)
            except ValidationError as exc:
                self.message_user(
                    request,
                    gettext("%(item)s: %(error)s")
                    % {"item": label, "error": " ".join(exc.messages)},
                    messages.ERROR,
                )
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d share revoked.", "%(count)d shares revoked.", done)
                % {"count": done},
                messages.SUCCESS,
            )


@admin.register(CaseComment)
class CaseCommentAdmin(CaseChildAdmin):
    selector = selectors.comment_visible_to
    list_display = ["case", "organization", "author", "created_at"]
    list_filter = [("organization", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["body", "case__number", "case__title"]
    list_select_related = ["case", "organization", "author"]
    date_hierarchy = "created_at"
    fields = ["case", "organization", "author", "reply_to", "body", "created_at"]
    readonly_fields = fields
