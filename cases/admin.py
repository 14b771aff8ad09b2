"""Case admin for operators (STYLE rule 12).

Querysets start from the selectors and permissions come from ``rules.py``, so a staff member
who is not a superuser sees in the admin exactly the cases they may see elsewhere; anything
else is "missing" (the admin's 404/redirect). Workflow fields are read-only; editing a case
and the admin actions go through ``cases.services``, so every change is locked, checked and
written to the timeline. Parties, rights, sessions, agreements and assignments are shown as
read-only inlines and read-only lists: they are edited on the case pages, which call the
services with the forms that validate them (resident ID numbers, right numbers, uploads).
The timeline (``CaseEvent``) can be neither added, changed nor deleted by anyone.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from rules.contrib.admin import ObjectPermissionsModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from alliance.models import Organization
from alliance.selectors import organization_ids_of
from alliance.validators import mask_resident_id
from cases import selectors, services
from cases.models import (
    Agreement,
    CaseAssignment,
    CaseEvent,
    CaseNumberCounter,
    CaseNumbering,
    CaseRight,
    MediationCase,
    MediationSession,
    Party,
)
from cases.rules import HANDLING_KINDS
from zhangzhou_ip.core.errors import DomainError

WORKFLOW_FIELDS = (
    "status",
    "number",
    "number_year",
    "number_seq",
    "received_on",
    "accepted_on",
    "closed_on",
    "mediation_deadline",
    "outcome_reason",
    "is_cross_region",
    "created_by",
    "version",
)
# Set by save_model when a service refused the save, so the response does not claim success.
_REFUSED = "_cases_admin_refused"


class ScopedAdmin(ObjectPermissionsModelAdmin):
    """Admin whose changelist and object lookups start from a selector."""

    selector: Callable[..., QuerySet] | None = None

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser or self.selector is None:
            return qs
        return qs.filter(pk__in=type(self).selector(request.user).values("pk"))


class ReadOnlyAdminMixin:
    """Rows written by services only: viewable, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_view_permission(self, request, obj=None):
        # ``obj`` is the case: who may see the case may see what belongs to it.
        return request.user.has_perm("cases.view_mediationcase", obj)

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)


class PartyInline(ReadOnlyInline):
    model = Party
    fields = ["role", "kind", "name", "masked_id_number", "region", "phone", "agent_name"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("region")

    @admin.display(description=_("resident ID number"))
    def masked_id_number(self, obj: Party) -> str:
        return mask_resident_id(obj.id_number) if obj.id_number else "—"


class CaseRightInline(ReadOnlyInline):
    model = CaseRight
    fields = ["kind", "number", "description", "intellectual_property"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("intellectual_property")


class MediationSessionInline(ReadOnlyInline):
    model = MediationSession
    fields = ["starts_at", "ends_at", "location", "online_link", "outcome", "recorded_at"]


class AgreementInline(ReadOnlyInline):
    model = Agreement
    fields = ["amount", "signed_on", "effective_on", "is_ownership_determination"]


class CaseAssignmentInline(ReadOnlyInline):
    model = CaseAssignment
    fields = ["user", "assigned_by", "assigned_at", "unassigned_at"]
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "assigned_by")


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ["created_at", "verb", "from_status", "to_status", "actor", "data"]
    show_change_link = False
    classes = ["collapse"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class MediationCaseForm(forms.ModelForm):
    """Carries the version the user saw, so a concurrent change is reported, not overwritten."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = MediationCase
        fields = ["handling_organization", *services.EDITABLE_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        expected = cleaned.get("expected_version")
        if self.instance.pk and expected is not None and expected != self.instance.version:
            raise forms.ValidationError(
                gettext("This case was changed by someone else. Reload the page and try again."),
                code="conflict",
            )
        return cleaned


def _transition_action(name: str, description: str):
    """An admin action that runs the transition service on each selected case."""

    def action(modeladmin: MediationCaseAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        modeladmin.run_transition(request, queryset, name)

    action.__name__ = f"{name}_selected"
    return admin.action(description=description, permissions=["transition"])(action)


@admin.register(MediationCase)
class MediationCaseAdmin(ScopedAdmin, SimpleHistoryAdmin):
    selector = selectors.case_visible_to
    form = MediationCaseForm
    list_display = [
        "display_number",
        "title",
        "handling_organization",
        "status",
        "dispute_type",
        "source",
        "is_cross_region",
        "received_on",
        "claim_amount",
    ]
    list_display_links = ["display_number", "title"]
    list_filter = ["status", "dispute_type", "mediation_kind", "source", "is_cross_region"]
    search_fields = ["number", "title", "parties__name"]
    date_hierarchy = "received_on"
    list_select_related = ["handling_organization"]
    ordering = ["-created_at"]
    readonly_fields = WORKFLOW_FIELDS
    actions = [
        _transition_action("submit", _("Submit selected drafts")),
        _transition_action("accept", _("Accept selected submitted cases")),
        _transition_action("start_mediation", _("Start mediation of selected cases")),
        _transition_action("settle", _("Record settlement of selected cases")),
    ]
    inlines = [
        PartyInline,
        CaseRightInline,
        CaseAssignmentInline,
        MediationSessionInline,
        AgreementInline,
        CaseEventInline,
    ]

    @admin.display(description=_("case number"), ordering="number")
    def display_number(self, obj: MediationCase) -> str:
        return obj.number or gettext("(draft)")

    # --- form ---------------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        main = ["handling_organization", *services.EDITABLE_FIELDS, "expected_version"]
        if obj is None:
            return [(None, {"fields": main})]
        return [(None, {"fields": main}), (_("Workflow"), {"fields": list(WORKFLOW_FIELDS)})]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # The handling organisation decides the number series and who may act: fixed.
        return ("handling_organization", *WORKFLOW_FIELDS)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "handling_organization":
            orgs = Organization.objects.filter(kind__in=HANDLING_KINDS, is_active=True)
            if not request.user.is_superuser:
                orgs = orgs.filter(pk__in=organization_ids_of(request.user))
            kwargs["queryset"] = orgs.order_by("name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name]
            for name in services.EDITABLE_FIELDS
            if name in form.cleaned_data
        }
        try:
            if change:
                saved = services.case_update(
                    actor=request.user,
                    case=obj,
                    expected_version=form.cleaned_data.get("expected_version"),
                    **data,
                )
            else:
                saved = services.case_create(
                    actor=request.user,
                    handling_organization=form.cleaned_data["handling_organization"],
                    **data,
                )
        except DomainError as exc:
            setattr(request, _REFUSED, True)
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        if not getattr(request, _REFUSED, False):
            super().save_related(request, form, formsets, change)

    def log_addition(self, request, obj, message):
        if not getattr(request, _REFUSED, False):
            return super().log_addition(request, obj, message)
        return None

    def log_change(self, request, obj, message):
        if not getattr(request, _REFUSED, False):
            return super().log_change(request, obj, message)
        return None

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(request, _REFUSED, False):
            return HttpResponseRedirect(request.path)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if getattr(request, _REFUSED, False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    # --- deleting: drafts only, through the service -----------------------------------------

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Bulk deletion would bypass the per-case rule (drafts only); delete one at a time.
        actions.pop("delete_selected", None)
        return actions

    def get_deleted_objects(self, objs, request):
        deleted, counts, _perms_needed, protected = super().get_deleted_objects(objs, request)
        # A discarded draft takes its parties, rights and timeline with it
        # (services.case_delete_draft); the children's own admins are read-only.
        return deleted, counts, set(), protected

    def delete_model(self, request, obj):
        services.case_delete_draft(actor=request.user, case=obj)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(
                reverse("admin:cases_mediationcase_change", args=[unquote(object_id)])
            )

    # --- workflow actions -----------------------------------------------------------------

    def has_transition_permission(self, request) -> bool:
        return request.user.has_perm("cases.transition_mediationcase")

    def run_transition(self, request: HttpRequest, queryset: QuerySet, name: str) -> None:
        """Run one transition service per selected case; report refusals case by case."""
        service = services.TRANSITION_SERVICES[name]
        done = 0
        for case in queryset.order_by("pk"):
            label = str(case)
            try:
                service(actor=request.user, case=case)
            except DomainError as exc:
                self.message_user(
                    request,
                    gettext("%(case)s: %(error)s")
                    % {"case": label, "error": " ".join(exc.messages)},
                    messages.ERROR,
                )
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)d case moved by “%(transition)s”.",
                    "%(count)d cases moved by “%(transition)s”.",
                    done,
                )
                % {"count": done, "transition": name},
                messages.SUCCESS,
            )

    # --- history: readable, never reverted (that would bypass the services) ---------------

    def has_change_history_permission(self, request, obj=None):
        return False

    def _check_in_scope(self, request, object_id) -> None:
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


# --- children: read-only lists, scoped like their case -------------------------------------


class CaseChildAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """Viewing follows the case (``cases.view_<model>`` in rules.py); writing is refused."""

    def get_readonly_fields(self, request, obj=None):
        if self.fields:
            return self.fields
        return [f.name for f in self.model._meta.fields if f.editable and not f.primary_key]


@admin.register(Party)
class PartyAdmin(CaseChildAdmin):
    selector = selectors.party_visible_to
    list_display = ["name", "role", "kind", "masked_id_number", "case", "region"]
    list_filter = ["role", "kind"]
    search_fields = ["name", "organization__uscc", "case__number", "case__title"]
    list_select_related = ["case", "region"]
    fields = [
        "case",
        "role",
        "kind",
        "organization",
        "name",
        "masked_id_number",
        "region",
        "address",
        "phone",
        "agent_name",
        "agent_phone",
    ]
    readonly_fields = fields

    @admin.display(description=_("resident ID number"))
    def masked_id_number(self, obj: Party) -> str:
        return mask_resident_id(obj.id_number) if obj.id_number else "—"


@admin.register(CaseRight)
class CaseRightAdmin(CaseChildAdmin):
    selector = selectors.case_right_visible_to
    list_display = ["kind", "number", "description", "case"]
    list_filter = ["kind"]
    search_fields = ["number", "description", "case__number", "case__title"]
    list_select_related = ["case"]


@admin.register(MediationSession)
class MediationSessionAdmin(CaseChildAdmin):
    selector = selectors.session_visible_to
    list_display = ["starts_at", "case", "location", "outcome", "recorded_at"]
    list_filter = ["outcome"]
    search_fields = ["case__number", "case__title", "location"]
    list_select_related = ["case"]
    date_hierarchy = "starts_at"


@admin.register(Agreement)
class AgreementAdmin(CaseChildAdmin, SimpleHistoryAdmin):
    list_display = ["case", "amount", "signed_on", "effective_on", "is_ownership_determination"]
    list_filter = ["is_ownership_determination"]
    search_fields = ["case__number", "case__title", "terms"]
    list_select_related = ["case"]
    date_hierarchy = "signed_on"
    # The signed document is served by the case pages, under the case's access rules.
    fields = [
        "case",
        "terms",
        "amount",
        "performance_deadline",
        "signatories",
        "signed_on",
        "effective_on",
        "is_ownership_determination",
    ]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(case__in=selectors.case_visible_to(request.user).values("pk"))

    def has_change_history_permission(self, request, obj=None):
        return False


@admin.register(CaseEvent)
class CaseEventAdmin(CaseChildAdmin):
    """The timeline: nobody — not even a superuser — may add, change or delete a row."""

    selector = selectors.event_visible_to
    list_display = ["created_at", "verb", "case", "from_status", "to_status", "actor"]
    list_filter = ["verb", "to_status"]
    search_fields = ["verb", "case__number", "case__title"]
    list_select_related = ["case", "actor"]
    date_hierarchy = "created_at"


# --- numbering ------------------------------------------------------------------------------


@admin.register(CaseNumbering)
class CaseNumberingAdmin(ObjectPermissionsModelAdmin):
    list_display = ["organization", "template"]
    search_fields = ["organization__name"]
    autocomplete_fields = ["organization"]
    list_select_related = ["organization"]


@admin.register(CaseNumberCounter)
class CaseNumberCounterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The last number per organisation and year; only the number allocation writes it."""

    list_display = ["organization", "year", "last_value"]
    list_filter = ["year"]
    search_fields = ["organization__name"]
    list_select_related = ["organization"]
    ordering = ["-year", "organization__name"]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("cases.view_casenumbercounter")


from cases import admin_court, admin_protection, admin_sharing, audit  # noqa: E402,F401
