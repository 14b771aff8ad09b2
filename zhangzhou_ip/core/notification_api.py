"""Notifications API (``/api/v1/notifications/``): the user's own notifications only.

A notification belongs to its recipient and to no role, so there is no rule to consult: the
queryset is the user's own (``notification_visible_to``) and any other id is a 404. Filtering,
ordering, pagination and error JSON come from ``zhangzhou_ip.core.api``.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from zhangzhou_ip.core.models import Notification
from zhangzhou_ip.core.notifications import (
    NotificationFilterSet,
    mark_read,
    notification_visible_to,
)

NOT_FOUND = OpenApiResponse(description="No such notification among your own.")


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "verb", "title", "body", "url", "is_read", "read_at", "created_at"]
        read_only_fields = fields


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many unread notifications were marked read.")


@extend_schema_view(
    list=extend_schema(summary="Your notifications, newest first"),
    retrieve=extend_schema(
        summary="One of your notifications", responses={200: NotificationSerializer, 404: NOT_FOUND}
    ),
)
class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = NotificationSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = NotificationFilterSet
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Notification.objects.none()
        return notification_visible_to(self.request.user)

    @extend_schema(
        summary="Mark one of your notifications read",
        request=None,
        responses={200: NotificationSerializer, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="read", url_name="read")
    def read(self, request: Request, pk: str | None = None) -> Response:
        notification = self.get_object()
        mark_read(request.user, [notification.pk])
        notification.refresh_from_db()
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        summary="Mark all your notifications read",
        request=None,
        responses={200: ReadAllSerializer},
    )
    @action(detail=False, methods=["post"], url_path="read-all", url_name="read-all")
    def read_all(self, request: Request) -> Response:
        return Response(ReadAllSerializer({"marked": mark_read(request.user)}).data)
