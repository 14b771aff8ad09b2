"""Evidence services: every write of the evidence app goes through here.

``deposit`` and ``withdraw`` each run in one transaction that holds the ledger lock, so the
record number, the ledger index and the leaf are allocated together, gapless and unique.
Content is stored (content-addressed) before the lock is taken, so a slow object store never
holds up other deposits; a failed deposit removes the content it alone had stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile, File
from django.core.files.storage import storages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.models import Organization
from evidence import leaves, ledger
from evidence.models import (
    AccessEvent,
    Category,
    EvidenceBlob,
    EvidenceNumberCounter,
    EvidenceRecord,
    EvidenceWithdrawal,
    blob_storage_name,
)
from evidence.selectors import point_ids_of
from zhangzhou_ip.core.errors import DomainError, PermissionDenied
from zhangzhou_ip.core.uploads import content_mismatch, safe_display_name

User = AbstractBaseUser
Kind = EvidenceRecord.Kind

# What a web capture may be: a screenshot, a saved page (MHTML) or a network log (HAR).
CAPTURE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".mhtml", ".mht", ".har")


def evidence_storage():
    return storages["evidence"]


@dataclass(frozen=True)
class Content:
    """The bytes of a deposit, already hashed (by the upload handler or from text)."""

    file: File
    name: str
    size: int
    sha256: str
    sm3: str
    media_type: str


def content_from_upload(upload: UploadedFile, kind: str) -> Content:
    """Check an uploaded file (hashed while it streamed in) and describe it."""
    name = safe_display_name(upload.name or "")
    if not upload.size:
        raise DomainError(
            _("The file is empty; choose the file that holds the evidence."), code="empty_file"
        )
    extension = PurePath(name).suffix.lower()
    if kind == Kind.WEB_CAPTURE and extension not in CAPTURE_EXTENSIONS:
        raise DomainError(
            _("A web capture must be a screenshot, a saved page or a HAR file (%(allowed)s).")
            % {"allowed": ", ".join(CAPTURE_EXTENSIONS)},
            code="capture_type",
        )
    problem = content_mismatch(upload, name)
    if problem:
        raise DomainError(problem, code="content_mismatch")
    sha256 = getattr(upload, "sha256", "") or _hash_file(upload)
    sm3 = getattr(upload, "sm3", "")
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if extension == ".har":
        media_type = "application/json"
    return Content(upload, name, upload.size, sha256, sm3, media_type)


def content_from_text(text: str) -> Content:
    if not text or not text.strip():
        raise DomainError(_("The text is empty; enter the text to deposit."), code="empty_text")
    if len(text) > settings.EVIDENCE_MAX_TEXT_CHARS:
        raise DomainError(
            _("The text is longer than %(limit)s characters; deposit it as a file.")
            % {"limit": settings.EVIDENCE_MAX_TEXT_CHARS},
            code="text_too_long",
        )
    data = text.encode("utf-8")
    sm3 = hashlib.new("sm3", data).hexdigest() if settings.EVIDENCE_SM3 else ""
    return Content(
        ContentFile(data),
        "",
        len(data),
        hashlib.sha256(data).hexdigest(),
        sm3,
        "text/plain; charset=utf-8",
    )


def _hash_file(upload: File) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _store_content(content: Content) -> bool:
    """Put the content into the evidence storage under its hash; True if this call wrote it."""
    storage = evidence_storage()
    name = blob_storage_name(content.sha256)
    if storage.exists(name):
        return False
    saved = storage.save(name, content.file)
    if saved != name:  # a concurrent deposit stored the same content first
        storage.delete(saved)
        return False
    return True


def _forget_content(content: Content) -> None:
    if not EvidenceBlob.objects.filter(pk=content.sha256).exists():
        evidence_storage().delete(blob_storage_name(content.sha256))


def _allocate_numbers(times: list[dt.datetime]) -> list[str]:
    """The next record numbers of each deposit's year, in order (the caller holds the ledger
    lock, so numbers are gapless and follow the ledger)."""
    years = [timezone.localtime(at).year for at in times]
    last: dict[int, int] = {}
    for year in sorted(set(years)):
        EvidenceNumberCounter.objects.get_or_create(year=year)
        last[year] = EvidenceNumberCounter.objects.select_for_update().get(pk=year).last_value
    numbers = []
    for year in years:
        last[year] += 1
        numbers.append(settings.EVIDENCE_NUMBER_FORMAT.format(year=year, seq=last[year]))
    for year, value in last.items():
        EvidenceNumberCounter.objects.filter(pk=year).update(last_value=value)
    return numbers


def _service_point_for(actor: User, depositor: Organization, chosen: Organization | None):
    points = point_ids_of(actor)
    if chosen is not None:
        if chosen.kind != Organization.Kind.SERVICE_POINT:
            raise DomainError(_("Choose a service point."), code="not_service_point")
        if not actor.is_superuser and chosen.pk not in points:
            raise PermissionDenied(
                _("You do not work at this service point."), code="forbidden_point"
            )
        return chosen
    if points:
        return Organization.objects.filter(pk__in=points).order_by("pk").first()
    parent = depositor.parent
    if parent is not None and parent.kind == Organization.Kind.SERVICE_POINT:
        return parent
    return None


@dataclass
class _Deposit:
    """A checked deposit, ready to be numbered and appended."""

    actor: User
    depositor: Organization
    point: Organization | None
    kind: str
    title: str
    description: str
    category: str
    content: Content
    source_url: str
    captured_at: dt.datetime | None
    corrects: EvidenceRecord | None
    deposited_at: dt.datetime | None


def _check(
    *,
    actor: User,
    depositor: Organization,
    kind: str,
    title: str,
    category: str,
    description: str = "",
    upload: UploadedFile | None = None,
    text: str = "",
    source_url: str = "",
    captured_at: dt.datetime | None = None,
    service_point: Organization | None = None,
    corrects: EvidenceRecord | None = None,
    deposited_at: dt.datetime | None = None,
) -> _Deposit:
    if not actor.has_perm("evidence.add_evidencerecord", depositor):
        raise PermissionDenied(
            _("You may not deposit evidence for this enterprise."), code="forbidden"
        )
    if depositor.kind != Organization.Kind.ENTERPRISE:
        raise DomainError(_("Evidence is deposited for an enterprise."), code="not_enterprise")
    if kind not in Kind.values:
        raise DomainError(_("Choose the kind of evidence."), code="kind")
    if category not in Category.values:
        raise DomainError(_("Choose a category."), code="category")
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Give the evidence a title."), code="title")
    if kind == Kind.WEB_CAPTURE and not source_url:
        raise DomainError(_("A web capture needs the captured URL."), code="source_url")
    if captured_at is not None and captured_at > timezone.now() + dt.timedelta(minutes=5):
        raise DomainError(_("The capture time is in the future."), code="captured_at")
    if corrects is not None:
        if not actor.has_perm("evidence.withdraw_evidencerecord", corrects):
            raise PermissionDenied(_("You may not correct this record."), code="forbidden")
        if corrects.depositor_id != depositor.pk:
            raise DomainError(
                _("A correction belongs to the same enterprise as the record it corrects."),
                code="corrects_depositor",
            )
    if kind == Kind.TEXT:
        content = content_from_text(text)
    elif upload is None:
        raise DomainError(_("Choose the file to deposit."), code="file_required")
    else:
        content = content_from_upload(upload, kind)
    capture = kind == Kind.WEB_CAPTURE
    return _Deposit(
        actor=actor,
        depositor=depositor,
        point=_service_point_for(actor, depositor, service_point),
        kind=kind,
        title=title,
        description=(description or "").strip(),
        category=category,
        content=content,
        source_url=source_url if capture else "",
        captured_at=captured_at if capture else None,
        corrects=corrects,
        deposited_at=deposited_at,
    )


def deposit(**fields) -> EvidenceRecord:
    """Deposit evidence: check it, store the content under its hash, number it and append
    its leaf. Keyword arguments: ``actor``, ``depositor`` (an enterprise), ``kind``,
    ``title``, ``category``, and as the kind needs ``upload`` (a file hashed by the upload
    handler, or any Django file) or ``text``, ``source_url`` and ``captured_at`` (web
    capture), ``description``, ``service_point``, ``corrects`` (the record this corrects).

    ``deposited_at`` is for imports of historical deposits (the demo's 2024 records) only;
    every other deposit is timed by the server clock.
    """
    return deposit_many([fields])[0]


# Sent after deposits are written (bulk inserts send no ``post_save``), with ``records``.
records_deposited = Signal()


def deposit_many(items: Sequence[dict[str, Any]]) -> list[EvidenceRecord]:
    """Several deposits (each checked like ``deposit``) in one transaction: one ledger lock,
    one append of all leaves, bulk inserts. For imports and the demo; all or nothing."""
    checked = [_check(**item) for item in items]
    written = [d.content for d in checked if _store_content(d.content)]
    try:
        records = _record_deposits(checked)
    except BaseException:
        for content in written:
            _forget_content(content)
        raise
    # bulk_create sends no post_save: say it here (the statistics cache listens)
    records_deposited.send(sender=EvidenceRecord, records=records)
    return records


def _blobs_for(checked: list[_Deposit], now: dt.datetime) -> dict[str, EvidenceBlob]:
    wanted = {d.content.sha256: d.content for d in checked}
    blobs = {blob.sha256: blob for blob in EvidenceBlob.objects.filter(pk__in=wanted)}
    new = [
        EvidenceBlob(sha256=sha, size=content.size, sm3=content.sm3, created_at=now)
        for sha, content in wanted.items()
        if sha not in blobs
    ]
    EvidenceBlob.objects.bulk_create(new)
    blobs.update({blob.sha256: blob for blob in new})
    return blobs


@transaction.atomic
def _record_deposits(checked: list[_Deposit]) -> list[EvidenceRecord]:
    head = ledger.lock_head()
    now = timezone.now()
    times = [d.deposited_at or now for d in checked]
    blobs = _blobs_for(checked, min(times))
    numbers = _allocate_numbers(times)
    records = []
    for index, (item, at, number) in enumerate(zip(checked, times, numbers, strict=True)):
        blob = blobs[item.content.sha256]
        records.append(
            EvidenceRecord(
                number=number,
                kind=item.kind,
                depositor=item.depositor,
                service_point=item.point,
                deposited_by=item.actor,
                title=item.title,
                description=item.description,
                category=item.category,
                blob=blob,
                size=item.content.size,
                media_type=item.content.media_type,
                original_name=item.content.name,
                source_url=item.source_url,
                captured_at=item.captured_at,
                deposited_at=at,
                ledger_index=head.size + index,
                salt=leaves.new_salt(),
                corrects=item.corrects,
            )
        )
    leaf_inputs = [
        leaves.record_leaf(
            record,
            sm3=record.blob.sm3,
            corrects_number=record.corrects.number if record.corrects_id else "",
        )
        for record in records
    ]
    ledger.append(leaf_inputs, head=head)
    return EvidenceRecord.objects.bulk_create(records, batch_size=500)


@transaction.atomic
def withdraw(
    *, actor: User, record: EvidenceRecord, reason: str, at: dt.datetime | None = None
) -> EvidenceWithdrawal:
    """Withdraw a record: a new ledger entry that refers to it; the record stays."""
    if not actor.has_perm("evidence.withdraw_evidencerecord", record):
        raise PermissionDenied(_("You may not withdraw this record."), code="forbidden")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the record is withdrawn."), code="reason")
    head = ledger.lock_head()
    if EvidenceWithdrawal.objects.filter(record=record).exists():
        raise DomainError(_("This record is already withdrawn."), code="already_withdrawn")
    withdrawal = EvidenceWithdrawal(
        record=record,
        reason=reason,
        withdrawn_by=actor,
        withdrawn_at=at or timezone.now(),
        ledger_index=head.size,
        salt=leaves.new_salt(),
    )
    withdrawal.ledger_index = ledger.append(
        [leaves.withdrawal_leaf(withdrawal, record.number)], head=head
    )
    withdrawal.save()
    return withdrawal


def log_access(
    records: EvidenceRecord | list[EvidenceRecord],
    *,
    action: str,
    user: User | None,
    request: HttpRequest | None = None,
    reason: str = "",
) -> None:
    """Chain of custody: one ``AccessEvent`` per record touched."""
    if isinstance(records, EvidenceRecord):
        records = [records]
    meta = request.META if request is not None else {}
    now = timezone.now()
    AccessEvent.objects.bulk_create(
        [
            AccessEvent(
                record=record,
                action=action,
                user=user if user is not None and user.is_authenticated else None,
                reason=(reason or "")[:200],
                ip_address=meta.get("REMOTE_ADDR") or None,
                user_agent=(meta.get("HTTP_USER_AGENT") or "")[:300],
                at=now,
            )
            for record in records
        ]
    )
