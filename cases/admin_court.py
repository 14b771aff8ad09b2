"""Admin of judicial confirmations, their materials and court referrals (issue 4).

Built like the case admin (``cases/admin.py``): querysets start from the selectors, so a court
liaison who is staff sees only the applications and referrals at their court; permissions
come from ``rules.py``. Every step of these records (filing, the court's decisions, terms,
closing) has rules and a timeline entry, so here everything is read-only: the pages and the
API call the services. The one admin action, "Withdraw", collects its reason in the action
bar and calls ``services.confirmation_withdraw`` for each selected application. Materials and
the ruling are linked through the API, which serves them under the same access rules — never
as bare media URLs. Imported at the end of ``cases/admin.py``.
"""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cases import selectors, services
from cases.admin import CaseChildAdmin, ReadOnlyAdminMixin, ReadOnlyInline, ScopedAdmin
from cases.api.court import material_download_url
from cases.models import ConfirmationMaterial, CourtReferral, JudicialConfirmation
from zhangzhou_ip.core.errors import DomainError


def material_visible_to(user) -> QuerySet[ConfirmationMaterial]:
    """Materials follow their application: who sees the application sees its package."""
    return ConfirmationMaterial.objects.filter(
        confirmation__in=selectors.confirmation_visible_to(user).values("pk")
    )


def _download_link(material: ConfirmationMaterial) -> str:
    return format_html(
        '<a href="{}">{}</a>', material_download_url(material), PurePath(material.file.name).name
    )


class ScopedHistoryMixin:
    """History is readable within the scope and never reverted (that would bypass the
    services)."""

    def has_change_history_permission(self, request, obj=None) -> bool:
        return False

    def _check_in_scope(self, request: HttpRequest, object_id: str) -> None:
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None) -> HttpResponse:
        self._check_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._check_in_scope(request, object_id)
        if request.method == "POST":
            raise DjangoPermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ConfirmationMaterialInline(ReadOnlyInline):
    model = ConfirmationMaterial
    fields = ["kind", "download", "note", "uploaded_by", "uploaded_at"]
    show_change_link = False

    def has_view_permission(self, request, obj=None):
        # ``obj`` is the application: who may see it may see its package.
        return request.user.has_perm("cases.view_judicialconfirmation", obj)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    @admin.display(description=_("file"))
    def download(self, obj: ConfirmationMaterial) -> str:
        return _download_link(obj)


class WithdrawActionForm(ActionForm):
    """The changelist's action bar, with the reason a withdrawal needs."""

    reason = forms.CharField(
        label=_("Reason (for a withdrawal)"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"size": 40}),
    )


@admin.register(JudicialConfirmation)
class JudicialConfirmationAdmin(
    ScopedHistoryMixin, ReadOnlyAdminMixin, ScopedAdmin, SimpleHistoryAdmin
):
    selector = selectors.confirmation_visible_to
    list_display = [
        "case",
        "court",
        "status",
        "is_remote",
        "window_closes_on",
        "filed_on",
        "acceptance_due",
        "court_case_number",
        "decision_due",
        "ruling_on",
    ]
    list_filter = [
        "status",
        "basis",
        "is_remote",
        "is_extended",
        ("court", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["case__number", "case__title", "court_case_number", "court__name"]
    list_select_related = ["case", "court"]
    date_hierarchy = "filed_on"
    ordering = ["-created_at"]
    inlines = [ConfirmationMaterialInline]
    action_form = WithdrawActionForm
    actions = ["withdraw_selected"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "case",
                    "agreement",
                    "court",
                    "court_reason",
                    "basis",
                    "is_remote",
                    "joint_application",
                    "joint_application_note",
                ]
            },
        ),
        (
            _("Workflow"),
            {
                "fields": [
                    "status",
                    "window_closes_on",
                    "filed_on",
                    "acceptance_due",
                    "court_case_number",
                    "accepted_on",
                    "decision_due",
                    "is_extended",
                    "ruling_on",
                    "ruling",
                    "outcome_reason",
                    "created_by",
                    "version",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [name for _title, options in self.fieldsets for name in options["fields"]]

    @admin.display(description=_("ruling (民事裁定书)"))
    def ruling(self, obj: JudicialConfirmation) -> str:
        if not obj.ruling_document:
            return "—"
        url = reverse("api:judicial-confirmation-ruling-document", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, PurePath(obj.ruling_document.name).name)

    # --- the one action: withdraw, through the service, with a reason ---------------------

    def has_withdraw_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("cases.change_judicialconfirmation")

    @admin.action(
        description=_("Withdraw selected applications (give the reason)"),
        permissions=["withdraw"],
    )
    def withdraw_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        reason = (request.POST.get("reason") or "").strip()
        if not reason:
            self.message_user(
                request, gettext("Give the reason for the withdrawal."), messages.ERROR
            )
            return
        done = 0
        for confirmation in queryset.order_by("pk"):
            label = str(confirmation)
            try:
                services.confirmation_withdraw(
                    actor=request.user, confirmation=confirmation, reason=reason
                )
            except DomainError as exc:
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
                ngettext(
                    "%(count)d application withdrawn.",
                    "%(count)d applications withdrawn.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )


@admin.register(ConfirmationMaterial)
class ConfirmationMaterialAdmin(CaseChildAdmin):
    selector = material_visible_to
    list_display = ["kind", "confirmation", "download", "note", "uploaded_by", "uploaded_at"]
    list_filter = ["kind"]
    search_fields = [
        "note",
        "confirmation__case__number",
        "confirmation__case__title",
        "confirmation__court_case_number",
    ]
    list_select_related = ["confirmation__case", "confirmation__court", "uploaded_by"]
    date_hierarchy = "uploaded_at"
    fields = ["confirmation", "kind", "download", "note", "uploaded_by", "uploaded_at"]

    @admin.display(description=_("file"))
    def download(self, obj: ConfirmationMaterial) -> str:
        return _download_link(obj)


@admin.register(CourtReferral)
class CourtReferralAdmin(ScopedHistoryMixin, ReadOnlyAdminMixin, ScopedAdmin, SimpleHistoryAdmin):
    selector = selectors.referral_visible_to
    list_display = [
        "case",
        "court",
        "direction",
        "kind",
        "court_reference",
        "referred_on",
        "term_ends_on",
        "status",
        "outcome",
    ]
    list_filter = [
        "direction",
        "kind",
        "status",
        "outcome",
        ("court", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["case__number", "case__title", "court_reference", "court__name"]
    list_select_related = ["case", "court"]
    date_hierarchy = "referred_on"
    fields = [
        "case",
        "court",
        "direction",
        "kind",
        "court_reference",
        "referred_on",
        "term_ends_on",
        "extension_days",
        "extension_consent",
        "status",
        "outcome",
        "result",
        "result_on",
        "created_by",
        "version",
    ]

    def get_readonly_fields(self, request, obj=None):
        return self.fields
