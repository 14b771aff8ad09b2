"""Admin of the core models: notifications, read-only and for superusers (operators checking
what was sent to whom); users read their own at /notifications/."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from zhangzhou_ip.core.admin_mixins import SuperuserReadOnlyAdmin
from zhangzhou_ip.core.models import Notification


@admin.register(Notification)
class NotificationAdmin(SuperuserReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["created_at", "recipient", "verb", "title", "is_read"]
    list_filter = ["verb", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "verb", "key", "recipient__username", "recipient__last_name"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    fields = ["recipient", "verb", "title", "body", "url", "key", "created_at", "read_at"]
    readonly_fields = fields

    @admin.display(boolean=True, description=_("read"), ordering="read_at")
    def is_read(self, obj: Notification) -> bool:
        return obj.is_read


# --- the audit trail page (issue 8) and prepared downloads (issue 11) ----------------------
from zhangzhou_ip.core import audit_admin, download_admin  # noqa: E402, F401
