"""Protection actions API (issue 7 part 1): ``/api/v1/protection-actions/``.

Built like the case API: the queryset from ``cases.protection.protection_action_visible_to``
(out of scope is a 404), the list page's ``ProtectionActionFilterSet``, writes through
``services.action_record`` / ``action_update`` (which check ``cases.protection``'s rules and
the fields), refusals as JSON naming the field. No delete: an action is corrected, never
erased.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.models import Organization
from cases import protection as policy
from cases import services
from cases.api.court.common import CaseRefSerializer, PlainChoiceField, _plain, _visible_cases
from cases.api.serializers import OrganizationRefSerializer, UserRefSerializer, _request_user
from cases.api.sharing import _Reader
from cases.api.views import _ServiceChecksPermissions
from cases.filters_protection import ProtectionActionFilterSet
from cases.models import MediationCase, ProtectionAction
from evidence.models import EvidenceRecord
from zhangzhou_ip.core.api import DisplayField
from zhangzhou_ip.core.api import responses as _responses

Kind, Outcome = ProtectionAction.Kind, ProtectionAction.Outcome
MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0}


class EvidenceRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvidenceRecord
        fields = ["id", "number", "title"]
        read_only_fields = fields


class ProtectionActionSerializer(serializers.ModelSerializer):
    enterprise = OrganizationRefSerializer(read_only=True)
    kind = _plain(Kind.choices)
    kind_display = DisplayField(source="get_kind_display")
    outcome = _plain(Outcome.choices)
    outcome_display = DisplayField(source="get_outcome_display")
    handled_by = OrganizationRefSerializer(read_only=True, allow_null=True)
    case = serializers.SerializerMethodField(
        help_text=_("The linked mediation case, if you may see it.")
    )
    evidence = EvidenceRefSerializer(
        source="visible_records",
        many=True,
        read_only=True,
        help_text=_("Cited 益企证 records that you may see."),
    )
    recorded_by = UserRefSerializer(read_only=True)

    class Meta:
        model = ProtectionAction
        fields = [
            "id", "enterprise", "kind", "kind_display", "title", "description", "counterparty",
            "started_on", "concluded_on", "outcome", "outcome_display", "amount_recovered",
            "evidence_cost_saved", "alliance_cost_saved", "cost_saved_basis", "handled_by",
            "case", "evidence", "recorded_by", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(CaseRefSerializer(allow_null=True))
    def get_case(self, obj: ProtectionAction) -> dict[str, Any] | None:
        if obj.case_id is None or not getattr(obj, "case_visible", False):
            return None
        return CaseRefSerializer(obj.case).data


def _helpers(serializer: serializers.Serializer) -> QuerySet[Organization]:
    user = _request_user(serializer)
    if user is None:
        return Organization.objects.none()
    # Any helper is accepted here; the service says why one is refused (not your own).
    return Organization.objects.filter(kind__in=policy.HELPER_KINDS, is_active=True)


def _records(serializer: serializers.Serializer) -> QuerySet[EvidenceRecord]:
    from evidence.selectors import evidence_visible_to

    user = _request_user(serializer)
    return evidence_visible_to(user) if user is not None else EvidenceRecord.objects.none()


class ProtectionActionWriteSerializer(serializers.Serializer):
    """The fields a caller sets; the service checks the rules (an enterprise you may not
    record for, another enterprise's records, a case where it is not a party …)."""

    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(), help_text=_("An enterprise you may record for.")
    )
    kind = PlainChoiceField(choices=Kind.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    counterparty = serializers.CharField(max_length=200, required=False, allow_blank=True)
    started_on = serializers.DateField()
    concluded_on = serializers.DateField(required=False, allow_null=True)
    outcome = PlainChoiceField(choices=Outcome.choices, required=False)
    amount_recovered = serializers.DecimalField(required=False, **MONEY)
    evidence_cost_saved = serializers.DecimalField(required=False, **MONEY)
    alliance_cost_saved = serializers.DecimalField(required=False, **MONEY)
    cost_saved_basis = serializers.CharField(required=False, allow_blank=True)
    handled_by = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("The bureau, committee, protection centre or service point that helped."),
    )
    case = serializers.PrimaryKeyRelatedField(
        queryset=MediationCase.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("A case you may see in which the enterprise is a party."),
    )
    evidence = serializers.PrimaryKeyRelatedField(
        queryset=EvidenceRecord.objects.none(),
        many=True,
        required=False,
        help_text=_("Ids of the enterprise's 益企证 records that you may see."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = _request_user(self)
        self.fields["enterprise"].queryset = (
            policy.enterprises_for_recording(user)
            if user is not None
            else Organization.objects.none()
        )
        self.fields["handled_by"].queryset = _helpers(self)
        self.fields["case"].queryset = _visible_cases(self)
        self.fields["evidence"].child_relation.queryset = _records(self)


class ProtectionActionUpdateSerializer(ProtectionActionWriteSerializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("The version you read; a stale version is refused with 409."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["enterprise"]  # fixed once recorded


class ProtectionActionViewSet(
    _Reader,
    _ServiceChecksPermissions,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Enterprises' rights-protection actions: outcome, amount recovered, cost saved and the
    益企证 records used. Visible to the enterprise, the organisation that helped and those
    who see the linked case in full."""

    queryset = ProtectionAction.objects.none()
    serializer_class = ProtectionActionSerializer
    response_serializer_class = ProtectionActionSerializer
    filterset_class = ProtectionActionFilterSet
    ordering_fields = ["started_on", "concluded_on", "amount_recovered", "title"]
    ordering = ["-started_on", "-pk"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    service_checked_actions = ("partial_update",)

    def get_queryset(self) -> QuerySet[ProtectionAction]:
        from cases.selectors import case_visible_to
        from evidence.selectors import evidence_visible_to

        user = self.request.user
        records = evidence_visible_to(user).order_by("deposited_at", "pk")
        return (
            policy.protection_action_visible_to(user)
            .select_related("recorded_by")
            .annotate(
                case_visible=Exists(case_visible_to(user, few=True).filter(pk=OuterRef("case")))
            )
            .prefetch_related(Prefetch("evidence", queryset=records, to_attr="visible_records"))
        )

    @extend_schema(summary="List the protection actions you may see")
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Retrieve a protection action",
        responses=_responses(ProtectionActionSerializer, 404),
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Record a protection action",
        description="The enterprise's people record for their enterprise; staff of a bureau, "
        "committee, protection centre or service point for any enterprise, naming their "
        "organisation as `handled_by`. Refusals name the field.",
        request=ProtectionActionWriteSerializer,
        responses=_responses(ProtectionActionSerializer, 400, 403, ok_status=201),
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._body(ProtectionActionWriteSerializer)
        action = services.action_record(actor=request.user, **data)
        return self._respond(action, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change some fields of a protection action",
        description="Pass the `version` you read to be refused (409) if someone changed it "
        "since. `evidence` replaces the records you may see; others stay cited.",
        request=ProtectionActionUpdateSerializer,
        responses=_responses(ProtectionActionSerializer, 400, 403, 404, 409),
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        action = self.get_object()
        serializer = ProtectionActionUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        action = services.action_update(
            actor=request.user, action=action, expected_version=version, **data
        )
        return self._respond(action)
