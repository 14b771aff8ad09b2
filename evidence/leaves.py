"""Canonical leaf encoding of records and withdrawals (version 1).

A leaf is UTF-8 text, one ``key value`` per line (``evidence.tlog.leaf``)::

    yiqizheng/leaf/v1
    type deposit
    number 益企证〔2024〕第000123号
    kind file
    sha256 <64 hex>
    size <bytes>
    time 2024-03-05T02:11:09.123456Z        (deposit time, UTC, microseconds)
    meta <64 hex>                           (commitment to the descriptive fields)
    [sm3 <64 hex>]                          (when the SM3 digest was computed)
    [corrects <number of the corrected record>]

    yiqizheng/leaf/v1
    type withdrawal
    number <number of the withdrawn record>
    time <withdrawal time>
    meta <64 hex>                           (commitment to the reason)

Titles, descriptions and ids stay off the ledger (they may be personal or confidential); the
leaf carries ``meta`` = SHA-256(salt || canonical JSON of those fields), with a per-record
random salt kept in the row. The audit recomputes it, so a changed title is as detectable as
a changed byte of content, while a receipt discloses nothing but the content hash, size, time
and number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from typing import Any

from evidence.models import EvidenceRecord, EvidenceWithdrawal
from evidence.tlog.leaf import encode_leaf


def new_salt() -> str:
    return secrets.token_hex(16)


def format_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def commitment(salt: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(bytes.fromhex(salt) + canonical.encode("utf-8")).hexdigest()


def record_meta(record: EvidenceRecord) -> dict[str, Any]:
    return {
        "title": record.title,
        "description": record.description,
        "category": record.category,
        "media_type": record.media_type,
        "original_name": record.original_name,
        "source_url": record.source_url,
        "captured_at": format_time(record.captured_at) if record.captured_at else "",
        "depositor": record.depositor_id,
        "service_point": record.service_point_id,
        "deposited_by": record.deposited_by_id,
    }


def record_leaf(record: EvidenceRecord, *, sm3: str = "", corrects_number: str = "") -> bytes:
    fields = [
        ("number", record.number),
        ("kind", record.kind),
        ("sha256", record.blob_id),
        ("size", str(record.size)),
        ("time", format_time(record.deposited_at)),
        ("meta", commitment(record.salt, record_meta(record))),
    ]
    if sm3:
        fields.append(("sm3", sm3))
    if corrects_number:
        fields.append(("corrects", corrects_number))
    return encode_leaf("deposit", fields)


def withdrawal_leaf(withdrawal: EvidenceWithdrawal, record_number: str) -> bytes:
    meta = {"reason": withdrawal.reason, "withdrawn_by": withdrawal.withdrawn_by_id}
    return encode_leaf(
        "withdrawal",
        [
            ("number", record_number),
            ("time", format_time(withdrawal.withdrawn_at)),
            ("meta", commitment(withdrawal.salt, meta)),
        ],
    )


def stored_record_leaf(record: EvidenceRecord) -> bytes:
    """The leaf as recomputed from a stored row (the audit's view)."""
    return record_leaf(
        record,
        sm3=record.blob.sm3 if record.blob.sm3 else "",
        corrects_number=record.corrects.number if record.corrects_id else "",
    )
