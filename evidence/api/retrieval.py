"""Retrieval requests API (取证, issue 6 part 7): ``/api/v1/retrieval-requests/``.

Built like the collaboration API: the queryset comes from ``selectors.retrieval_visible_to``
(a request of another enterprise or service point is a 404), the list uses the pages'
FilterSet, every write goes through ``evidence.retrieval`` (which checks the permission and the
state, writes the timeline and notifies the other side), refusals come back as JSON through the
shared exception handler naming the field, and a stale ``version`` is a 409.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.models import Organization
from alliance.selectors import organization_visible_to
from evidence import retrieval, selectors
from evidence.filters import RetrievalRequestFilterSet
from evidence.models import EvidenceRecord, RetrievalEvent, RetrievalRequest
from zhangzhou_ip.core.api import DisplayField, model_perm, responses

Status = RetrievalRequest.Status
Kind = RetrievalRequest.Kind


# --- schema helpers -----------------------------------------------------------------------------


WRITE_ERRORS = (400, 403, 404, 409)


def _values(choices: list[tuple[str, str]]) -> Any:
    return format_lazy(_("One of: {values}."), values=", ".join(value for value, _l in choices))


@extend_schema_field(OpenApiTypes.STR)
class RetrievalChoiceField(serializers.ChoiceField):
    """Validated against its choices, documented as a string listing the values (so the
    ``kind`` and ``status`` enums of other models keep their schema names)."""

    def __init__(self, *, choices: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _values(list(choices)))
        super().__init__(choices=choices, **kwargs)


def _request_user(serializer: serializers.Serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


# --- shapes -------------------------------------------------------------------------------------


class RetrievalOrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name"]
        read_only_fields = fields


class RetrievalPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class RetrievalRecordSerializer(serializers.ModelSerializer):
    sha256 = serializers.CharField(read_only=True)

    class Meta:
        model = EvidenceRecord
        fields = ["id", "number", "title", "sha256", "deposited_at"]
        read_only_fields = fields


class RetrievalEventSerializer(serializers.ModelSerializer):
    actor = RetrievalPersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = RetrievalEvent
        fields = ["verb", "actor", "note", "at"]
        read_only_fields = fields


class RetrievalRequestSerializer(serializers.ModelSerializer):
    enterprise = RetrievalOrganizationSerializer(read_only=True)
    service_point = RetrievalOrganizationSerializer(read_only=True)
    kind = serializers.CharField(read_only=True, help_text=_values(Kind.choices))
    kind_display = DisplayField(source="get_kind_display")
    status = serializers.CharField(read_only=True, help_text=_values(Status.choices))
    status_display = DisplayField(source="get_status_display")
    requested_by = RetrievalPersonSerializer(read_only=True)
    assignee = RetrievalPersonSerializer(read_only=True, allow_null=True)
    records = RetrievalRecordSerializer(
        source="visible_records",
        many=True,
        read_only=True,
        help_text=_("The records produced that you may see."),
    )
    events = RetrievalEventSerializer(many=True, read_only=True)
    web_url = serializers.CharField(source="get_absolute_url", read_only=True)
    # Declared: built from the model as read-only it would lose ``blank=True`` (DRF drops
    # ``allow_blank`` for read-only fields) and be documented as a URL, which "" is not.
    target_url = serializers.URLField(
        read_only=True, allow_blank=True, help_text=_("Web captures: the page to capture.")
    )

    class Meta:
        model = RetrievalRequest
        fields = [
            "id",
            "enterprise",
            "service_point",
            "kind",
            "kind_display",
            "subject",
            "details",
            "target_url",
            "due_date",
            "status",
            "status_display",
            "requested_by",
            "assignee",
            "outcome",
            "records",
            "events",
            "closed_at",
            "version",
            "web_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RetrievalRequestCreateSerializer(serializers.Serializer):
    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(), help_text=_("Your enterprise.")
    )
    service_point = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Default: the enterprise's own service point."),
    )
    kind = RetrievalChoiceField(choices=Kind.choices)
    subject = serializers.CharField(max_length=200)
    details = serializers.CharField(required=False, allow_blank=True, default="")
    target_url = serializers.URLField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text=_("Required for a web capture."),
    )
    due_date = serializers.DateField(required=False, allow_null=True, default=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = _request_user(self)
        if user is not None:
            self.fields["enterprise"].queryset = organization_visible_to(user).filter(
                kind=Organization.Kind.ENTERPRISE
            )
            self.fields["service_point"].queryset = selectors.service_points()


class RetrievalVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text=_("The version you read; a stale version is refused with 409."),
    )


class RetrievalAcceptSerializer(RetrievalVersionSerializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("A user of the service point; default: you."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = _request_user(self)
        users = get_user_model().objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__organization__kind=Organization.Kind.SERVICE_POINT,
        )
        if user is not None and not user.is_superuser:
            users = users.filter(memberships__organization__in=selectors.point_ids_of(user))
        self.fields["assignee"].queryset = users.distinct()


class RetrievalCompleteSerializer(RetrievalVersionSerializer):
    records = serializers.PrimaryKeyRelatedField(
        queryset=EvidenceRecord.objects.none(),
        many=True,
        help_text=_("Ids of the enterprise's records the collection produced (at least one)."),
    )
    outcome = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = _request_user(self)
        if user is not None:
            self.fields["records"].child_relation.queryset = selectors.evidence_visible_to(user)


class RetrievalReasonSerializer(RetrievalVersionSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


# --- the viewset --------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List the retrieval requests of your enterprises or service points",
        responses=responses(RetrievalRequestSerializer(many=True)),
    ),
    retrieve=extend_schema(
        summary="Retrieve a retrieval request with its timeline and records",
        responses=responses(RetrievalRequestSerializer, 404),
    ),
    create=extend_schema(
        summary="Ask a service point to collect evidence for your enterprise",
        description="Enterprise users, for their own enterprise. Refusals name the field: "
        "`enterprise` (not yours), `service_point` (not a service point, or none given and "
        "the enterprise has none of its own), `target_url` (missing for a web capture), "
        "`due_date` (in the past).",
        request=RetrievalRequestCreateSerializer,
        responses=responses(RetrievalRequestSerializer, 400, 403, ok_status=201),
    ),
)
class RetrievalRequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Retrieval requests (取证): an enterprise asks a service point for a collection. The
    state changes only through the actions: accept, complete, decline, cancel."""

    queryset = RetrievalRequest.objects.none()
    serializer_class = RetrievalRequestSerializer
    filterset_class = RetrievalRequestFilterSet
    ordering_fields = ["created_at", "due_date", "status", "closed_at", "updated_at"]
    ordering = ["-created_at", "-pk"]

    @property
    def action_permissions(self) -> dict[str, str]:
        """The services check who may act (403 JSON with a code); the permission class only
        needs ``view_``, which turns requests the user may not see into 404."""
        view = model_perm(RetrievalRequest, "view")
        return {name: view for name in ("accept", "complete", "decline", "cancel")}

    def get_queryset(self) -> QuerySet[RetrievalRequest]:
        user = self.request.user
        records = selectors.evidence_visible_to(user).order_by("-deposited_at", "-pk")
        return (
            selectors.retrieval_visible_to(user)
            .select_related("enterprise", "service_point", "requested_by", "assignee")
            .prefetch_related(
                Prefetch("records", queryset=records, to_attr="visible_records"),
                Prefetch("events", queryset=RetrievalEvent.objects.select_related("actor")),
            )
        )

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Filters and ordering belong to the list; a detail lookup is by id only.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def _respond(self, obj: RetrievalRequest, status_code: int = 200) -> Response:
        """Read back through the selector: it must still be visible (STYLE rule 8)."""
        try:
            obj = self.get_queryset().get(pk=obj.pk)
        except RetrievalRequest.DoesNotExist:
            raise Http404 from None
        data = RetrievalRequestSerializer(obj, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def _body(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._body(RetrievalRequestCreateSerializer)
        obj = retrieval.request_retrieval(actor=request.user, **data)
        return self._respond(obj, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Accept the request (requested → accepted)",
        description="Staff of the service point; `assignee` (default: you) must be staff of "
        "that service point.",
        request=RetrievalAcceptSerializer,
        responses=responses(RetrievalRequestSerializer, *WRITE_ERRORS),
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        obj = self.get_object()
        data = self._body(RetrievalAcceptSerializer)
        obj = retrieval.accept(
            actor=request.user,
            request=obj,
            assignee=data["assignee"],
            expected_version=data.get("version"),
        )
        return self._respond(obj)

    @extend_schema(
        summary="Complete the request with the records produced (accepted → completed)",
        description="Staff of the service point; `records` are ids of the enterprise's own "
        "records that you may see and that are not withdrawn, at least one.",
        request=RetrievalCompleteSerializer,
        responses=responses(RetrievalRequestSerializer, *WRITE_ERRORS),
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        obj = self.get_object()
        data = self._body(RetrievalCompleteSerializer)
        obj = retrieval.complete(
            actor=request.user,
            request=obj,
            records=data["records"],
            outcome=data["outcome"],
            expected_version=data.get("version"),
        )
        return self._respond(obj)

    @extend_schema(
        summary="Decline the request (requested or accepted → declined)",
        description="Staff of the service point; `reason` is required.",
        request=RetrievalReasonSerializer,
        responses=responses(RetrievalRequestSerializer, *WRITE_ERRORS),
    )
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        obj = self.get_object()
        data = self._body(RetrievalReasonSerializer)
        obj = retrieval.decline(
            actor=request.user,
            request=obj,
            reason=data["reason"],
            expected_version=data.get("version"),
        )
        return self._respond(obj)

    @extend_schema(
        summary="Cancel the request (requested or accepted → cancelled)",
        description="The requesting enterprise's people; `reason` is required.",
        request=RetrievalReasonSerializer,
        responses=responses(RetrievalRequestSerializer, *WRITE_ERRORS),
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        obj = self.get_object()
        data = self._body(RetrievalReasonSerializer)
        obj = retrieval.cancel(
            actor=request.user,
            request=obj,
            reason=data["reason"],
            expected_version=data.get("version"),
        )
        return self._respond(obj)
