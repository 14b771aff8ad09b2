"""Cases API: the same selectors, FilterSet, rules and services as the case pages.

Every queryset starts from ``cases.selectors`` (an id out of scope is a 404), every write
calls a service (which checks the permission, the state and the conditions and writes the
timeline), and refusals come back as JSON through ``zhangzhou_ip.core.api.exception_handler``:
field errors ``{"field": ["…"]}``, domain errors ``{"detail": "…", "code": "…"}`` with 400
(condition not met), 403 (not allowed) or 409 (wrong state, stale version).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cases import selectors, services
from cases.api import serializers as s
from cases.api.evidence import CaseEvidenceActions
from cases.choices import TRANSITION_LABELS, TRANSITIONS, PartyRole, Status
from cases.filters import MediationCaseFilterSet
from cases.models import (
    Agreement,
    CaseAssignment,
    CaseEvent,
    CaseRight,
    MediationCase,
    MediationSession,
    Party,
)
from cases.services._base import _require as require_permission
from zhangzhou_ip.core.api import ERRORS, IsoDateTimeFromToRangeFilter, model_perm
from zhangzhou_ip.core.api import responses as _responses

# The ``mediator`` filter takes a user id; its method in cases/filters.py has no type hint
# from which the schema could say so.
extend_schema_field(OpenApiTypes.INT)(MediationCaseFilterSet.base_filters["mediator"])


class _ServiceChecksPermissions:
    """Object writes are checked by the services (403 JSON with a ``code``); the permission
    class only needs the object's ``view_`` permission, which turns objects the user may not
    see into 404."""

    queryset: QuerySet
    service_checked_actions: tuple[str, ...] = ("update", "partial_update", "destroy")

    @property
    def action_permissions(self) -> dict[str, str]:
        view = model_perm(self.queryset.model, "view")
        return {name: view for name in self.service_checked_actions}

    def check_object_permissions(self, request: Request, obj: Any) -> None:
        """Before the body is read, refuse an edit or a deletion the services would refuse:
        a full update (PUT) from someone who may not edit must be a 403, not a list of
        missing fields. Same permission and answer as the services' own check."""
        super().check_object_permissions(request, obj)
        action = {"update": "change", "partial_update": "change", "destroy": "delete"}.get(
            getattr(self, "action", None) or ""
        )
        if action:
            require_permission(request.user, model_perm(type(obj), action), obj)


# --- cases ------------------------------------------------------------------------------------


def _transition_action(name: str):
    """A POST action ``/mediation-cases/<pk>/<name>/`` calling ``TRANSITION_SERVICES[name]``."""
    reason_kwarg = services.REASON_TRANSITIONS.get(name)
    if name == "withdraw":
        body = s.WithdrawTransitionSerializer
    elif reason_kwarg:
        body = s.ReasonTransitionSerializer
    else:
        body = s.TransitionSerializer
    sources, target = TRANSITIONS[name]

    def transition(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        serializer = body(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        kwargs: dict[str, Any] = {"expected_version": data.get("version")}
        if reason_kwarg:
            kwargs[reason_kwarg] = data["reason"]
        if "withdrawn_on" in data:
            kwargs["withdrawn_on"] = data["withdrawn_on"]
        case = services.TRANSITION_SERVICES[name](actor=request.user, case=case, **kwargs)
        return self._respond(case)

    transition.__name__ = name
    transition.__qualname__ = f"MediationCaseViewSet.{name}"
    transition.__doc__ = f"Transition {name}: {', '.join(sources)} → {target}."
    decorated = action(detail=True, methods=["post"], url_path=name, url_name=name)(transition)
    return extend_schema(
        summary=TRANSITION_LABELS[name],
        description=(
            f"Workflow transition `{name}` ({', '.join(sources)} → {target})."
            + (f" Requires `reason` (passed as `{reason_kwarg}`)." if reason_kwarg else "")
        ),
        request=body,
        responses=_responses(s.MediationCaseDetailSerializer, 400, 403, 404, 409),
    )(decorated)


@extend_schema_view(
    list=extend_schema(summary="List the mediation cases you may see"),
    retrieve=extend_schema(
        summary="Retrieve a case", responses=_responses(s.MediationCaseDetailSerializer, 404)
    ),
    create=extend_schema(
        summary="Open a draft case",
        request=s.MediationCaseCreateSerializer,
        responses=_responses(s.MediationCaseDetailSerializer, 400, 403, ok_status=201),
    ),
    update=extend_schema(
        summary="Edit a case's non-workflow fields",
        request=s.MediationCaseUpdateSerializer,
        responses=_responses(s.MediationCaseDetailSerializer, 400, 403, 404, 409),
    ),
    partial_update=extend_schema(
        summary="Edit some of a case's non-workflow fields",
        request=s.MediationCaseUpdateSerializer,
        responses=_responses(s.MediationCaseDetailSerializer, 400, 403, 404, 409),
    ),
    destroy=extend_schema(
        summary="Discard a draft",
        responses={204: None, **{code: ERRORS[code] for code in (403, 404, 409)}},
    ),
)
class MediationCaseViewSet(CaseEvidenceActions, _ServiceChecksPermissions, viewsets.ModelViewSet):
    """Mediation cases. Workflow fields (status, number, dates, mediators) change only
    through the transition, assign and unassign actions."""

    queryset = MediationCase.objects.none()
    serializer_class = s.MediationCaseSerializer
    filterset_class = MediationCaseFilterSet
    ordering_fields = [
        "number",
        "title",
        "status",
        "received_on",
        "accepted_on",
        "closed_on",
        "claim_amount",
        "created_at",
        "updated_at",
    ]
    ordering = ["-created_at"]
    service_checked_actions = (
        *_ServiceChecksPermissions.service_checked_actions,
        *TRANSITIONS,
        "assign",
        "unassign",
        "timeline",
        "related",
        "evidence",
        "uncite_evidence",
    )

    def get_queryset(self) -> QuerySet[MediationCase]:
        active = CaseAssignment.objects.filter(unassigned_at__isnull=True).select_related("user")
        few = self.action not in ("list", "create")  # one case: tested, not all ids listed
        return selectors.case_list(self.request.user, few=few).prefetch_related(
            Prefetch("assignments", queryset=active, to_attr="active_assignments")
        )

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Filters and ordering belong to the list; a detail lookup is by id only.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def get_serializer_class(self):
        if self.action == "create":
            return s.MediationCaseCreateSerializer
        if self.action in ("update", "partial_update"):
            return s.MediationCaseUpdateSerializer
        if self.action == "retrieve":
            return s.MediationCaseDetailSerializer
        return s.MediationCaseSerializer

    def _reload(self, case: MediationCase) -> MediationCase:
        """After a write, read the case back through the selector: it must still be
        visible (STYLE rule 8)."""
        try:
            return self.get_queryset().get(pk=case.pk)
        except MediationCase.DoesNotExist:
            raise Http404 from None

    def _respond(self, case: MediationCase, status_code: int = 200) -> Response:
        case = self._reload(case)
        data = s.MediationCaseDetailSerializer(case, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        case = services.case_create(
            actor=request.user,
            handling_organization=data.pop("handling_organization"),
            title=data.pop("title"),
            dispute_type=data.pop("dispute_type"),
            **data,
        )
        return self._respond(case, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        serializer = self.get_serializer(case, data=request.data, partial=kwargs.get("partial"))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        case = services.case_update(actor=request.user, case=case, expected_version=version, **data)
        return self._respond(case)

    def perform_destroy(self, instance: MediationCase) -> None:
        services.case_delete_draft(actor=self.request.user, case=instance)

    def _mediator_body(self, request: Request, mediators: QuerySet) -> Any:
        serializer = s.MediatorSerializer(
            data=request.data, mediators=mediators, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data["mediator"]

    @extend_schema(
        summary="Assign a mediator",
        description="The mediator must be a mediator or admin of the handling organisation.",
        request=s.MediatorSerializer,
        responses=_responses(s.MediationCaseDetailSerializer, 400, 403, 404),
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        mediator = self._mediator_body(
            request, selectors.eligible_mediators(case.handling_organization)
        )
        services.case_assign(actor=request.user, case=case, mediator=mediator)
        return self._respond(case)

    @extend_schema(
        summary="Unassign a mediator",
        request=s.MediatorSerializer,
        responses=_responses(s.MediationCaseDetailSerializer, 400, 403, 404),
    )
    @action(detail=True, methods=["post"])
    def unassign(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        assigned = s.User.objects.filter(pk__in=selectors.active_mediator_ids(case))
        mediator = self._mediator_body(request, assigned)
        services.case_unassign(actor=request.user, case=case, mediator=mediator)
        return self._respond(case)

    @extend_schema(
        summary="The case's timeline, newest first",
        responses=_responses(s.CaseEventSerializer(many=True), 404),
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        events = (
            selectors.event_visible_to(request.user)
            .filter(case=case)
            .order_by("-created_at", "-pk")
        )
        return Response(s.CaseEventSerializer(events, many=True).data)

    @extend_schema(
        summary="Related disputes (same right, or same applicant/respondent pair)",
        description="Cases you may see are listed; the others are only counted.",
        responses=_responses(s.RelatedDisputesSerializer, 404),
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def related(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        related = selectors.related_disputes(case, request.user)
        data = {
            "visible": related.visible,
            "hidden_count": related.hidden_count,
            "hidden_cities": related.hidden_cities,
            "total": related.total,
        }
        return Response(
            s.RelatedDisputesSerializer(data, context=self.get_serializer_context()).data
        )


for _name in TRANSITIONS:
    setattr(MediationCaseViewSet, _name, _transition_action(_name))


# --- children ---------------------------------------------------------------------------------
# Small FilterSets for the child endpoints (the case list's FilterSet is cases.filters).


class PartyFilterSet(django_filters.FilterSet):
    case = django_filters.NumberFilter(field_name="case")
    role = django_filters.ChoiceFilter(choices=PartyRole.choices)

    class Meta:
        model = Party
        fields = ["case", "role"]


class CaseRightFilterSet(django_filters.FilterSet):
    case = django_filters.NumberFilter(field_name="case")

    class Meta:
        model = CaseRight
        fields = ["case", "kind"]


class MediationSessionFilterSet(django_filters.FilterSet):
    case = django_filters.NumberFilter(field_name="case")
    starts = IsoDateTimeFromToRangeFilter(field_name="starts_at")  # read as UTC

    class Meta:
        model = MediationSession
        fields = ["case", "outcome", "starts"]


class AgreementFilterSet(django_filters.FilterSet):
    case = django_filters.NumberFilter(field_name="case")

    class Meta:
        model = Agreement
        fields = ["case", "is_ownership_determination"]


class CaseEventFilterSet(django_filters.FilterSet):
    case = django_filters.NumberFilter(field_name="case")
    case_status = django_filters.ChoiceFilter(field_name="to_status", choices=Status.choices)

    class Meta:
        model = CaseEvent
        fields = ["case", "verb", "case_status"]


class _ChildViewSet(_ServiceChecksPermissions, viewsets.GenericViewSet):
    response_serializer_class: type

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def _respond(self, obj: Any, status_code: int = 200) -> Response:
        # Read back through the selector: the object must still be in the user's scope.
        try:
            obj = self.get_queryset().get(pk=obj.pk)
        except obj.DoesNotExist:
            raise Http404 from None
        serializer_class = self.response_serializer_class
        return Response(
            serializer_class(obj, context=self.get_serializer_context()).data, status=status_code
        )


CHILD_WRITE_ERRORS = (400, 403, 404, 409)


@extend_schema_view(
    list=extend_schema(summary="List parties of the cases you may see"),
    retrieve=extend_schema(summary="Retrieve a party"),
    create=extend_schema(
        summary="Add a party to a case",
        responses=_responses(s.PartySerializer, 400, 403, 409, ok_status=201),
    ),
    update=extend_schema(
        summary="Edit a party", responses=_responses(s.PartySerializer, *CHILD_WRITE_ERRORS)
    ),
    partial_update=extend_schema(
        summary="Edit a party", responses=_responses(s.PartySerializer, *CHILD_WRITE_ERRORS)
    ),
    destroy=extend_schema(
        summary="Remove a party",
        responses={204: None, **{code: ERRORS[code] for code in (403, 404, 409)}},
    ),
)
class PartyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    _ChildViewSet,
):
    """Parties of cases. Resident ID numbers are masked unless you are a mediator of the
    handling organisation."""

    queryset = Party.objects.none()
    serializer_class = s.PartySerializer
    response_serializer_class = s.PartySerializer
    filterset_class = PartyFilterSet
    ordering_fields = ["role", "name", "created_at"]
    ordering = ["case", "role", "pk"]

    def get_queryset(self) -> QuerySet[Party]:
        return selectors.party_visible_to(self.request.user).select_related(
            "case__handling_organization", "region"
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        party = services.party_add(actor=request.user, case=data.pop("case"), **data)
        return self._respond(party, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        party = self.get_object()
        serializer = self.get_serializer(party, data=request.data, partial=kwargs.get("partial"))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("case", None)
        party = services.party_update(actor=request.user, party=party, **data)
        return self._respond(party)

    def perform_destroy(self, instance: Party) -> None:
        services.party_remove(actor=self.request.user, party=instance)


@extend_schema_view(
    list=extend_schema(summary="List rights in dispute of the cases you may see"),
    retrieve=extend_schema(summary="Retrieve a right in dispute"),
    create=extend_schema(
        summary="Add a right in dispute to a case",
        responses=_responses(s.CaseRightSerializer, 400, 403, 409, ok_status=201),
    ),
    destroy=extend_schema(
        summary="Remove a right in dispute",
        responses={204: None, **{code: ERRORS[code] for code in (403, 404, 409)}},
    ),
)
class CaseRightViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    _ChildViewSet,
):
    queryset = CaseRight.objects.none()
    serializer_class = s.CaseRightSerializer
    response_serializer_class = s.CaseRightSerializer
    filterset_class = CaseRightFilterSet
    ordering_fields = ["kind", "number"]
    ordering = ["case", "pk"]

    def get_queryset(self) -> QuerySet[CaseRight]:
        return selectors.case_right_visible_to(self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        right = services.right_add(actor=request.user, case=data.pop("case"), **data)
        return self._respond(right, status.HTTP_201_CREATED)

    def perform_destroy(self, instance: CaseRight) -> None:
        services.right_remove(actor=self.request.user, right=instance)


@extend_schema_view(
    list=extend_schema(summary="List mediation sessions of the cases you may see"),
    retrieve=extend_schema(summary="Retrieve a session"),
    create=extend_schema(
        summary="Schedule a session",
        responses=_responses(s.MediationSessionSerializer, 400, 403, 409, ok_status=201),
    ),
)
class MediationSessionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    _ChildViewSet,
):
    queryset = MediationSession.objects.none()
    serializer_class = s.MediationSessionSerializer
    response_serializer_class = s.MediationSessionSerializer
    filterset_class = MediationSessionFilterSet
    ordering_fields = ["starts_at", "created_at"]
    ordering = ["starts_at"]
    service_checked_actions = ("record",)

    def get_queryset(self) -> QuerySet[MediationSession]:
        return selectors.session_visible_to(self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        session = services.session_schedule(actor=request.user, case=data.pop("case"), **data)
        return self._respond(session, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record a session's minutes and outcome",
        request=s.SessionRecordSerializer,
        responses=_responses(s.MediationSessionSerializer, 400, 403, 404),
    )
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str | None = None) -> Response:
        session = self.get_object()
        serializer = s.SessionRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = services.session_record(
            actor=request.user, session=session, **serializer.validated_data
        )
        return self._respond(session)


@extend_schema_view(
    list=extend_schema(summary="List agreements of the cases you may see"),
    retrieve=extend_schema(summary="Retrieve an agreement"),
    create=extend_schema(
        summary="Record a case's agreement (while mediating)",
        responses=_responses(s.AgreementSerializer, 400, 403, 409, ok_status=201),
    ),
    update=extend_schema(
        summary="Edit an agreement",
        responses=_responses(s.AgreementSerializer, *CHILD_WRITE_ERRORS),
    ),
    partial_update=extend_schema(
        summary="Edit an agreement",
        responses=_responses(s.AgreementSerializer, *CHILD_WRITE_ERRORS),
    ),
)
class AgreementViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    _ChildViewSet,
):
    """Mediation agreements (调解协议书). ``is_ownership_determination`` flags agreements
    that determine who owns a right: courts will not confirm those (DOMAIN §1.6)."""

    queryset = Agreement.objects.none()
    serializer_class = s.AgreementSerializer
    response_serializer_class = s.AgreementSerializer
    filterset_class = AgreementFilterSet
    ordering_fields = ["signed_on", "created_at"]
    ordering = ["-created_at"]

    def get_queryset(self) -> QuerySet[Agreement]:
        return Agreement.objects.filter(
            case__in=selectors.case_visible_to(self.request.user)
        ).select_related("case")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        agreement = services.agreement_save(actor=request.user, case=data.pop("case"), **data)
        return self._respond(agreement, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        agreement = self.get_object()
        serializer = self.get_serializer(
            agreement, data=request.data, partial=kwargs.get("partial")
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("case", None)
        agreement = services.agreement_save(actor=request.user, case=agreement.case, **data)
        return self._respond(agreement)


@extend_schema_view(
    list=extend_schema(summary="The timeline of the cases you may see"),
    retrieve=extend_schema(summary="Retrieve a timeline event"),
)
class CaseEventViewSet(viewsets.ReadOnlyModelViewSet):
    """Timeline events: written by the services only, never edited or deleted."""

    queryset = CaseEvent.objects.none()
    serializer_class = s.CaseEventSerializer
    filterset_class = CaseEventFilterSet
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self) -> QuerySet[CaseEvent]:
        return selectors.event_visible_to(self.request.user)
