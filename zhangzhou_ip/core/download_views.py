"""My downloads (``/downloads/``, namespace ``downloads``): the files prepared in the
background for the signed-in user (``core.downloads``). Every lookup starts from the user's
own downloads, so another user's id is a 404 — for superusers too."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.views import View

from zhangzhou_ip.core.downloads import (
    PreparedDownloadFilterSet,
    download_visible_to,
    file_visible_to,
)
from zhangzhou_ip.core.models import PreparedDownload
from zhangzhou_ip.core.views import FilteredListView


class DownloadListView(FilteredListView):
    """The user's prepared downloads, newest first, with their state; ``?status=`` and
    ``?kind=`` narrow it. While one is being prepared the table reloads itself (htmx)."""

    template_name = "core/downloads.html"
    filterset_class = PreparedDownloadFilterSet

    def get_base_queryset(self):
        return download_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pending"] = any(
            d.status in (PreparedDownload.Status.QUEUED, PreparedDownload.Status.RUNNING)
            for d in context["object_list"]
        )
        context["now"] = timezone.now()
        context["retention_hours"] = settings.DOWNLOAD_RETENTION_HOURS
        return context


class DownloadFileView(View):
    """The file, as an attachment that the browser must not sniff; only its owner gets it,
    only while it is ready and not expired (404 otherwise)."""

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        download = get_object_or_404(file_visible_to(request.user), pk=pk)
        try:
            handle = download.file.open("rb")
        except FileNotFoundError as exc:  # removed from storage behind our back
            raise Http404 from exc
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=download.file_name or None,
            content_type=download.content_type or "application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


app_name = "downloads"
urlpatterns = [
    path("", DownloadListView.as_view(), name="list"),
    path("<int:pk>/file/", DownloadFileView.as_view(), name="file"),
]
