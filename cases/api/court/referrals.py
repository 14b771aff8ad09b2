"""/api/v1/court-referrals/ (DOMAIN §4)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.models import Organization
from cases import selectors, services
from cases.api.court.common import (
    WRITE_ERRORS,
    CaseRefSerializer,
    CourtRefSerializer,
    PlainChoiceField,
    VersionSerializer,
    _courts,
    _plain,
    _version,
    _visible_cases,
)
from cases.api.serializers import _request_user, creatable_organizations
from cases.api.views import _responses, _ServiceChecksPermissions
from cases.choices import DisputeType
from cases.filters_court import CourtReferralFilterSet
from cases.models import (
    CourtReferral,
    MediationCase,
)
from zhangzhou_ip.core.api import DisplayField

# --- court referrals ----------------------------------------------------------------------------


class CourtReferralSerializer(serializers.ModelSerializer):
    case = CaseRefSerializer(read_only=True)
    court = CourtRefSerializer(read_only=True)
    kind = _plain(CourtReferral.Kind.choices)
    kind_display = DisplayField(source="get_kind_display")
    direction_display = DisplayField(source="get_direction_display")
    status = _plain(CourtReferral.Status.choices)
    status_display = DisplayField(source="get_status_display")
    outcome = _plain(CourtReferral.Outcome.choices)
    outcome_display = DisplayField(source="get_outcome_display")
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = CourtReferral
        fields = [
            "id",
            "case",
            "court",
            "direction",
            "direction_display",
            "kind",
            "kind_display",
            "court_reference",
            "referred_on",
            "term_ends_on",
            "extension_days",
            "extension_consent",
            "is_overdue",
            "status",
            "status_display",
            "outcome",
            "outcome_display",
            "result",
            "result_on",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_is_overdue(self, obj: CourtReferral) -> bool:
        return (
            obj.direction == CourtReferral.Direction.INBOUND
            and obj.status == CourtReferral.Status.OPEN
            and obj.term_ends_on is not None
            and obj.term_ends_on < timezone.localdate()
        )


INBOUND_KINDS = [
    (value, label) for value, label in CourtReferral.Kind.choices if value != "litigation"
]


class CourtReferralReceiveSerializer(serializers.Serializer):
    handling_organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(),
        help_text=_("The organisation that mediates (one you may open cases for)."),
    )
    court = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none())
    kind = PlainChoiceField(choices=INBOUND_KINDS)
    court_reference = serializers.CharField(
        max_length=64,
        help_text=_("The court's number, e.g. （2026）闽0602民诉前调12号 for a delegation."),
    )
    referred_on = serializers.DateField()
    title = serializers.CharField(max_length=200)
    dispute_type = serializers.ChoiceField(choices=DisputeType.choices)
    facts = serializers.CharField(required=False, allow_blank=True)
    claim_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    is_online = serializers.BooleanField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["handling_organization"].queryset = creatable_organizations(_request_user(self))
        self.fields["court"].queryset = _courts()


class ReferralExtendSerializer(VersionSerializer):
    days = serializers.IntegerField(help_text=_("1 to 30 days, once."))
    consent = serializers.CharField(
        allow_blank=True, help_text=_("How both parties consented to the extension.")
    )


class ReferralCloseSerializer(VersionSerializer):
    outcome = PlainChoiceField(choices=CourtReferral.Outcome.choices)
    result = serializers.CharField(required=False, allow_blank=True, default="")
    result_on = serializers.DateField(required=False, help_text=_("Default: today."))


class ReferralLitigationSerializer(serializers.Serializer):
    case = serializers.PrimaryKeyRelatedField(
        queryset=MediationCase.objects.none(), help_text=_("A failed case you may see.")
    )
    court = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none())
    referred_on = serializers.DateField(required=False, help_text=_("Default: today."))
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = _visible_cases(self)
        self.fields["court"].queryset = _courts()


@extend_schema_view(
    list=extend_schema(summary="List the court referrals you may see"),
    retrieve=extend_schema(
        summary="Retrieve a court referral", responses=_responses(CourtReferralSerializer, 404)
    ),
    create=extend_schema(
        summary="Receive a court's delegation (委派) or entrustment (委托)",
        description="Opens a draft case (its id is in `case`) with a 30-day mediation term.",
        request=CourtReferralReceiveSerializer,
        responses=_responses(CourtReferralSerializer, 400, 403, ok_status=201),
    ),
)
class CourtReferralViewSet(
    _ServiceChecksPermissions,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """诉调对接 both ways: courts' referrals to mediation and failed mediations referred to
    litigation."""

    queryset = CourtReferral.objects.none()
    serializer_class = CourtReferralSerializer
    filterset_class = CourtReferralFilterSet
    ordering_fields = ["referred_on", "term_ends_on", "result_on", "created_at"]
    ordering = ["-referred_on", "-pk"]
    service_checked_actions = ("extend", "close")

    def get_queryset(self) -> QuerySet[CourtReferral]:
        return selectors.referral_visible_to(self.request.user)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def _respond(self, referral: CourtReferral, status_code: int = 200) -> Response:
        try:
            referral = self.get_queryset().get(pk=referral.pk)
        except CourtReferral.DoesNotExist:
            raise Http404 from None
        data = CourtReferralSerializer(referral, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def _body(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._body(CourtReferralReceiveSerializer)
        case_fields = {
            name: data.pop(name) for name in ("facts", "claim_amount", "is_online") if name in data
        }
        referral = services.referral_receive(actor=request.user, **data, **case_fields)
        return self._respond(referral, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Extend the mediation term once (≤ 30 days, with the parties' consent)",
        request=ReferralExtendSerializer,
        responses=_responses(CourtReferralSerializer, *WRITE_ERRORS),
    )
    @action(detail=True, methods=["post"])
    def extend(self, request: Request, pk: str | None = None) -> Response:
        referral = self.get_object()
        data = self._body(ReferralExtendSerializer)
        referral = services.referral_extend(
            actor=request.user,
            referral=referral,
            days=data["days"],
            consent=data["consent"],
            expected_version=_version(data),
        )
        return self._respond(referral)

    @extend_schema(
        summary="Record how the referral ended",
        request=ReferralCloseSerializer,
        responses=_responses(CourtReferralSerializer, *WRITE_ERRORS),
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        referral = self.get_object()
        data = self._body(ReferralCloseSerializer)
        referral = services.referral_close(
            actor=request.user,
            referral=referral,
            outcome=data["outcome"],
            result=data["result"],
            result_on=data.get("result_on"),
            expected_version=_version(data),
        )
        return self._respond(referral)

    @extend_schema(
        summary="Refer a failed case to litigation",
        request=ReferralLitigationSerializer,
        responses=_responses(CourtReferralSerializer, 400, 403, 409, ok_status=201),
    )
    @action(detail=False, methods=["post"], url_path="litigation", url_name="litigation")
    def litigation(self, request: Request) -> Response:
        data = self._body(ReferralLitigationSerializer)
        referral = services.referral_to_litigation(actor=request.user, **data)
        return self._respond(referral, status.HTTP_201_CREATED)
