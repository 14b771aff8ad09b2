"""/api/v1/judicial-confirmations/ (DOMAIN §1)."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from alliance.models import Organization
from cases import routing, selectors, services
from cases.api.court.common import (
    BINARY,
    WRITE_ERRORS,
    CaseRefSerializer,
    CourtRefSerializer,
    CStatus,
    PlainChoiceField,
    VersionSerializer,
    _check_upload,
    _courts,
    _plain,
    _values,
    _version,
    _visible_cases,
)
from cases.api.serializers import UserRefSerializer
from cases.api.views import ERRORS, _responses, _ServiceChecksPermissions
from cases.choices import Status
from cases.filters_court import JudicialConfirmationFilterSet
from cases.models import (
    ConfirmationMaterial,
    JudicialConfirmation,
    MediationCase,
)
from zhangzhou_ip.core.api import DisplayField

# --- judicial confirmations ---------------------------------------------------------------------


class JudicialConfirmationSerializer(serializers.ModelSerializer):
    case = CaseRefSerializer(read_only=True)
    court = CourtRefSerializer(read_only=True)
    status = _plain(CStatus.choices)
    status_display = DisplayField(source="get_status_display")
    basis_display = DisplayField(source="get_basis_display")
    has_ruling_document = serializers.SerializerMethodField()
    missing_materials = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = JudicialConfirmation
        fields = [
            "id",
            "case",
            "court",
            "status",
            "status_display",
            "basis",
            "basis_display",
            "is_remote",
            "court_reason",
            "joint_application",
            "joint_application_note",
            "window_closes_on",
            "filed_on",
            "acceptance_due",
            "court_case_number",
            "accepted_on",
            "decision_due",
            "is_extended",
            "is_overdue",
            "ruling_on",
            "has_ruling_document",
            "outcome_reason",
            "missing_materials",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_has_ruling_document(self, obj: JudicialConfirmation) -> bool:
        return bool(obj.ruling_document)

    @extend_schema_field(
        serializers.ListField(
            child=serializers.CharField(help_text=_values(ConfirmationMaterial.Kind.choices))
        )
    )
    def get_missing_materials(self, obj: JudicialConfirmation) -> list[str]:
        # From the prefetched materials (one query per page, not per row); the same rule as
        # services.missing_materials.
        present = {material.kind for material in obj.materials.all()}
        return [str(kind) for kind in ConfirmationMaterial.REQUIRED if kind not in present]

    def get_is_overdue(self, obj: JudicialConfirmation) -> bool:
        today = timezone.localdate()
        if obj.status == CStatus.FILED and obj.acceptance_due:
            return obj.acceptance_due < today
        if obj.status == CStatus.ACCEPTED and obj.decision_due:
            return obj.decision_due < today
        return False


class ConfirmationPrepareSerializer(serializers.Serializer):
    case = serializers.PrimaryKeyRelatedField(
        queryset=MediationCase.objects.none(), help_text=_("A settled case you may see.")
    )
    court = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(),
        help_text=_("A competent court (see proposed-courts)."),
    )
    joint_application = serializers.BooleanField(required=False, default=False)
    joint_application_note = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )
    basis = serializers.ChoiceField(
        choices=JudicialConfirmation.Basis.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Default: from the case's mediation kind."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = _visible_cases(self)
        self.fields["court"].queryset = _courts()


class ConfirmationUpdateSerializer(VersionSerializer):
    """Only the joint application is edited; the rest changes through the actions."""

    EDITABLE = ("joint_application", "joint_application_note", "version")

    joint_application = serializers.BooleanField(required=False)
    joint_application_note = serializers.CharField(max_length=300, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        other = sorted(set(self.initial_data) - set(self.EDITABLE))
        if other:
            raise serializers.ValidationError(
                {name: [_("This field is changed by the actions only.")] for name in other}
            )
        return attrs


class ConfirmationFileSerializer(VersionSerializer):
    filed_on = serializers.DateField(required=False, help_text=_("Default: today."))


class ConfirmationAcceptSerializer(VersionSerializer):
    court_case_number = serializers.CharField(
        max_length=64, help_text=_("The court's 民特 number, e.g. （2026）闽0602民特123号.")
    )
    accepted_on = serializers.DateField(required=False, help_text=_("Default: today."))


class ConfirmationDecideSerializer(VersionSerializer):
    confirmed = serializers.BooleanField(
        help_text=_("true: agreement confirmed valid; false: application rejected.")
    )
    ruling_on = serializers.DateField()
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Required for a rejection.")
    )
    document = serializers.FileField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The ruling (民事裁定书): PDF, JPEG or PNG."),
    )

    def validate_document(self, upload: Any) -> Any:
        return _check_upload(upload) if upload is not None else None


class ReasonSerializer(VersionSerializer):
    reason = serializers.CharField()


class ConfirmationMaterialSerializer(serializers.ModelSerializer):
    kind = _plain(ConfirmationMaterial.Kind.choices)
    kind_display = DisplayField(source="get_kind_display")
    file_name = serializers.SerializerMethodField()
    uploaded_by = UserRefSerializer(read_only=True, allow_null=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ConfirmationMaterial
        fields = [
            "id",
            "kind",
            "kind_display",
            "note",
            "file_name",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_file_name(self, obj: ConfirmationMaterial) -> str:
        return PurePath(obj.file.name).name

    def get_download_url(self, obj: ConfirmationMaterial) -> str:
        return material_download_url(obj)


def material_download_url(material: ConfirmationMaterial) -> str:
    """Where a material is served under its confirmation's access rules (no bare media URL)."""
    return reverse(
        "api:judicial-confirmation-material-download",
        kwargs={"pk": material.confirmation_id, "material_pk": material.pk},
    )


class ConfirmationMaterialUploadSerializer(serializers.Serializer):
    kind = PlainChoiceField(choices=ConfirmationMaterial.Kind.choices)
    file = serializers.FileField(help_text=_("PDF, JPEG or PNG."))
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate_file(self, upload: Any) -> Any:
        return _check_upload(upload)


class ProposedCourtsQuerySerializer(serializers.Serializer):
    case = serializers.PrimaryKeyRelatedField(
        queryset=MediationCase.objects.none(), help_text=_("A settled case you may see.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = _visible_cases(self)

    def validate_case(self, case: MediationCase) -> MediationCase:
        if case.status != Status.SETTLED:
            raise serializers.ValidationError(
                _("Only the agreement of a settled case can be judicially confirmed.")
            )
        return case


class ProposedCourtSerializer(serializers.Serializer):
    court = CourtRefSerializer(read_only=True)
    reason = serializers.CharField(
        read_only=True, help_text=_("The competence rule (CPL art. 205).")
    )
    is_remote = serializers.BooleanField(read_only=True)


@extend_schema_view(
    list=extend_schema(summary="List the judicial confirmations you may see"),
    retrieve=extend_schema(
        summary="Retrieve a judicial confirmation",
        responses=_responses(JudicialConfirmationSerializer, 404),
    ),
    create=extend_schema(
        summary="Prepare an application for a settled case's agreement",
        description="The court must be competent (CPL art. 205); an agreement determining "
        "the ownership of a right is refused (code `ownership_determination`); after the "
        "30-day window the code is `window_closed`.",
        request=ConfirmationPrepareSerializer,
        responses=_responses(JudicialConfirmationSerializer, 400, 403, 409, ok_status=201),
    ),
    partial_update=extend_schema(
        summary="Record the joint application (before filing)",
        request=ConfirmationUpdateSerializer,
        responses=_responses(JudicialConfirmationSerializer, *WRITE_ERRORS),
    ),
)
class JudicialConfirmationViewSet(
    _ServiceChecksPermissions,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Applications for judicial confirmation (司法确认). The state changes only through the
    actions: file, accept, extend, decide, not-accept, withdraw."""

    queryset = JudicialConfirmation.objects.none()
    # Documents (PDF/JPEG/PNG scans) stop streaming at their own limit (core/uploads.py).
    upload_limit_setting = "AGREEMENT_DOCUMENT_MAX_BYTES"
    serializer_class = JudicialConfirmationSerializer
    filterset_class = JudicialConfirmationFilterSet
    ordering_fields = [
        "created_at",
        "status",
        "window_closes_on",
        "filed_on",
        "acceptance_due",
        "accepted_on",
        "decision_due",
        "ruling_on",
    ]
    ordering = ["-created_at"]
    service_checked_actions = (
        "partial_update",
        "file",
        "accept",
        "extend",
        "decide",
        "not_accept",
        "withdraw",
        "materials",
        "material_download",
        "ruling_document",
    )

    def get_queryset(self) -> QuerySet[JudicialConfirmation]:
        return selectors.confirmation_visible_to(self.request.user).prefetch_related(
            Prefetch("materials", queryset=ConfirmationMaterial.objects.order_by("kind", "pk"))
        )

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Filters and ordering belong to the list; a detail lookup is by id only.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def _respond(self, confirmation: JudicialConfirmation, status_code: int = 200) -> Response:
        """Read back through the selector: it must still be visible (STYLE rule 8)."""
        try:
            confirmation = self.get_queryset().get(pk=confirmation.pk)
        except JudicialConfirmation.DoesNotExist:
            raise Http404 from None
        data = JudicialConfirmationSerializer(
            confirmation, context=self.get_serializer_context()
        ).data
        return Response(data, status=status_code)

    def _body(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._body(ConfirmationPrepareSerializer)
        confirmation = services.confirmation_prepare(actor=request.user, **data)
        return self._respond(confirmation, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        confirmation = self.get_object()
        data = self._body(ConfirmationUpdateSerializer)
        confirmation = services.confirmation_update(
            actor=request.user,
            confirmation=confirmation,
            joint_application=data.get("joint_application", confirmation.joint_application),
            joint_application_note=data.get(
                "joint_application_note", confirmation.joint_application_note
            ),
            expected_version=_version(data),
        )
        return self._respond(confirmation)

    @extend_schema(
        summary="File the application with the court (prepared → filed)",
        description="Needs the joint application (`joint_application_missing`), the required "
        "materials (`materials_missing`) and the 30-day window (`window_closed`).",
        request=ConfirmationFileSerializer,
        responses=_responses(JudicialConfirmationSerializer, *WRITE_ERRORS),
    )
    @action(detail=True, methods=["post"])
    def file(self, request: Request, pk: str | None = None) -> Response:
        confirmation = self.get_object()
        data = self._body(ConfirmationFileSerializer)
        confirmation = services.confirmation_file(
            actor=request.user,
            confirmation=confirmation,
            filed_on=data.get("filed_on"),
            expected_version=_version(data),
        )
        return self._respond(confirmation)

    @extend_schema(
        summary="Record the court's acceptance (filed → accepted)",
        description="The 民特 number must be of this court (DOMAIN §1.9); starts the 15-day "
        "decision clock.",
        request=ConfirmationAcceptSerializer,
        responses=_responses(JudicialConfirmationSerializer, *WRITE_ERRORS),
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        confirmation = self.get_object()
        data = self._body(ConfirmationAcceptSerializer)
        confirmation = services.confirmation_accept(
            actor=request.user,
            confirmation=confirmation,
            court_case_number=data["court_case_number"],
            accepted_on=data.get("accepted_on"),
            expected_version=_version(data),
        )
        return self._respond(confirmation)

    @extend_schema(
        summary="Extend the decision term once by 10 days",
        request=VersionSerializer,
        responses=_responses(JudicialConfirmationSerializer, *WRITE_ERRORS),
    )
    @action(detail=True, methods=["post"])
    def extend(self, request: Request, pk: str | None = None) -> Response:
        confirmation = self.get_object()
        data = self._body(VersionSerializer)
        confirmation = services.confirmation_extend(
            actor=request.user, confirmation=confirmation, expected_version=_version(data)
        )
        return self._respond(confirmation)

    @extend_schema(
        summary="Record the ruling (accepted → confirmed | rejected)",
        description="A rejection needs a reason; the ruling date cannot be before acceptance.",
        request={
            "application/json": ConfirmationDecideSerializer,
            "multipart/form-data": ConfirmationDecideSerializer,
        },
        responses=_responses(JudicialConfirmationSerializer, *WRITE_ERRORS),
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, MultiPartParser])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        confirmation = self.get_object()
        data = self._body(ConfirmationDecideSerializer)
        confirmation = services.confirmation_decide(
            actor=request.user,
            confirmation=confirmation,
            confirmed=data["confirmed"],
            ruling_on=data["ruling_on"],
            reason=data["reason"],
            document=data["document"],
            expected_version=_version(data),
        )
        return self._respond(confirmation)

    @extend_schema(
        summary="Record that the court did not accept the application (filed → not accepted)",
        request=ReasonSerializer,
        responses=_responses(JudicialConfirmationSerializer, *WRITE_ERRORS),
    )
    @action(detail=True, methods=["post"], url_path="not-accept", url_name="not-accept")
    def not_accept(self, request: Request, pk: str | None = None) -> Response:
        confirmation = self.get_object()
        data = self._body(ReasonSerializer)
        confirmation = services.confirmation_not_accept(
            actor=request.user,
            confirmation=confirmation,
            reason=data["reason"],
            expected_version=_version(data),
        )
        return self._respond(confirmation)

    @extend_schema(
        summary="Withdraw the application before the court decides",
        request=ReasonSerializer,
        responses=_responses(JudicialConfirmationSerializer, *WRITE_ERRORS),
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        confirmation = self.get_object()
        data = self._body(ReasonSerializer)
        confirmation = services.confirmation_withdraw(
            actor=request.user,
            confirmation=confirmation,
            reason=data["reason"],
            expected_version=_version(data),
        )
        return self._respond(confirmation)

    @extend_schema(
        methods=["GET"],
        summary="The application's materials",
        responses=_responses(ConfirmationMaterialSerializer(many=True), 404),
    )
    @extend_schema(
        methods=["POST"],
        summary="Upload a material of the application package (DOMAIN §1.4)",
        description="PDF, JPEG or PNG within the size limit; the content must match the "
        "extension. A refused file is not stored.",
        request={"multipart/form-data": ConfirmationMaterialUploadSerializer},
        responses=_responses(ConfirmationMaterialSerializer, *WRITE_ERRORS, ok_status=201),
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser],
        filter_backends=[],
        pagination_class=None,
    )
    def materials(self, request: Request, pk: str | None = None) -> Response:
        confirmation = self.get_object()
        if request.method == "GET":
            materials = (
                selectors.material_visible_to(request.user)
                .filter(confirmation=confirmation)
                .select_related("uploaded_by")
                .order_by("kind", "pk")
            )
            return Response(ConfirmationMaterialSerializer(materials, many=True).data)
        data = self._body(ConfirmationMaterialUploadSerializer)
        material = services.confirmation_material_add(
            actor=request.user, confirmation=confirmation, **data
        )
        return Response(
            ConfirmationMaterialSerializer(material).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Download a material",
        parameters=[OpenApiParameter("material_pk", int, OpenApiParameter.PATH)],
        responses={**BINARY, 404: ERRORS[404]},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"materials/(?P<material_pk>[0-9]+)",
        url_name="material-download",
        filter_backends=[],
        pagination_class=None,
    )
    def material_download(
        self, request: Request, pk: str | None = None, material_pk: str | None = None
    ) -> FileResponse:
        confirmation = self.get_object()
        material = confirmation.materials.filter(pk=material_pk).first()
        if material is None or not request.user.has_perm(
            "cases.view_confirmationmaterial", material
        ):
            raise Http404
        return FileResponse(
            material.file.open("rb"),
            as_attachment=True,
            filename=PurePath(material.file.name).name,
        )

    @extend_schema(
        summary="Download the ruling (民事裁定书)",
        responses={**BINARY, 404: ERRORS[404]},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="ruling-document",
        url_name="ruling-document",
        filter_backends=[],
        pagination_class=None,
    )
    def ruling_document(self, request: Request, pk: str | None = None) -> FileResponse:
        confirmation = self.get_object()
        if not confirmation.ruling_document:
            raise Http404
        document = confirmation.ruling_document
        return FileResponse(
            document.open("rb"), as_attachment=True, filename=PurePath(document.name).name
        )

    @extend_schema(
        summary="The courts competent to confirm a settled case's agreement",
        description="Each with the rule that makes it competent (DOMAIN §1.3) and whether it "
        "would be a remote (异地) confirmation.",
        parameters=[ProposedCourtsQuerySerializer],
        responses=_responses(ProposedCourtSerializer(many=True), 400),
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="proposed-courts",
        url_name="proposed-courts",
        filter_backends=[],
        pagination_class=None,
    )
    def proposed_courts(self, request: Request) -> Response:
        unknown = sorted(set(request.query_params) - {"case", "format"})
        if unknown:
            raise exceptions.ValidationError(
                {name: ["Unknown query parameter."] for name in unknown}
            )
        query = ProposedCourtsQuerySerializer(
            data=request.query_params, context=self.get_serializer_context()
        )
        query.is_valid(raise_exception=True)
        case = query.validated_data["case"]
        proposals = [
            {"court": p.court, "reason": p.reason, "is_remote": routing.is_remote(p.court, case)}
            for p in routing.competent_courts(case)
        ]
        return Response(ProposedCourtSerializer(proposals, many=True).data)
