"""Admin building blocks of the core, shared by its model admins."""

from __future__ import annotations


class SuperuserReadOnlyAdmin:
    """An admin page for operators: superusers read it, nobody adds, changes or deletes
    through the admin (the rows are written by the application's own code)."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
