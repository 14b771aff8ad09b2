"""Evidence pages: list and exports, deposit, detail, content, certificate, receipt,
withdrawal, custody log, and the public verification page.

Thin views: every record comes from ``evidence_visible_to(user)`` (out of scope → 404),
actions check the rules (visible but not allowed → 403), every change goes through
``evidence.services`` and every look at a record's content writes an ``AccessEvent``
(``services.log_access``) — the chain of custody that issue 6 part 6 asks for.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView

from evidence import documents, ledger, receipts, services
from evidence.filters import EvidenceRecordFilterSet
from evidence.forms import DepositForm, WithdrawForm
from evidence.keys import public_key
from evidence.models import AccessEvent, Category, EvidenceRecord, blob_storage_name
from evidence.selectors import access_events_visible_to, evidence_visible_to, visible_at_least
from evidence.throttles import allow_verification
from evidence.tlog import merkle
from evidence.tlog.leaf import LeafError, parse_leaf
from evidence.tlog.note import NoteError, Verifier, open_checkpoint
from zhangzhou_ip.core import exports
from zhangzhou_ip.core.lookups import AnyOf, IdArray
from zhangzhou_ip.core.uploads import refused_upload_response
from zhangzhou_ip.core.views import FilteredListView, is_unfiltered

Action = AccessEvent.Action

# The public verification API (issue 6, fixed names); the page's script asks it.
VERIFY_API_URL = "/api/v1/evidence/verify/"

# Public sort key → ORM fields, for the list and its exports.
SORT_FIELDS: dict[str, tuple[str, ...]] = {
    "number": ("ledger_index",),  # numbers are allocated in ledger order
    "deposited_at": ("deposited_at",),
    "size": ("size",),
    "title": ("title",),
}
DEFAULT_SORT = "-deposited_at"

EXPORT_FORMATS = ("csv", "xlsx")
NOT_FILTERS = ("page", "page_size", "format")


def _visible_record(request: HttpRequest, pk: int) -> EvidenceRecord:
    return get_object_or_404(
        evidence_visible_to(request.user, few=True).select_related(
            "depositor", "service_point", "deposited_by", "blob", "corrects", "withdrawal"
        ),
        pk=pk,
    )


def _managed_record(request: HttpRequest, pk: int, perm: str) -> EvidenceRecord:
    """A record the user may see (else 404) and act on with ``perm`` (else 403)."""
    record = _visible_record(request, pk)
    if not request.user.has_perm(perm, record):
        raise PermissionDenied
    return record


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    """Downloads only, never rendered inline (RFC 5987 names for Chinese characters)."""
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- list and exports --------------------------------------------------------------------


class RecordListView(FilteredListView):
    """The records the user may see, filtered, sorted and paginated; ``?format=csv|xlsx``
    exports exactly the filtered rows (all pages), each export logged per record."""

    template_name = "evidence/record_list.html"
    filterset_class = EvidenceRecordFilterSet
    sort_fields = SORT_FIELDS
    default_sort = DEFAULT_SORT
    related = ("depositor", "service_point", "withdrawal")

    def get_base_queryset(self) -> QuerySet[EvidenceRecord]:
        return evidence_visible_to(self.request.user).select_related(*self.related)

    def rows_by_ids(self, ids: IdArray) -> QuerySet[EvidenceRecord]:
        """A short list's page (``FilteredListView.rows_by_ids``). Not under
        ``evidence_visible_to`` again: a mediator's visible records are an id array too, and
        with two arrays on the primary key PostgreSQL reads every record. The search
        花岗岩台面 among a mediator's 5,999 cited records finds 138: its page statement took
        67 ms, walking the deposit-time index backwards; by the ids it takes 4 ms."""
        return self.sorted(
            EvidenceRecord.objects.filter(AnyOf(F("pk"), ids)).select_related(*self.related)
        )

    def get_paginator(self, queryset, per_page, *args, **kwargs):
        paginator = super().get_paginator(queryset, per_page, *args, **kwargs)
        # Unfiltered, a list that the id arrays alone already fill past the count limit says
        # "5,000+" without counting (5,001 index probes: ~9 ms for a large bureau's mediator).
        if is_unfiltered(self.filterset):
            at_least = visible_at_least(self.request.user)
            if at_least > paginator.limit:
                paginator.counted_elsewhere(at_least)
        return paginator

    def get_filterset(self):
        filterset = super().get_filterset()
        for name in ("deposited_after", "deposited_before"):
            filterset.form.fields[name].widget.input_type = "date"
        return filterset

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "format" in request.GET:
            return self.export(request.GET["format"])
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        for key in NOT_FILTERS:
            params.pop(key, None)
        context["export_queries"] = {}
        for fmt in EXPORT_FORMATS:
            params["format"] = fmt
            context["export_queries"][fmt] = "?" + params.urlencode()
        context["can_deposit"] = self.request.user.has_perm("evidence.add_evidencerecord")
        return context

    def export(self, fmt: str) -> HttpResponse:
        if fmt not in EXPORT_FORMATS:
            return HttpResponseBadRequest(
                _("Unknown export format. Use format=csv or format=xlsx."),
                content_type="text/plain; charset=utf-8",
            )
        queryset = self.get_queryset()
        if self.filterset.is_bound and not self.filterset.is_valid():
            problems = "\n".join(
                f"{name}: {' '.join(str(e) for e in errors)}"
                for name, errors in self.filterset.form.errors.items()
            )
            return HttpResponseBadRequest(
                _("The filters are not valid:") + "\n" + problems,
                content_type="text/plain; charset=utf-8",
            )
        records = list(queryset.select_related("blob", "corrects"))
        services.log_access(
            records, action=Action.EXPORT, user=self.request.user, request=self.request
        )
        export = RecordExport()
        filename = f"evidence-{timezone.localdate().isoformat()}.{fmt}"
        if fmt == "csv":
            response = HttpResponse(export.csv_text(records), content_type=exports.CSV_CONTENT_TYPE)
        else:
            response = HttpResponse(
                export.xlsx_bytes(records), content_type=exports.XLSX_CONTENT_TYPE
            )
        return _attachment(response, filename)


class RecordExport:
    """Headers and rows in the language active when it is created; times in Beijing time."""

    def __init__(self) -> None:
        self.headers = [
            _("Record number"),
            _("Title"),
            _("Kind"),
            _("Category"),
            _("Depositor"),
            _("Service point"),
            _("Deposited at"),
            _("Size (bytes)"),
            _("Media type"),
            _("File name"),
            _("Captured URL"),
            _("Captured at"),
            _("SHA-256"),
            _("SM3"),
            _("Ledger index"),
            _("Withdrawn at"),
            _("Corrects"),
        ]
        self.kinds = {value: str(label) for value, label in EvidenceRecord.Kind.choices}
        self.categories = {value: str(label) for value, label in Category.choices}

    def row(self, record: EvidenceRecord) -> list[exports.Value]:
        withdrawal = getattr(record, "withdrawal", None)
        return [
            record.number,
            record.title,
            self.kinds.get(record.kind, record.kind),
            self.categories.get(record.category, record.category),
            record.depositor.name,
            record.service_point.name if record.service_point else "",
            _local(record.deposited_at),
            record.size,
            record.media_type,
            record.original_name,
            record.source_url,
            _local(record.captured_at),
            record.blob_id,
            record.blob.sm3,
            record.ledger_index,
            _local(withdrawal.withdrawn_at) if withdrawal else None,
            record.corrects.number if record.corrects_id else "",
        ]

    def rows(self, records: Iterable[EvidenceRecord]) -> Iterable[list[exports.Value]]:
        return (self.row(record) for record in records)

    def csv_text(self, records: Iterable[EvidenceRecord]) -> str:
        return "".join(exports.csv_lines(self.headers, self.rows(records)))

    def xlsx_bytes(self, records: Iterable[EvidenceRecord]) -> bytes:
        return exports.xlsx_bytes(_("Evidence"), self.headers, self.rows(records))


def _local(value: dt.datetime | None) -> dt.datetime | None:
    """Beijing wall-clock time without a zone (spreadsheets cannot store zones)."""
    return timezone.localtime(value).replace(tzinfo=None) if value else None


# --- deposit ------------------------------------------------------------------------------


class DepositView(View):
    """The deposit form. Uploads may be as large as ``EVIDENCE_MAX_UPLOAD_BYTES``; over it
    the upload handler stops and ``UploadLimitMiddleware`` answers 413."""

    template_name = "evidence/deposit_form.html"
    upload_limit_setting = "EVIDENCE_MAX_UPLOAD_BYTES"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm("evidence.add_evidencerecord"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def render_form(
        self, form: DepositForm, corrected: EvidenceRecord | None, status: int = 200
    ) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "corrected": corrected,
                "max_upload_bytes": int(settings.EVIDENCE_MAX_UPLOAD_BYTES),
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        initial: dict[str, Any] = {}
        corrected = None
        if "corrects" in request.GET:
            try:
                pk = int(request.GET["corrects"])
            except ValueError:
                raise Http404 from None
            corrected = _managed_record(request, pk, "evidence.withdraw_evidencerecord")
            initial = {
                "corrects": corrected.pk,
                "depositor": corrected.depositor_id,
                "kind": corrected.kind,
                "category": corrected.category,
                "title": corrected.title,
                "source_url": corrected.source_url,
            }
        return self.render_form(DepositForm(initial=initial, user=request.user), corrected)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = DepositForm(request.POST, request.FILES, user=request.user)  # parses the body
        refused = refused_upload_response(request)
        if refused is not None:  # deposit nothing, not even text sent with the oversized file
            return refused
        if not form.is_valid():
            return self.render_form(form, form.cleaned_data.get("corrects"))
        try:
            record = services.deposit(actor=request.user, **form.service_arguments())
        except ValidationError as exc:
            form.add_service_error(exc)
            return self.render_form(
                form, form.cleaned_data.get("corrects"), status=getattr(exc, "http_status", 400)
            )
        messages.success(
            request,
            _("Deposited as %(number)s (ledger entry %(index)s). SHA-256: %(sha256)s")
            % {"number": record.number, "index": record.ledger_index, "sha256": record.sha256},
        )
        url = record.get_absolute_url()
        if request.headers.get("X-Requested-With") == "XMLHttpRequest":
            # The upload script follows this itself (an XHR would silently follow a redirect
            # and consume the message).
            response = HttpResponse(status=200)
            response["X-Redirect"] = url
            return response
        return redirect(url)


# --- one record ---------------------------------------------------------------------------


class RecordDetailView(DetailView):
    """Everything about a record, its ledger status and its actions; a view is logged."""

    template_name = "evidence/record_detail.html"
    context_object_name = "record"

    def get_object(self, queryset=None) -> EvidenceRecord:
        return _visible_record(self.request, self.kwargs["pk"])

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        services.log_access(self.object, action=Action.VIEW, user=request.user, request=request)
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, record = self.request.user, self.object
        checkpoint = ledger.latest_checkpoint()
        may_manage = user.has_perm("evidence.withdraw_evidencerecord", record)
        context.update(
            checkpoint=checkpoint,
            in_checkpoint=checkpoint is not None and checkpoint.tree_size > record.ledger_index,
            withdrawal=getattr(record, "withdrawal", None),
            corrections=evidence_visible_to(user, few=True)
            .filter(corrects=record)
            .order_by("ledger_index"),
            corrects_visible=(
                record.corrects_id is not None
                and evidence_visible_to(user, few=True).filter(pk=record.corrects_id).exists()
            ),
            can_withdraw=may_manage and not record.is_withdrawn,
            can_correct=may_manage,
            can_view_log=user.has_perm("evidence.view_accessevent", record),
            verify_query=urlencode({"sha256": record.sha256}),
            # Characters the certificate's font cannot print (shown as a warning).
            unprintable="".join(sorted(documents.certificate_unprintable(record))),
        )
        return context


class RecordContentView(View):
    """The deposited bytes, as a download; ``?reason=`` is recorded on the custody log."""

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        record = _visible_record(request, pk)
        handle = services.evidence_storage().open(blob_storage_name(record.sha256), "rb")
        filename = record.original_name or f"{record.number}.txt"
        response = FileResponse(
            handle, as_attachment=True, filename=filename, content_type=record.media_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        services.log_access(
            record,
            action=Action.DOWNLOAD,
            user=request.user,
            request=request,
            reason=request.GET.get("reason", ""),
        )
        return response


class RecordCertificateView(View):
    """The 存证证书 (PDF) with a QR code to the verification page for this content."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = _visible_record(request, pk)
        verify_url = request.build_absolute_uri(
            reverse("evidence:verify") + "?" + urlencode({"sha256": record.sha256})
        )
        data = documents.certificate_pdf(record, verify_url=verify_url)
        services.log_access(record, action=Action.CERTIFICATE, user=request.user, request=request)
        response = HttpResponse(data, content_type="application/pdf")
        return _attachment(response, f"evidence-{record.ledger_index}-certificate.pdf")


class RecordReceiptView(View):
    """The C2SP ``tlog-proof`` receipt that verifies offline (``python -m evidence.verify``)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = _visible_record(request, pk)
        text = receipts.receipt_text(record)
        services.log_access(record, action=Action.RECEIPT, user=request.user, request=request)
        response = HttpResponse(text, content_type="text/plain; charset=utf-8")
        return _attachment(response, receipts.receipt_filename(record))


class WithdrawView(View):
    """Withdraw a record (a new ledger entry; the record stays and stays verifiable)."""

    template_name = "evidence/withdraw_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.record = _managed_record(request, kwargs["pk"], "evidence.withdraw_evidencerecord")
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, form: WithdrawForm, status: int = 200) -> HttpResponse:
        context = {"record": self.record, "form": form}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        if self.record.is_withdrawn:
            messages.info(request, _("This record is already withdrawn."))
            return redirect(self.record.get_absolute_url())
        return self.render_form(WithdrawForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = WithdrawForm(request.POST)
        if not form.is_valid():
            return self.render_form(form)
        try:
            withdrawal = services.withdraw(
                actor=request.user, record=self.record, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_service_error(exc)
            return self.render_form(form, status=getattr(exc, "http_status", 400))
        messages.success(
            request,
            _("%(number)s was withdrawn; the withdrawal is ledger entry %(index)s.")
            % {"number": self.record.number, "index": withdrawal.ledger_index},
        )
        return redirect(self.record.get_absolute_url())


class AccessLogView(ListView):
    """The record's chain of custody, for the depositor's people and its service point."""

    template_name = "evidence/access_log.html"
    paginate_by = 50
    context_object_name = "events"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.record = _managed_record(request, kwargs["pk"], "evidence.view_accessevent")
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[AccessEvent]:
        return (
            access_events_visible_to(self.request.user)
            .filter(record=self.record)
            .select_related("user")
            .order_by("-at", "-pk")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["record"] = self.record
        return context


# --- public verification ------------------------------------------------------------------

VERIFIED, PENDING, FAILED = "verified", "pending", "failed"


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not valid base64") from None


def check_public_answer(answer: dict[str, Any]) -> dict[str, Any]:
    """Check what ``receipts.public_verification`` says the way the page's script does: the
    checkpoint's signature with the published key, each leaf's content hash, and each
    inclusion proof against the size and root of the signed checkpoint (never the proof's).
    """
    checkpoint, checkpoint_problem = None, ""
    if answer["checkpoint"]:
        try:
            verifier = Verifier(answer["public_key"])
            checkpoint = open_checkpoint(answer["checkpoint"], verifier, origin=verifier.name)
        except NoteError as exc:
            checkpoint_problem = str(exc)
    rows = []
    for item in answer["records"]:
        row = {**item, "status": PENDING, "problem": ""}
        try:
            leaf = _b64(item["leaf"])
            kind_line, fields = parse_leaf(leaf)
            if kind_line != "deposit" or fields.get("sha256") != answer["sha256"]:
                raise ValueError(_("The ledger entry is not a deposit of this content."))
            if fields.get("number") != item["number"] or fields.get("size") != str(item["size"]):
                raise ValueError(_("The ledger entry does not match the record."))
            if item["in_checkpoint"]:
                if checkpoint is None:
                    raise ValueError(checkpoint_problem or _("No signed checkpoint."))
                merkle.verify_inclusion(
                    item["ledger_index"],
                    checkpoint.size,
                    merkle.leaf_hash(leaf),
                    [_b64(h) for h in item["proof"]],
                    checkpoint.root,
                )
                row["status"] = VERIFIED
        except (LeafError, ValueError) as exc:  # ProofError is a ValueError
            row["status"], row["problem"] = FAILED, str(exc)
        rows.append(row)
    return {"checkpoint": checkpoint, "checkpoint_problem": checkpoint_problem, "records": rows}


@method_decorator(login_not_required, name="dispatch")
class VerifyView(View):
    """Anyone may check a SHA-256 here. The script hashes a chosen file in the browser and
    asks the API; without it, ``?sha256=`` is checked here the same way. Each verification
    (not the empty page) counts against the shared rate limit."""

    template_name = "evidence/verify.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        context: dict[str, Any] = {
            "api_url": VERIFY_API_URL,
            "sha256": "",
            "public_key": public_key(),
        }
        if "sha256" not in request.GET:
            return render(request, self.template_name, context)
        allowed, wait = allow_verification(request)
        if not allowed:
            seconds = max(1, math.ceil(wait or 1))
            response = render(request, "evidence/429.html", {"wait": seconds}, status=429)
            response["Retry-After"] = str(seconds)
            return response
        value = request.GET["sha256"].strip().lower()
        context["sha256"] = value[:64]
        if not receipts.is_sha256_hex(value):
            context["error"] = _(
                "This is not a SHA-256 hash: enter exactly 64 hexadecimal characters (0–9, a–f); "
                "you entered %(count)s characters."
            ) % {"count": len(value)}
            return render(request, self.template_name, context, status=400)
        answer = receipts.public_verification(value)
        if answer["found"]:
            services.log_access(
                list(receipts.public_matches(value)),
                action=Action.VERIFY,
                user=request.user,
                request=request,
            )
        context.update(answer=answer, result=check_public_answer(answer))
        return render(request, self.template_name, context)
