"""The User admin gains "Unlock login": it clears the user's failed login attempts (from every
address) and records who did it in the user's admin history. axes' own "Access attempts"
admin lists every locked pair, also for usernames that do not exist, and deleting attempts
there is logged by the admin as well."""

from __future__ import annotations

from axes.utils import reset as axes_reset
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from alliance.admin import UserAdmin as DirectoryUserAdmin

User = get_user_model()

admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DirectoryUserAdmin):
    actions = [*DirectoryUserAdmin.actions, "unlock_login"]

    @admin.action(description=gettext_lazy("Unlock login"), permissions=["change"])
    def unlock_login(self, request, queryset) -> None:
        cleared_total = 0
        for user in queryset:
            cleared = axes_reset(username=user.get_username())
            cleared_total += cleared
            self.log_change(
                request,
                user,
                _("Unlocked login (%(count)d failed-attempt records cleared).")
                % {"count": cleared},
            )
        count = len(queryset)
        self.message_user(
            request,
            ngettext(
                "Login unlocked for %(users)d user; %(count)d failed-attempt records cleared. "
                "They can log in again now.",
                "Login unlocked for %(users)d users; %(count)d failed-attempt records cleared. "
                "They can log in again now.",
                count,
            )
            % {"users": count, "count": cleared_total},
            messages.SUCCESS,
        )
