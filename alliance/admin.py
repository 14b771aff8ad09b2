"""Directory admin for operators. Querysets come from the selectors and permissions from
``rules.py`` (via ``ObjectPermissionsModelAdmin``), so a non-superuser staff member sees and
edits in the admin exactly what the policy allows elsewhere."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from rules.contrib.admin import ObjectPermissionsModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from alliance import selectors
from alliance.models import (
    CourtJurisdiction,
    HolidayDate,
    HolidayYear,
    IntellectualProperty,
    Membership,
    Organization,
    Region,
)


class ScopedAdmin(ObjectPermissionsModelAdmin):
    """Admin whose changelist starts from a selector."""

    selector = None

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser or self.selector is None:
            return qs
        return qs.filter(pk__in=type(self).selector(request.user).values("pk"))


@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    list_display = ["code", "name", "name_en", "level", "parent", "abbreviation", "valid_to"]
    list_filter = ["level", ("valid_to", admin.EmptyFieldListFilter)]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    ordering = ["code"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "organization"]
    fields = ["user", "organization", "role", "is_active"]


class ChildOrganizationInline(admin.TabularInline):
    model = Organization
    fk_name = "parent"
    extra = 0
    fields = ["kind", "name", "region", "uscc"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    verbose_name_plural = _("subordinate organisations")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(ScopedAdmin, SimpleHistoryAdmin):
    selector = selectors.organization_visible_to
    list_display = [
        "name",
        "kind",
        "region",
        "uscc",
        "court_code",
        "alliance_joined_on",
        "is_key_enterprise",
        "is_active",
    ]
    list_filter = [
        "kind",
        "is_key_enterprise",
        "is_active",
        ("alliance_joined_on", admin.EmptyFieldListFilter),
        "court_level",
    ]
    search_fields = ["name", "short_name", "name_en", "uscc", "court_code"]
    autocomplete_fields = ["region", "parent"]
    list_select_related = ["region"]
    date_hierarchy = "alliance_joined_on"
    inlines = [MembershipInline, ChildOrganizationInline]
    fieldsets = [
        (
            None,
            {"fields": ["kind", "name", "short_name", "name_en", "region", "parent", "is_active"]},
        ),
        (_("Identifiers"), {"fields": ["uscc", "uscc_check_waived", "court_code", "court_level"]}),
        (_("Alliance"), {"fields": ["alliance_joined_on", "is_key_enterprise"]}),
        (_("Contact"), {"fields": ["contact_name", "phone", "email", "address"]}),
    ]

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        super().save_model(request, obj, form, change)


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin, SimpleHistoryAdmin):
    selector = selectors.membership_visible_to
    list_display = ["user", "organization", "role", "is_active", "created_at"]
    list_filter = ["role", "is_active", "organization__kind"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "organization__name"]
    autocomplete_fields = ["user", "organization"]
    list_select_related = ["user", "organization"]


@admin.register(IntellectualProperty)
class IntellectualPropertyAdmin(ScopedAdmin, SimpleHistoryAdmin):
    selector = selectors.intellectual_property_visible_to
    list_display = ["display_number", "kind", "title", "owner", "nice_class", "granted_on"]
    list_filter = ["kind", "nice_class"]
    search_fields = ["number", "title", "owner__name", "owner__uscc"]
    autocomplete_fields = ["owner"]
    list_select_related = ["owner"]
    date_hierarchy = "granted_on"

    @admin.display(description=_("number"), ordering="number")
    def display_number(self, obj):
        return obj.display_number


class HolidayDateInline(admin.TabularInline):
    model = HolidayDate
    extra = 0


@admin.register(HolidayYear)
class HolidayYearAdmin(ScopedAdmin):
    list_display = ["year", "source", "published_on"]
    search_fields = ["year", "source"]
    inlines = [HolidayDateInline]


@admin.register(CourtJurisdiction)
class CourtJurisdictionAdmin(ScopedAdmin):
    list_display = ["region", "scope", "court", "note"]
    list_filter = ["scope"]
    list_select_related = ["region", "court"]
    autocomplete_fields = ["court", "region"]
    search_fields = ["region__name", "court__name"]


@admin.register(HolidayDate)
class HolidayDateAdmin(ScopedAdmin):
    list_display = ["date", "kind", "name", "year"]
    list_filter = ["kind", "year"]
    search_fields = ["name"]
    date_hierarchy = "date"


User = get_user_model()


class UserMembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organization"]
    fields = ["organization", "role", "is_active"]


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [UserMembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_staff", "is_superuser"]


# --- collaboration (issue 5) ------------------------------------------------------------------
# Requests and replies change only through ``alliance.collaboration`` (it checks the side, the
# state and the version and notifies the other bureau): here they are read-only, scoped by the
# selectors, their history viewable within the scope and never reverted.

from django.contrib.admin.utils import unquote  # noqa: E402
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied  # noqa: E402
from django.http import Http404  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils.html import format_html  # noqa: E402

from alliance.models import CollaborationReply, CollaborationRequest  # noqa: E402


class _ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _attachment_link(reply: CollaborationReply) -> str:
    """Served by the API under the request's access rules, never as a bare media URL."""
    if not reply.attachment:
        return "—"
    url = reverse(
        "api:collaboration-request-reply-attachment",
        kwargs={"pk": reply.request_id, "reply_pk": reply.pk},
    )
    return format_html('<a href="{}">{}</a>', url, reply.attachment.name.rsplit("/", 1)[-1])


class CollaborationReplyInline(_ReadOnly, admin.TabularInline):
    model = CollaborationReply
    extra = 0
    can_delete = False
    fields = ["created_at", "organization", "author", "body", "attachment_link"]
    readonly_fields = fields

    def has_view_permission(self, request, obj=None):
        # ``obj`` is the request: who may see it may see its replies.
        return request.user.has_perm("alliance.view_collaborationrequest", obj)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organization", "author")

    @admin.display(description=_("attachment"))
    def attachment_link(self, obj: CollaborationReply) -> str:
        return _attachment_link(obj)


@admin.register(CollaborationRequest)
class CollaborationRequestAdmin(_ReadOnly, ScopedAdmin, SimpleHistoryAdmin):
    selector = selectors.collaboration_visible_to
    list_display = [
        "subject",
        "kind",
        "from_organization",
        "to_organization",
        "sent_on",
        "due_on",
        "status",
        "closed_on",
    ]
    list_filter = [
        "status",
        "kind",
        ("from_organization", admin.RelatedOnlyFieldListFilter),
        ("to_organization", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["subject", "body", "from_organization__name", "to_organization__name"]
    list_select_related = ["from_organization", "to_organization"]
    date_hierarchy = "sent_on"
    ordering = ["-sent_on", "-pk"]
    inlines = [CollaborationReplyInline]
    fields = [
        "from_organization",
        "to_organization",
        "kind",
        "subject",
        "body",
        "sent_on",
        "due_on",
        "status",
        "accepted_on",
        "closed_on",
        "closing_note",
        "created_by",
        "version",
    ]
    readonly_fields = fields

    def get_actions(self, request):
        # No bulk delete: requests end by being declined, completed or cancelled.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_change_history_permission(self, request, obj=None) -> bool:
        return False

    def _check_in_scope(self, request, object_id: str) -> None:
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._check_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._check_in_scope(request, object_id)
        if request.method == "POST":
            raise DjangoPermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(CollaborationReply)
class CollaborationReplyAdmin(_ReadOnly, ScopedAdmin):
    selector = selectors.collaboration_reply_visible_to
    list_display = ["request", "organization", "author", "created_at", "attachment_link"]
    list_filter = [("organization", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["body", "request__subject", "organization__name"]
    list_select_related = ["request", "organization", "author"]
    date_hierarchy = "created_at"
    fields = ["request", "organization", "author", "body", "attachment_link", "created_at"]
    readonly_fields = fields

    def has_view_permission(self, request, obj=None):
        # The rule answers per reply; "may see any?" follows the requests.
        if obj is None:
            return request.user.has_perm("alliance.view_collaborationrequest")
        return super().has_view_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description=_("attachment"))
    def attachment_link(self, obj: CollaborationReply) -> str:
        return _attachment_link(obj)


# --- city IP indicators (issue 7 part 8) ------------------------------------------------------
from alliance import admin_indicators  # noqa: E402, F401
