"""Concurrent deposits on PostgreSQL: the ledger lock keeps indices and numbers gapless and
unique and the log verifiable. SQLite serialises every writer on one database lock, so these
races cannot happen there and the test is skipped with that reason."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.utils import translation

from evidence import leaves, receipts, services
from evidence.audit import audit_ledger
from evidence.keys import ledger_verifier, public_key
from evidence.models import Category, EvidenceBlob, EvidenceNumberCounter, EvidenceRecord
from evidence.tlog import merkle
from evidence.tlog.note import Verifier
from evidence.tlog.proof import parse_receipt, verify_receipt
from tests.evidence.conftest import PNG

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite has one writer at a time; row-lock races need PostgreSQL (CI runs both)",
    ),
]

WORKERS = 20
SAME_PHOTO = PNG + b"one photo, deposited by several people at once"


def _race(jobs: list[Callable[[], object]]) -> list[object]:
    """Run the jobs in threads (each with its own connection) released together."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(i: int, job: Callable[[], object]) -> None:
        try:
            barrier.wait()
            with translation.override("en"):  # threads do not inherit the test's language
                results[i] = job()
        except Exception as exc:  # collected and asserted on by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_twenty_concurrent_deposits_leave_a_gapless_verifiable_log(world) -> None:
    orgs = world["orgs"]
    user_pk = world["users"]["servicepoint"].pk

    def job(i: int) -> EvidenceRecord:
        actor = get_user_model().objects.get(pk=user_pk)  # no shared permission caches
        if i % 2:  # half deposit the same content: it must be stored once
            extra = {"kind": "file", "upload": SimpleUploadedFile(f"p{i}.png", SAME_PHOTO)}
        else:
            extra = {"kind": "text", "text": f"concurrent deposit {i}"}
        return services.deposit(
            actor=actor,
            depositor=orgs["ent_a"],
            title=f"并发存证 {i}",
            category=Category.PRODUCT,
            **extra,
        )

    results = _race([(lambda i=i: job(i)) for i in range(WORKERS)])

    assert [r for r in results if isinstance(r, Exception)] == []
    records = list(EvidenceRecord.objects.select_related("blob", "corrects").order_by("pk"))
    assert len(records) == WORKERS
    assert sorted(r.ledger_index for r in records) == list(range(WORKERS))
    year = records[0].deposited_at.year
    expected_numbers = {
        settings.EVIDENCE_NUMBER_FORMAT.format(year=year, seq=seq) for seq in range(1, WORKERS + 1)
    }
    assert {r.number for r in records} == expected_numbers  # gapless and unique
    assert EvidenceNumberCounter.objects.get(year=year).last_value == WORKERS
    blobs = WORKERS // 2 + 1  # ten texts and one shared photo
    assert EvidenceBlob.objects.count() == blobs

    report = audit_ledger()
    assert report.findings == []
    assert (report.tree_size, report.records, report.blobs) == (WORKERS, WORKERS, blobs)

    verifier = Verifier(public_key())
    for record in records:
        receipt = parse_receipt(receipts.receipt_text(record))
        assert receipt.index == record.ledger_index
        assert receipt.extra == leaves.stored_record_leaf(record)
        checkpoint = verify_receipt(
            receipt, verifier, merkle.leaf_hash(receipt.extra), ledger_verifier().name
        )
        assert checkpoint.size == WORKERS
