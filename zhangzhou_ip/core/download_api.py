"""Prepared downloads API (``/api/v1/prepared-downloads/``): the user's own files built in the
background (large exports, reports), read-only. The queryset is the user's own
(``download_visible_to``), so any other id is a 404; ``core.view_prepareddownload``
(``core/rules.py``) is checked per object by ``RulesPermission``. Files are fetched from
``download_url`` (the same owner-only view as the "My downloads" page)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.reverse import reverse

from zhangzhou_ip.core.downloads import PreparedDownloadFilterSet, download_visible_to
from zhangzhou_ip.core.models import PreparedDownload

NOT_FOUND = OpenApiResponse(description="No such download among your own.")


class PreparedDownloadSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(
        help_text="Where to fetch the file once it is ready (null before, and after it expired)."
    )

    class Meta:
        model = PreparedDownload
        fields = [
            "id",
            "kind",
            "title",
            "file_format",
            "status",
            "row_count",
            "size",
            "error",
            "source_url",
            "download_url",
            "created_at",
            "started_at",
            "finished_at",
            "expires_at",
        ]
        read_only_fields = fields

    def get_download_url(self, obj: PreparedDownload) -> str | None:
        if not obj.is_ready:
            return None
        return reverse("downloads:file", args=[obj.pk], request=self.context.get("request"))


@extend_schema_view(
    list=extend_schema(summary="Your prepared downloads, newest first"),
    retrieve=extend_schema(
        summary="One of your prepared downloads",
        responses={200: PreparedDownloadSerializer, 404: NOT_FOUND},
    ),
)
class PreparedDownloadViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PreparedDownloadSerializer
    queryset = PreparedDownload.objects.none()  # the model, for RulesPermission
    filterset_class = PreparedDownloadFilterSet
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return PreparedDownload.objects.none()
        return download_visible_to(self.request.user)
