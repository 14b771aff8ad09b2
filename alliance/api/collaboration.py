"""Collaboration requests API (issue 5): ``/api/v1/collaboration-requests/``.

Built like the other API endpoints: the queryset comes from
``alliance.selectors.collaboration_visible_to`` (a request between two other members is a
404), the list uses the pages' FilterSet (``alliance/filters_collaboration.py``) plus the
direction relative to the user, every write goes through ``alliance.collaboration`` (which
checks the permission and the state and notifies the other side), refusals come back as JSON
through the shared exception handler, and a stale ``version`` is a 409. Reply attachments are
checked (size, type, first bytes) before anything is stored and served only through this API.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from alliance import collaboration, selectors
from alliance.filters_collaboration import CollaborationRequestFilterSet
from alliance.forms_collaboration import check_reply_attachment
from alliance.models import CollaborationReply, CollaborationRequest, Organization
from zhangzhou_ip.core.api import ERRORS, DisplayField, model_perm, responses

Status = CollaborationRequest.Status
Kind = CollaborationRequest.Kind


# --- schema helpers -----------------------------------------------------------------------------


WRITE_ERRORS = (400, 403, 404, 409)
BINARY = {(200, "*/*"): OpenApiTypes.BINARY}  # the stored file, in its own type


def _values(choices: list[tuple[str, str]]) -> Any:
    return format_lazy(_("One of: {values}."), values=", ".join(value for value, _l in choices))


@extend_schema_field(OpenApiTypes.STR)
class CodeChoiceField(serializers.ChoiceField):
    """Validated against its choices, documented as a string listing the values: other
    models' ``kind`` and ``status`` enums keep their schema names."""

    def __init__(self, *, choices: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _values(list(choices)))
        super().__init__(choices=choices, **kwargs)


def _code(choices: Any, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(read_only=True, help_text=_values(list(choices)), **kwargs)


def _request_user(serializer: serializers.Serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


# --- shapes -------------------------------------------------------------------------------------


class CollaborationOrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name"]
        read_only_fields = fields


class CollaborationAuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class CollaborationRequestSerializer(serializers.ModelSerializer):
    from_organization = CollaborationOrganizationSerializer(read_only=True)
    to_organization = CollaborationOrganizationSerializer(read_only=True)
    kind = _code(Kind.choices)
    kind_display = DisplayField(source="get_kind_display")
    status = _code(Status.choices)
    status_display = DisplayField(source="get_status_display")
    direction = serializers.SerializerMethodField(
        help_text=_("`sent` or `received`, relative to your organisations; empty otherwise.")
    )
    is_overdue = serializers.SerializerMethodField()
    reply_count = serializers.SerializerMethodField()
    web_url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = CollaborationRequest
        fields = [
            "id",
            "from_organization",
            "to_organization",
            "direction",
            "kind",
            "kind_display",
            "subject",
            "body",
            "sent_on",
            "due_on",
            "is_overdue",
            "status",
            "status_display",
            "accepted_on",
            "closed_on",
            "closing_note",
            "reply_count",
            "version",
            "web_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_direction(self, obj: CollaborationRequest) -> str:
        user = _request_user(self)
        own = selectors.organization_ids_of(user) if user is not None else set()
        if obj.from_organization_id in own:
            return "sent"
        if obj.to_organization_id in own:
            return "received"
        return ""

    def get_is_overdue(self, obj: CollaborationRequest) -> bool:
        return obj.is_active and obj.due_on < timezone.localdate()

    def get_reply_count(self, obj: CollaborationRequest) -> int:
        count = getattr(obj, "reply_count", None)
        return count if count is not None else obj.replies.count()


class CollaborationRequestCreateSerializer(serializers.Serializer):
    from_organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(),
        help_text=_("The member bureau you act for that sends the request."),
    )
    to_organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(), help_text=_("Another alliance member.")
    )
    kind = CodeChoiceField(choices=Kind.choices)
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField(required=False, allow_blank=True, default="")
    due_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Default: the kind's response term from today."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = _request_user(self)
        visible = (
            selectors.organization_visible_to(user)
            if user is not None
            else Organization.objects.none()
        )
        self.fields["from_organization"].queryset = visible
        self.fields["to_organization"].queryset = visible

    def validate_from_organization(self, organization: Organization) -> Organization:
        user = _request_user(self)
        if user is not None and not user.is_superuser:
            acting = selectors.organization_ids_of(user, roles=selectors.ACTING_ROLES)
            if organization.pk not in acting:
                raise serializers.ValidationError(_("You do not act for this organisation."))
        return organization


class CollaborationVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("The version you read; a stale version is refused with 409."),
    )


class CollaborationNoteSerializer(CollaborationVersionSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CollaborationReplySerializer(serializers.ModelSerializer):
    organization = CollaborationOrganizationSerializer(read_only=True)
    author = CollaborationAuthorSerializer(read_only=True, allow_null=True)
    attachment_name = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = CollaborationReply
        fields = [
            "id",
            "organization",
            "author",
            "body",
            "attachment_name",
            "download_url",
            "created_at",
        ]
        read_only_fields = fields

    def get_attachment_name(self, obj: CollaborationReply) -> str:
        return PurePath(obj.attachment.name).name if obj.attachment else ""

    def get_download_url(self, obj: CollaborationReply) -> str:
        return reply_attachment_url(obj) if obj.attachment else ""


def reply_attachment_url(reply: CollaborationReply) -> str:
    """Where a reply's attachment is served under the request's access rules (never a bare
    media URL)."""
    return reverse(
        "api:collaboration-request-reply-attachment",
        kwargs={"pk": reply.request_id, "reply_pk": reply.pk},
    )


class CollaborationReplyCreateSerializer(serializers.Serializer):
    body = serializers.CharField()
    attachment = serializers.FileField(
        required=False, allow_null=True, default=None, help_text=_("PDF, JPEG or PNG.")
    )

    def validate_attachment(self, upload: Any) -> Any:
        if upload is None:
            return None
        try:
            check_reply_attachment(upload)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages, code=exc.code) from exc
        return upload


# --- filters ------------------------------------------------------------------------------------


class CollaborationRequestAPIFilterSet(CollaborationRequestFilterSet):
    """The pages' FilterSet plus the direction relative to the user's organisations."""

    direction = django_filters.ChoiceFilter(
        label=_("Direction"),
        choices=[("sent", _("Sent")), ("received", _("Received"))],
        method="filter_direction",
    )

    class Meta(CollaborationRequestFilterSet.Meta):
        fields = [*CollaborationRequestFilterSet.Meta.fields, "direction"]

    def filter_direction(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        user = getattr(self.request, "user", None)
        own = selectors.organization_ids_of(user) if user is not None else set()
        field = "from_organization__in" if value == "sent" else "to_organization__in"
        return queryset.filter(Q(**{field: own}))


# --- the viewset --------------------------------------------------------------------------------


class _ServiceChecksPermissions:
    """Writes are checked by the services (403 JSON with a code); the permission class only
    needs the object's ``view_`` permission, which turns requests the user may not see into
    404."""

    queryset: QuerySet
    service_checked_actions: tuple[str, ...] = ()

    @property
    def action_permissions(self) -> dict[str, str]:
        view = model_perm(self.queryset.model, "view")
        return {name: view for name in self.service_checked_actions}


def _note_action(name: str, service: Any, summary: str, description: str):
    """A POST action ``/collaboration-requests/<pk>/<name>/`` with a version and a note."""

    def run(self, request: Request, pk: str | None = None) -> Response:
        obj = self.get_object()
        data = self._body(CollaborationNoteSerializer)
        obj = service(
            actor=request.user,
            request=obj,
            note=data["note"],
            expected_version=data.get("version"),
        )
        return self._respond(obj)

    run.__name__ = name
    run.__qualname__ = f"CollaborationRequestViewSet.{name}"
    decorated = action(detail=True, methods=["post"])(run)
    return extend_schema(
        summary=summary,
        description=description,
        request=CollaborationNoteSerializer,
        responses=responses(CollaborationRequestSerializer, *WRITE_ERRORS),
    )(decorated)


@extend_schema_view(
    list=extend_schema(summary="List the collaboration requests of your organisations"),
    retrieve=extend_schema(
        summary="Retrieve a collaboration request",
        responses=responses(CollaborationRequestSerializer, 404),
    ),
    create=extend_schema(
        summary="Send a collaboration request to another member",
        description="The due date defaults to the kind's response term counted from today "
        "(CPL art. 85). Refusals name the field: `from_organization` (not a member, or not "
        "yours), `to_organization` (your own, or not a member), `due_on` (in the past).",
        request=CollaborationRequestCreateSerializer,
        responses=responses(CollaborationRequestSerializer, 400, 403, ok_status=201),
    ),
)
class CollaborationRequestViewSet(
    _ServiceChecksPermissions,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Protection collaboration between member bureaus (保护协作). The state changes only
    through the actions: accept, decline, complete, cancel."""

    queryset = CollaborationRequest.objects.none()
    # Documents (PDF/JPEG/PNG scans) stop streaming at their own limit (core/uploads.py).
    upload_limit_setting = "AGREEMENT_DOCUMENT_MAX_BYTES"
    serializer_class = CollaborationRequestSerializer
    filterset_class = CollaborationRequestAPIFilterSet
    ordering_fields = ["sent_on", "due_on", "status", "closed_on", "created_at"]
    ordering = ["-sent_on", "-pk"]
    service_checked_actions = (
        "accept",
        "decline",
        "complete",
        "cancel",
        "replies",
        "reply_attachment",
    )

    def get_queryset(self) -> QuerySet[CollaborationRequest]:
        return selectors.collaboration_visible_to(self.request.user).annotate(
            reply_count=Count("replies")
        )

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Filters and ordering belong to the list; a detail lookup is by id only.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def _respond(self, obj: CollaborationRequest, status_code: int = 200) -> Response:
        """Read back through the selector: it must still be visible (STYLE rule 8)."""
        try:
            obj = self.get_queryset().get(pk=obj.pk)
        except CollaborationRequest.DoesNotExist:
            raise Http404 from None
        data = CollaborationRequestSerializer(obj, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def _body(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._body(CollaborationRequestCreateSerializer)
        obj = collaboration.collaboration_send(actor=request.user, **data)
        return self._respond(obj, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Accept the request (open → accepted)",
        request=CollaborationVersionSerializer,
        responses=responses(CollaborationRequestSerializer, *WRITE_ERRORS),
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        obj = self.get_object()
        data = self._body(CollaborationVersionSerializer)
        obj = collaboration.collaboration_accept(
            actor=request.user, request=obj, expected_version=data.get("version")
        )
        return self._respond(obj)

    decline = _note_action(
        "decline",
        collaboration.collaboration_decline,
        "Decline the request (open → declined)",
        "The receiving side; `note` (the reason) is required.",
    )
    complete = _note_action(
        "complete",
        collaboration.collaboration_complete,
        "Mark the request completed (accepted → completed)",
        "The receiving side; `note` is optional.",
    )
    cancel = _note_action(
        "cancel",
        collaboration.collaboration_cancel,
        "Cancel the request (open or accepted → cancelled)",
        "The sending side; `note` (the reason) is required.",
    )

    @extend_schema(
        methods=["GET"],
        summary="The request's replies, oldest first",
        responses=responses(CollaborationReplySerializer(many=True), 404),
    )
    @extend_schema(
        methods=["POST"],
        summary="Reply (either side), optionally with an attachment",
        description="PDF, JPEG or PNG within the size limit; the content must match the "
        "extension. A refused file is not stored.",
        request={"multipart/form-data": CollaborationReplyCreateSerializer},
        responses=responses(CollaborationReplySerializer, *WRITE_ERRORS, ok_status=201),
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser],
        filter_backends=[],
        pagination_class=None,
    )
    def replies(self, request: Request, pk: str | None = None) -> Response:
        obj = self.get_object()
        if request.method == "GET":
            replies = (
                selectors.collaboration_reply_visible_to(request.user)
                .filter(request=obj)
                .order_by("created_at", "pk")
            )
            return Response(CollaborationReplySerializer(replies, many=True).data)
        data = self._body(CollaborationReplyCreateSerializer)
        reply = collaboration.collaboration_reply(
            actor=request.user, request=obj, body=data["body"], attachment=data["attachment"]
        )
        reply = selectors.collaboration_reply_visible_to(request.user).get(pk=reply.pk)
        return Response(CollaborationReplySerializer(reply).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Download a reply's attachment",
        parameters=[OpenApiParameter("reply_pk", int, OpenApiParameter.PATH)],
        responses={**BINARY, 404: ERRORS[404]},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"replies/(?P<reply_pk>[0-9]+)/attachment",
        url_name="reply-attachment",
        filter_backends=[],
        pagination_class=None,
    )
    def reply_attachment(
        self, request: Request, pk: str | None = None, reply_pk: str | None = None
    ) -> FileResponse:
        obj = self.get_object()
        reply = (
            selectors.collaboration_reply_visible_to(request.user)
            .filter(request=obj, pk=reply_pk)
            .first()
        )
        if (
            reply is None
            or not reply.attachment
            or not request.user.has_perm("alliance.view_collaborationreply", reply)
        ):
            raise Http404
        return FileResponse(
            reply.attachment.open("rb"),
            as_attachment=True,
            filename=PurePath(reply.attachment.name).name,
        )
