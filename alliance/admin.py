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
