"""Case sharing and comments API (issue 5): ``/api/v1/case-shares/`` and
``/api/v1/case-comments/``.

Built like the case API (``cases/api/views.py``): querysets from ``cases.selectors``
(``share_visible_to``, ``comment_visible_to``; out of scope is a 404), writes through the
services (``share_grant``, ``share_revoke``, ``case_collaboration_request``, ``comment_add``),
which check the permission and the rule and write the timeline; refusals as JSON through the
shared exception handler. A share gives sight only: nothing here edits or moves a case.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from alliance import selectors as alliance_selectors
from alliance.api.collaboration import (
    CodeChoiceField,
    CollaborationRequestCreateSerializer,
    CollaborationRequestSerializer,
)
from alliance.models import Organization
from cases import selectors, services
from cases.api.court import CaseRefSerializer, _plain, _visible_cases
from cases.api.serializers import OrganizationRefSerializer, UserRefSerializer, _request_user
from cases.api.views import _responses, _ServiceChecksPermissions
from cases.models import CaseComment, CaseShare, MediationCase
from zhangzhou_ip.core.api import DisplayField
from zhangzhou_ip.core.errors import PermissionDenied

WRITE_ERRORS = (400, 403, 404, 409)


def _organizations(serializer: serializers.Serializer) -> QuerySet[Organization]:
    user = _request_user(serializer)
    if user is None:
        return Organization.objects.none()
    return alliance_selectors.organization_visible_to(user)


# --- shares -------------------------------------------------------------------------------------


class CaseShareSerializer(serializers.ModelSerializer):
    case = CaseRefSerializer(read_only=True)
    organization = OrganizationRefSerializer(read_only=True)
    level = _plain(CaseShare.Level.choices)
    level_display = DisplayField(source="get_level_display")
    is_active = serializers.SerializerMethodField(
        help_text=_("Not revoked, and its collaboration request (if any) still open or accepted.")
    )
    granted_by = UserRefSerializer(read_only=True, allow_null=True)
    revoked_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = CaseShare
        fields = [
            "id",
            "case",
            "organization",
            "level",
            "level_display",
            "reason",
            "request",
            "is_active",
            "granted_by",
            "granted_at",
            "revoked_by",
            "revoked_at",
            "revoke_reason",
        ]
        read_only_fields = fields

    def get_is_active(self, obj: CaseShare) -> bool:
        return obj.in_force()


class CaseShareCreateSerializer(serializers.Serializer):
    case = serializers.PrimaryKeyRelatedField(
        queryset=MediationCase.objects.none(), help_text=_("A case you may see.")
    )
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(), help_text=_("Another alliance member.")
    )
    level = CodeChoiceField(choices=CaseShare.Level.choices)
    reason = serializers.CharField(max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = _visible_cases(self)
        self.fields["organization"].queryset = _organizations(self)


class ShareRevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class CaseCollaborationRequestSerializer(CollaborationRequestCreateSerializer):
    case = serializers.PrimaryKeyRelatedField(
        queryset=MediationCase.objects.none(),
        help_text=_("A case you may share: it is shared with the target while the request runs."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = _visible_cases(self)


class CaseShareFilterSet(django_filters.FilterSet):
    case = django_filters.NumberFilter(field_name="case")
    organization = django_filters.NumberFilter(field_name="organization")
    active = django_filters.BooleanFilter(method="filter_active", label=_("Active"))

    class Meta:
        model = CaseShare
        fields = ["case", "organization", "level", "active"]

    def filter_active(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        active = CaseShare.active_q()
        return queryset.filter(active) if value else queryset.exclude(active)


class _Reader:
    """Read back through the selector after a write: the object must still be visible
    (STYLE rule 8)."""

    response_serializer_class: type

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Filters and ordering belong to the list; a detail lookup is by id only.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def _respond(self, obj: Any, status_code: int = 200) -> Response:
        try:
            obj = self.get_queryset().get(pk=obj.pk)
        except obj.DoesNotExist:
            raise Http404 from None
        data = self.response_serializer_class(obj, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def _body(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class CaseShareViewSet(
    _Reader,
    _ServiceChecksPermissions,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Cases shared with member organisations (`view` or `collaborate`). The handling side
    sees the shares of its cases; a partner sees the shares made to it."""

    queryset = CaseShare.objects.none()
    serializer_class = CaseShareSerializer
    response_serializer_class = CaseShareSerializer
    filterset_class = CaseShareFilterSet
    ordering_fields = ["granted_at", "revoked_at"]
    ordering = ["-granted_at", "-pk"]
    service_checked_actions = ("revoke",)

    def get_queryset(self) -> QuerySet[CaseShare]:
        return selectors.share_visible_to(self.request.user).select_related(
            "granted_by", "revoked_by"
        )

    @extend_schema(summary="List the shares you may see")
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="Retrieve a share", responses=_responses(CaseShareSerializer, 404))
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Share a case with another member",
        description="Only the handling organisation's admins and the assigned mediators share. "
        "A case you cannot see is refused naming `case`; your own organisation, a non-member "
        "or a second active share name `organization`.",
        request=CaseShareCreateSerializer,
        responses=_responses(CaseShareSerializer, 400, 403, ok_status=201),
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._body(CaseShareCreateSerializer)
        share = services.share_grant(actor=request.user, **data)
        return self._respond(share, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Revoke a share: the partner loses the case at once",
        request=ShareRevokeSerializer,
        responses=_responses(CaseShareSerializer, *WRITE_ERRORS),
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        share = self.get_object()
        if not request.user.has_perm("cases.share_mediationcase", share.case):
            raise PermissionDenied(_("You are not allowed to do this on this case."))
        data = self._body(ShareRevokeSerializer)
        share = services.share_revoke(actor=request.user, share=share, reason=data["reason"])
        return self._respond(share)

    @extend_schema(
        summary="Ask another member for collaboration on a case",
        description="Sends a collaboration request (see /collaboration-requests/) and shares "
        "the case with the target (`collaborate`) while the request is open or accepted.",
        request=CaseCollaborationRequestSerializer,
        responses=_responses(CollaborationRequestSerializer, 400, 403, ok_status=201),
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="collaboration-request",
        url_name="collaboration-request",
    )
    def collaboration_request(self, request: Request) -> Response:
        data = self._body(CaseCollaborationRequestSerializer)
        created = services.case_collaboration_request(actor=request.user, **data)
        created = alliance_selectors.collaboration_visible_to(request.user).get(pk=created.pk)
        return Response(
            CollaborationRequestSerializer(created, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


# --- comments -----------------------------------------------------------------------------------


class CaseCommentSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer(read_only=True)
    author = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = CaseComment
        fields = ["id", "case", "organization", "author", "reply_to", "body", "created_at"]
        read_only_fields = fields


class CaseCommentCreateSerializer(serializers.Serializer):
    case = serializers.PrimaryKeyRelatedField(
        queryset=MediationCase.objects.none(), help_text=_("A case you may see.")
    )
    body = serializers.CharField()
    reply_to = serializers.PrimaryKeyRelatedField(
        queryset=CaseComment.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The comment of the same case this answers."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = _request_user(self)
        self.fields["case"].queryset = _visible_cases(self)
        self.fields["reply_to"].queryset = (
            selectors.comment_visible_to(user) if user is not None else CaseComment.objects.none()
        )


class CaseCommentFilterSet(django_filters.FilterSet):
    case = django_filters.NumberFilter(field_name="case")

    class Meta:
        model = CaseComment
        fields = ["case"]


class CaseCommentViewSet(
    _Reader,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Comments on cases, by the handling side and partners with a `collaborate` share."""

    queryset = CaseComment.objects.none()
    serializer_class = CaseCommentSerializer
    response_serializer_class = CaseCommentSerializer
    filterset_class = CaseCommentFilterSet
    ordering_fields = ["created_at"]
    ordering = ["created_at", "pk"]

    def get_queryset(self) -> QuerySet[CaseComment]:
        return selectors.comment_visible_to(self.request.user)

    @extend_schema(summary="List the comments of the cases you see in full")
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="Retrieve a comment", responses=_responses(CaseCommentSerializer, 404))
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Comment on a case (or answer a comment)",
        description="The handling side, or a partner whose share is `collaborate`; a `view` "
        "share is refused with 403.",
        request=CaseCommentCreateSerializer,
        responses=_responses(CaseCommentSerializer, 400, 403, ok_status=201),
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._body(CaseCommentCreateSerializer)
        comment = services.comment_add(actor=request.user, **data)
        return self._respond(comment, status.HTTP_201_CREATED)
