"""Receipts (存证回执) and public verification answers, built from the ledger.

A receipt is a C2SP ``tlog-proof`` whose ``extra`` is the record's leaf input, so with the
published key it verifies offline (``python -m evidence.verify``) with nothing else.
"""

from __future__ import annotations

import base64
from typing import Any

from django.db.models import QuerySet

from evidence import leaves, ledger
from evidence.keys import public_key
from evidence.models import Checkpoint, EvidenceRecord
from evidence.tlog.proof import format_receipt

HEX_DIGITS = frozenset("0123456789abcdef")


def receipt_text(record: EvidenceRecord) -> str:
    """The record's receipt over the latest checkpoint (signing one if none covers it)."""
    checkpoint = ledger.checkpoint_covering(record.ledger_index)
    proof = ledger.inclusion_proof(record.ledger_index, checkpoint.tree_size)
    return format_receipt(
        record.ledger_index, proof, checkpoint.note, leaves.stored_record_leaf(record)
    )


def receipt_filename(record: EvidenceRecord) -> str:
    return f"evidence-{record.ledger_index}.tlog-proof"


def is_sha256_hex(value: str) -> bool:
    return len(value) == 64 and set(value) <= HEX_DIGITS


def public_matches(sha256: str) -> QuerySet[EvidenceRecord]:
    """Records with this content, for the public verification page (no login)."""
    return (
        EvidenceRecord.objects.filter(blob_id=sha256)
        .select_related("blob", "corrects", "withdrawal")
        .order_by("ledger_index")
    )


def public_verification(sha256: str) -> dict[str, Any]:
    """What anyone may learn about a hash: whether and when it was deposited, under which
    number and ledger index, with an inclusion proof against the latest signed checkpoint.
    Nothing about who deposited it (DESIGN §1: no personal data on the public page)."""
    checkpoint: Checkpoint | None = ledger.latest_checkpoint()
    found = []
    for record in public_matches(sha256):
        withdrawal = getattr(record, "withdrawal", None)
        item: dict[str, Any] = {
            "number": record.number,
            "kind": record.kind,
            "deposited_at": record.deposited_at,
            "ledger_index": record.ledger_index,
            "size": record.size,
            "withdrawn_at": withdrawal.withdrawn_at if withdrawal else None,
            "leaf": base64.b64encode(leaves.stored_record_leaf(record)).decode("ascii"),
            "proof": [],
            "in_checkpoint": False,
        }
        if checkpoint is not None and checkpoint.tree_size > record.ledger_index:
            item["proof"] = [
                base64.b64encode(h).decode("ascii")
                for h in ledger.inclusion_proof(record.ledger_index, checkpoint.tree_size)
            ]
            item["in_checkpoint"] = True
        found.append(item)
    return {
        "sha256": sha256,
        "found": bool(found),
        "records": found,
        "checkpoint": checkpoint.note if checkpoint else "",
        "public_key": public_key(),
    }
