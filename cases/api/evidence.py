"""The evidence a case cites, as actions of the case viewset (issue 6, part 8)."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cases import services
from cases.api import serializers as s
from cases.evidence import cited_records
from evidence.selectors import evidence_visible_to
from zhangzhou_ip.core.api import ERRORS
from zhangzhou_ip.core.api import responses as _responses
from zhangzhou_ip.core.errors import PermissionDenied as DomainPermissionDenied


class CaseEvidenceActions:
    """``/mediation-cases/<pk>/evidence/`` (list, cite) and ``…/evidence/<record>/`` (stop
    citing). Mixed into ``MediationCaseViewSet``."""

    @extend_schema(
        methods=["get"],
        summary="Evidence records cited in the case (those you may see)",
        responses=_responses(s.CitedEvidenceSerializer(many=True), 404),
    )
    @extend_schema(
        methods=["post"],
        summary="Cite an evidence record",
        request=s.CiteEvidenceSerializer,
        responses=_responses(s.CitedEvidenceSerializer(many=True), 400, 403, 404, ok_status=201),
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def evidence(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        if request.method == "POST":
            if not request.user.has_perm("cases.change_mediationcase", case):
                raise DomainPermissionDenied(
                    _("You are not allowed to do this on this case."), code="forbidden"
                )
            body = s.CiteEvidenceSerializer(
                data=request.data, records=evidence_visible_to(request.user)
            )
            body.is_valid(raise_exception=True)
            services.evidence_link(
                actor=request.user, case=case, record=body.validated_data["record"]
            )
        records = cited_records(request.user, case)
        return Response(
            s.CitedEvidenceSerializer(records, many=True).data,
            status=status.HTTP_201_CREATED if request.method == "POST" else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Stop citing an evidence record",
        request=None,
        responses={204: None, **{code: ERRORS[code] for code in (400, 403, 404)}},
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"evidence/(?P<record_pk>[0-9]+)",
        filter_backends=[],
        pagination_class=None,
    )
    def uncite_evidence(
        self, request: Request, pk: str | None = None, record_pk: str | None = None
    ) -> Response:
        case = self.get_object()
        record = cited_records(request.user, case).filter(pk=record_pk).first()
        if record is None:
            raise Http404
        services.evidence_unlink(actor=request.user, case=case, record=record)
        return Response(status=status.HTTP_204_NO_CONTENT)
