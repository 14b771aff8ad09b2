"""Evidence API: the same selectors, FilterSet, rules and services as the evidence pages.

Records are listed and looked up through ``evidence_visible_to`` (an id out of scope is a
404); a deposit or withdrawal calls ``evidence.services``, whose refusals come back as JSON
naming the field (``{"file": ["…"], "code": "…"}``) or, when the user may not act, as
``{"detail": "…", "code": "…"}`` with 403. Records are immutable: there is no PUT, PATCH or
DELETE (405). Every read of a record's content or proof writes an ``AccessEvent``.

The checkpoint, the public key and ``verify/`` are public: they reveal only the tree size,
root and what a content hash's owner may learn (never who deposited it).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from evidence import ledger, receipts, selectors, services
from evidence.api import serializers as s
from evidence.filters import EvidenceRecordFilterSet
from evidence.keys import public_key
from evidence.models import AccessEvent, EvidenceBlob, EvidenceRecord
from evidence.throttles import VerifyRateThrottle
from zhangzhou_ip.core.api import ERRORS, model_perm
from zhangzhou_ip.core.api import responses as _responses
from zhangzhou_ip.core.errors import DomainError
from zhangzhou_ip.core.errors import PermissionDenied as DomainPermissionDenied
from zhangzhou_ip.core.uploads import refused_upload_response

Action = AccessEvent.Action

# Which request field a service refusal is about, by its code (see evidence/services.py and
# zhangzhou_ip/core/uploads.py), so the client can show the message next to that field.
FIELD_OF_CODE = {
    "empty_file": "file",
    "file_required": "file",
    "file_name": "file",
    "capture_type": "file",
    "content_mismatch": "file",
    "empty_text": "text",
    "text_too_long": "text",
    "not_enterprise": "depositor",
    "kind": "kind",
    "category": "category",
    "title": "title",
    "source_url": "source_url",
    "captured_at": "captured_at",
    "not_service_point": "service_point",
    "forbidden_point": "service_point",
    "corrects_depositor": "corrects",
    "reason": "reason",
}


REASON_PARAMETER = OpenApiParameter(
    "reason",
    OpenApiTypes.STR,
    description="Why you access the record (kept in its chain of custody, at most 200 characters).",
    required=False,
)


def _field_error(exc: DjangoValidationError) -> DjangoValidationError:
    """A service refusal about one field, re-raised as ``{field: [message]}`` (400) so the
    exception handler names the field; other refusals (403, or no field) pass unchanged."""
    code = getattr(exc, "code", None)
    field = FIELD_OF_CODE.get(code or "")
    if field is None or getattr(exc, "http_status", 400) != 400 or hasattr(exc, "error_dict"):
        return exc
    error = DomainError({field: exc.messages})
    error.code = code
    return error


# --- renderers --------------------------------------------------------------------------------


class _PassThroughRenderer(BaseRenderer):
    """Renders a string or bytes as is; an error (a dict from the exception handler) is
    rendered as JSON with a JSON content type, so clients can read refusals the usual way."""

    charset: str | None = "utf-8"

    def render(self, data: Any, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        if isinstance(data, bytes):
            return data
        if isinstance(data, str):
            return data.encode("utf-8")
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")


class PlainTextRenderer(_PassThroughRenderer):
    """Receipts, checkpoints and keys are text formats (C2SP), served as ``text/plain``."""

    media_type = "text/plain"
    format = "txt"


class BlobRenderer(_PassThroughRenderer):
    """Lets a client that asks for any type (or for octet-stream) download content."""

    media_type = "application/octet-stream"
    format = "bin"
    charset = None


# --- records ----------------------------------------------------------------------------------


def with_related_values(records: QuerySet[EvidenceRecord]) -> QuerySet[EvidenceRecord]:
    """The blob's SM3 and the corrected record's number, as a subquery per row returned
    instead of two more joins: with the blob and the records table joined a second time,
    PostgreSQL spent longer planning a page than running it (a large bureau's mediator,
    1M records: 19 → 12 ms a page). ``EvidenceRecordSerializer`` reads them."""
    return records.annotate(
        sm3=Subquery(EvidenceBlob.objects.filter(pk=OuterRef("blob_id")).values("sm3")),
        corrects_number=Subquery(
            EvidenceRecord.objects.filter(pk=OuterRef("corrects_id")).values("number")
        ),
    )


@extend_schema_view(
    list=extend_schema(summary="List the evidence records you may see"),
    retrieve=extend_schema(
        summary="Retrieve a record (logged in its chain of custody)",
        parameters=[REASON_PARAMETER],
        responses=_responses(s.EvidenceRecordSerializer, 404),
    ),
    create=extend_schema(
        summary="Deposit evidence",
        description="Send `multipart/form-data`: a `file` for kinds `file` and `web_capture` "
        "(with `source_url`), or a `text` for kind `text`. The file is hashed while it "
        "streams in; over the size limit the upload stops and nothing is stored (413).",
        request={"multipart/form-data": s.EvidenceDepositSerializer},
        responses=_responses(s.EvidenceRecordSerializer, 400, 403, 413, ok_status=201),
    ),
)
class EvidenceRecordViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Evidence records (益企证). Append-only: deposit, withdraw, never change or delete."""

    queryset = EvidenceRecord.objects.none()
    serializer_class = s.EvidenceRecordSerializer
    filterset_class = EvidenceRecordFilterSet
    ordering_fields = ["number", "deposited_at", "size", "title", "ledger_index"]
    ordering = ["-deposited_at", "-ledger_index"]
    # Over this many bytes an upload is stopped while it streams (zhangzhou_ip.core.uploads).
    upload_limit_setting = "EVIDENCE_MAX_UPLOAD_BYTES"

    @property
    def action_permissions(self) -> dict[str, str]:
        # ``withdraw`` is checked by the service (403 with a code); reading the custody log
        # needs its own permission on the record.
        view = model_perm(EvidenceRecord, "view")
        return {
            "receipt": view,
            "content": view,
            "withdraw": view,
            "access_events": "evidence.view_accessevent",
        }

    def get_queryset(self) -> QuerySet[EvidenceRecord]:
        few = self.action not in ("list", "create")  # one record: test it, don't list all ids
        records = selectors.evidence_visible_to(self.request.user, few=few)
        return with_related_values(
            records.select_related("depositor", "service_point", "withdrawal")
        )

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Filters and ordering belong to the list; a detail lookup is by id only.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def get_serializer_class(self):
        if self.action == "create":
            return s.EvidenceDepositSerializer
        return s.EvidenceRecordSerializer

    def _log(self, record: EvidenceRecord, action: str) -> None:
        services.log_access(
            record,
            action=action,
            user=self.request.user,
            request=self.request,
            reason=self.request.query_params.get("reason", ""),
        )

    def _respond(self, record: EvidenceRecord, status_code: int = 200) -> Response:
        """Read the record back through the selector: it must be visible to the user."""
        try:
            record = self.get_queryset().get(pk=record.pk)
        except EvidenceRecord.DoesNotExist:
            raise Http404 from None
        data = s.EvidenceRecordSerializer(record, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self.get_object()
        self._log(record, Action.VIEW)
        return Response(self.get_serializer(record).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = request.data  # parses the upload (hashed and size-checked as it streams)
        refused = refused_upload_response(request._request)
        if refused is not None:  # refuse before any field is looked at, so nothing is kept
            return refused
        serializer = self.get_serializer(data=data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        try:
            record = services.deposit(
                actor=request.user,
                depositor=values["depositor"],
                kind=values["kind"],
                title=values["title"],
                category=values["category"],
                description=values["description"],
                upload=values.get("file"),
                text=values["text"],
                source_url=values["source_url"],
                captured_at=values["captured_at"],
                service_point=values["service_point"],
                corrects=values["corrects"],
            )
        except DjangoValidationError as exc:
            raise _field_error(exc) from exc
        return self._respond(record, status.HTTP_201_CREATED)

    @extend_schema(
        summary="The record's receipt (C2SP tlog-proof, verifiable offline)",
        description="Verify it with `python -m evidence.verify RECEIPT [FILE] --key KEY`, "
        "KEY being `/api/v1/evidence/public-key/`. Logged in the chain of custody.",
        parameters=[REASON_PARAMETER],
        responses={(200, "text/plain"): OpenApiTypes.STR, 404: ERRORS[404]},
    )
    @action(detail=True, methods=["get"], renderer_classes=[PlainTextRenderer])
    def receipt(self, request: Request, pk: str | None = None) -> Response:
        record = self.get_object()
        text = receipts.receipt_text(record)
        self._log(record, Action.RECEIPT)
        response = Response(text, content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{receipts.receipt_filename(record)}"'
        )
        return response

    @extend_schema(
        summary="Download the record's content (logged in its chain of custody)",
        parameters=[REASON_PARAMETER],
        responses={(200, "*/*"): OpenApiTypes.BINARY, 404: ERRORS[404]},  # its own type
    )
    @action(detail=True, methods=["get"], renderer_classes=[BlobRenderer])
    def content(self, request: Request, pk: str | None = None) -> FileResponse:
        record = self.get_object()
        storage = services.evidence_storage()
        try:
            handle = storage.open(record.blob.storage_name, "rb")
        except FileNotFoundError:
            raise Http404(_("The content of this record is missing from the store.")) from None
        self._log(record, Action.DOWNLOAD)
        return FileResponse(
            handle,
            as_attachment=True,
            filename=_download_name(record),
            content_type=record.media_type,
        )

    @extend_schema(
        summary="Withdraw a record",
        description="A new ledger entry that refers to the record; the record stays.",
        request=s.WithdrawSerializer,
        responses=_responses(s.EvidenceWithdrawalSerializer, 400, 403, 404, ok_status=201),
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        record = self.get_object()
        if not request.user.has_perm("evidence.withdraw_evidencerecord", record):
            raise DomainPermissionDenied(_("You may not withdraw this record."), code="forbidden")
        body = s.WithdrawSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            withdrawal = services.withdraw(
                actor=request.user, record=record, reason=body.validated_data["reason"]
            )
        except DjangoValidationError as exc:
            raise _field_error(exc) from exc
        return Response(
            s.EvidenceWithdrawalSerializer(withdrawal).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="The record's chain of custody, newest first",
        description="For the depositor's people, the service point's staff and platform "
        "administrators.",
        responses=_responses(s.AccessEventSerializer(many=True), 404),
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="access-events",
        url_name="access-events",
        filter_backends=[],
    )
    def access_events(self, request: Request, pk: str | None = None) -> Response:
        record = self.get_object()
        events = (
            selectors.access_events_visible_to(request.user)
            .filter(record=record)
            .select_related("user")
            .order_by("-at", "-pk")
        )
        page = self.paginate_queryset(events)
        serializer = s.AccessEventSerializer(page, many=True)
        return self.get_paginated_response(serializer.data)


def _download_name(record: EvidenceRecord) -> str:
    if record.original_name:
        return record.original_name
    extension = ".txt" if record.kind == EvidenceRecord.Kind.TEXT else ""
    return f"evidence-{record.ledger_index}{extension}"


# --- public ledger endpoints ------------------------------------------------------------------


class CheckpointView(APIView):
    """The latest signed checkpoint (C2SP tlog-checkpoint signed note). Public: it reveals
    only the tree size and root, and every verifier needs it."""

    permission_classes = [AllowAny]
    renderer_classes = [PlainTextRenderer]

    @extend_schema(
        summary="The latest signed checkpoint",
        responses={(200, "text/plain"): OpenApiTypes.STR},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        checkpoint = ledger.latest_checkpoint() or ledger.sign_checkpoint()
        return Response(checkpoint.note, content_type="text/plain; charset=utf-8")


class PublicKeyView(APIView):
    """The log's verifier key (``<origin>+<key id>+<base64>``) that checkpoints and receipts
    verify against."""

    permission_classes = [AllowAny]
    renderer_classes = [PlainTextRenderer]

    @extend_schema(
        summary="The ledger's public verifier key",
        responses={(200, "text/plain"): OpenApiTypes.STR},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        return Response(public_key() + "\n", content_type="text/plain; charset=utf-8")


class VerifyView(APIView):
    """Public verification of a content hash (no login, rate-limited per client address).
    Only the hash is sent; the answer says whether and when it was deposited, under which
    number, with an inclusion proof against the latest signed checkpoint."""

    permission_classes = [AllowAny]
    throttle_classes = [VerifyRateThrottle]

    @extend_schema(
        summary="Verify a file's SHA-256 against the ledger",
        parameters=[s.VerifyQuerySerializer],
        responses={
            200: s.VerificationSerializer,
            400: OpenApiResponse(description='`{"sha256": ["message"]}`: missing or malformed.'),
            429: ERRORS[429],
        },
        auth=[],
    )
    def get(self, request: Request) -> Response:
        query = s.VerifyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        sha256 = query.validated_data["sha256"]
        answer = receipts.public_verification(sha256)
        matches = list(receipts.public_matches(sha256))
        if matches:
            services.log_access(matches, action=Action.VERIFY, user=request.user, request=request)
        return Response(s.VerificationSerializer(answer).data)
