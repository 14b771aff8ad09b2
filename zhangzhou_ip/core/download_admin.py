"""Admin of prepared downloads: read-only and for superusers (operators checking what was
prepared for whom, and why one failed). The files themselves are fetched only by their
owners (``/downloads/<id>/file/``); the admin shows no link to them."""

from django.contrib import admin

from zhangzhou_ip.core.admin_mixins import SuperuserReadOnlyAdmin
from zhangzhou_ip.core.models import PreparedDownload


@admin.register(PreparedDownload)
class PreparedDownloadAdmin(SuperuserReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["created_at", "owner", "kind", "title", "file_format", "status", "row_count"]
    list_filter = ["status", "kind", "file_format"]
    search_fields = ["title", "owner__username", "owner__last_name", "source_url", "task_id"]
    list_select_related = ["owner"]
    date_hierarchy = "created_at"
    fields = [
        "owner",
        "kind",
        "title",
        "file_format",
        "status",
        "source_url",
        "site",
        "language",
        "time_zone",
        "task_id",
        "file_name",
        "content_type",
        "size",
        "row_count",
        "error",
        "created_at",
        "started_at",
        "finished_at",
        "expires_at",
    ]
    readonly_fields = fields
