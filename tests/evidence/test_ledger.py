"""The database ledger: proofs against an in-memory tree and the naive RFC recursion, signed
checkpoints, leaves recomputed from deposits, and the append-only guarantees."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction

from evidence import leaves, ledger, receipts, services
from evidence.keys import ledger_verifier, public_key
from evidence.models import (
    AccessEvent,
    Checkpoint,
    EvidenceBlob,
    EvidenceRecord,
    EvidenceWithdrawal,
    ImmutableError,
    LedgerNode,
)
from evidence.tlog import merkle
from evidence.tlog.note import Verifier, open_checkpoint
from evidence.tlog.proof import parse_receipt, verify_receipt
from tests.evidence.test_tlog_merkle import (
    LEAF_INPUTS,
    ROOTS,
    naive_mth,
    naive_path,
    naive_proof,
)

pytestmark = pytest.mark.django_db

MAX_SIZE = 64
LEAVES = tuple(f"ledger leaf {i}".encode() for i in range(MAX_SIZE))


def _append_one(data: bytes) -> int:
    with transaction.atomic():
        return ledger.append([data])


def _check_size(size: int, tree: merkle.MemoryTree) -> None:
    """Root, every inclusion proof and every consistency proof at ``size`` equal the memory
    tree's and the naive RFC recursion's, and verify."""
    d = LEAVES[:size]
    root = ledger.root(size)
    assert root == tree.root(size) == naive_mth(d)
    for index in range(size):
        proof = ledger.inclusion_proof(index, size)
        assert proof == tree.inclusion_proof(index, size) == naive_path(index, d)
        merkle.verify_inclusion(index, size, merkle.leaf_hash(d[index]), proof, root)
    for old in range(1, size + 1):
        proof = ledger.consistency_proof(old, size)
        expected = naive_proof(old, d) if old < size else []
        assert proof == tree.consistency_proof(old, size) == expected
        # ledger.root(old) == tree.root(old) was checked when the ledger had ``old`` leaves.
        merkle.verify_consistency(old, size, tree.root(old), root, proof)


def test_one_by_one_appends_match_the_memory_tree_at_every_size() -> None:
    tree = merkle.MemoryTree()
    assert ledger.current_size() == 0
    assert ledger.root(0) == merkle.EMPTY_ROOT
    for size, data in enumerate(LEAVES, start=1):
        assert _append_one(data) == size - 1
        tree.append(data)
        assert ledger.current_size() == size
        assert ledger.leaf_hash(size - 1) == merkle.leaf_hash(data)
        _check_size(size, tree)
    assert LedgerNode.objects.count() == 2 * MAX_SIZE - 1  # 64 leaves + 63 perfect nodes


@pytest.mark.parametrize("batches", [[1, 2, 3, 5, 8, 13, 21, 11], [7, 1, 24, 32]])
def test_batched_appends_answer_every_historical_size(batches: list[int]) -> None:
    tree = merkle.MemoryTree()
    position = 0
    for count in batches:
        with transaction.atomic():
            assert ledger.append(LEAVES[position : position + count]) == position
        position += count
    for data in LEAVES:
        tree.append(data)
    assert ledger.current_size() == MAX_SIZE
    for size in range(1, MAX_SIZE + 1):
        assert ledger.root(size) == tree.root(size)
    for size in range(1, MAX_SIZE + 1):
        _check_size(size, tree)


def test_published_vectors_through_the_database() -> None:
    with transaction.atomic():
        ledger.append(LEAF_INPUTS)
    for size, expected in enumerate(ROOTS):
        assert ledger.root(size).hex() == expected


def test_append_refuses_nothing_and_proofs_refuse_impossible_requests() -> None:
    with pytest.raises(ValueError, match="nothing to append"):
        ledger.append([])
    with transaction.atomic():
        ledger.append(LEAVES[:3])
    with pytest.raises(ValueError, match="not in a tree of size 3"):
        ledger.inclusion_proof(3, 3)
    with pytest.raises(ValueError, match="no consistency proof"):
        ledger.consistency_proof(0, 3)
    with pytest.raises(LookupError, match="ledger nodes missing"):
        ledger.root(4)  # beyond the log: the nodes do not exist


# --- Checkpoints -----------------------------------------------------------------------------


def test_checkpoint_is_signed_with_the_published_key_and_idempotent() -> None:
    with transaction.atomic():
        ledger.append(LEAVES[:5])
    first = ledger.sign_checkpoint()
    signed = open_checkpoint(first.note, Verifier(public_key()), ledger_verifier().name)
    assert (signed.size, signed.root) == (5, ledger.root(5))
    assert (first.tree_size, bytes(first.root_hash)) == (5, ledger.root(5))
    assert first.root_hex == ledger.root(5).hex()

    again = ledger.sign_checkpoint()
    assert again.pk == first.pk
    assert Checkpoint.objects.count() == 1

    with transaction.atomic():
        ledger.append(LEAVES[5:9])
    grown = ledger.sign_checkpoint()
    assert grown.pk != first.pk
    assert grown.tree_size == 9
    assert ledger.latest_checkpoint().pk == grown.pk
    merkle.verify_consistency(
        5, 9, bytes(first.root_hash), bytes(grown.root_hash), ledger.consistency_proof(5, 9)
    )


def test_a_checkpoint_does_not_verify_with_another_key() -> None:
    from evidence.tlog.note import NoteError, Signer

    with transaction.atomic():
        ledger.append(LEAVES[:2])
    note = ledger.sign_checkpoint().note
    stranger = Signer.generate(ledger_verifier().name)
    with pytest.raises(NoteError, match="no signature by the key"):
        open_checkpoint(note, Verifier(stranger.verifier_key))


def test_checkpoint_covering_reuses_or_signs() -> None:
    with transaction.atomic():
        ledger.append(LEAVES[:3])
    first = ledger.checkpoint_covering(2)  # none yet: signs one
    assert first.tree_size == 3
    assert ledger.checkpoint_covering(0).pk == first.pk
    with transaction.atomic():
        ledger.append(LEAVES[3:4])
    assert ledger.checkpoint_covering(1).pk == first.pk  # still covered, not re-signed
    covering = ledger.checkpoint_covering(3)
    assert covering.pk != first.pk
    assert covering.tree_size == 4
    assert Checkpoint.objects.count() == 2


def test_the_checkpoint_command_signs_once_and_prints_the_note() -> None:
    from io import StringIO

    from django.core.management import call_command

    with transaction.atomic():
        ledger.append(LEAVES[:6])
    out = StringIO()
    call_command("checkpoint", stdout=out)
    checkpoint = ledger.latest_checkpoint()
    text = out.getvalue()
    assert "Signed a new checkpoint." in text
    assert "size 6\n" in text
    assert f"root {ledger.root(6).hex()}\n" in text
    assert text.endswith(checkpoint.note)

    out = StringIO()
    call_command("checkpoint", stdout=out)
    assert "has not grown" in out.getvalue()
    assert Checkpoint.objects.count() == 1


# --- Deposits -> leaves ----------------------------------------------------------------------


def test_recomputed_leaves_equal_the_stored_leaf_hashes(deposit, world) -> None:
    text = deposit(kind="text", text="商品页面文字")
    file = deposit(kind="file", upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4 evidence"))
    capture = deposit(kind="web_capture", source_url="https://shop.example.com/item/9")
    correction = deposit(kind="text", text="更正后的文字", corrects=text)
    withdrawal = services.withdraw(
        actor=world["users"]["servicepoint"], record=file, reason="上传错误"
    )
    records = EvidenceRecord.objects.select_related("blob", "corrects").order_by("ledger_index")
    assert [r.pk for r in records] == [text.pk, file.pk, capture.pk, correction.pk]
    for record in records:
        stored = ledger.leaf_hash(record.ledger_index)
        assert merkle.leaf_hash(leaves.stored_record_leaf(record)) == stored
    assert b"corrects " + text.number.encode() in leaves.stored_record_leaf(records[3])
    withdrawal = EvidenceWithdrawal.objects.select_related("record").get(pk=withdrawal.pk)
    assert withdrawal.ledger_index == 4
    assert merkle.leaf_hash(
        leaves.withdrawal_leaf(withdrawal, withdrawal.record.number)
    ) == ledger.leaf_hash(4)
    assert ledger.current_size() == 5


def test_a_deposit_receipt_verifies_offline(deposit) -> None:
    record = deposit(kind="text", text="receipt me")
    deposit(kind="text", text="a later deposit")
    receipt = parse_receipt(receipts.receipt_text(record))
    assert receipt.extra == leaves.stored_record_leaf(record)
    signed = verify_receipt(
        receipt, Verifier(public_key()), merkle.leaf_hash(receipt.extra), ledger_verifier().name
    )
    assert signed.size == 2
    assert receipt.index == record.ledger_index


# --- Append-only -----------------------------------------------------------------------------


@pytest.fixture
def ledger_rows(deposit, world):
    """One row of every append-only model."""
    record = deposit(kind="text", text="immutable")
    other = deposit(kind="text", text="to withdraw")
    withdrawal = services.withdraw(actor=world["users"]["servicepoint"], record=other, reason="x")
    checkpoint = ledger.sign_checkpoint()
    services.log_access(record, action=AccessEvent.Action.VIEW, user=world["users"]["enterprise"])
    return {
        "record": record,
        "withdrawal": withdrawal,
        "node": LedgerNode.objects.get(level=0, index=0),
        "checkpoint": checkpoint,
        "access": AccessEvent.objects.get(record=record),
    }


APPEND_ONLY = ["record", "withdrawal", "node", "checkpoint", "access"]


@pytest.mark.parametrize("name", APPEND_ONLY)
def test_orm_save_delete_and_bulk_changes_are_refused(ledger_rows, name: str) -> None:
    row = ledger_rows[name]
    model = type(row)
    with pytest.raises(ImmutableError):
        row.save()
    with pytest.raises(ImmutableError):
        row.delete()
    with pytest.raises(ImmutableError):
        model.objects.filter(pk=row.pk).update(pk=row.pk)
    with pytest.raises(ImmutableError):
        model.objects.filter(pk=row.pk).delete()
    assert model.objects.filter(pk=row.pk).exists()


def test_a_changed_record_cannot_be_saved_even_by_a_superuser(ledger_rows, world) -> None:
    record = EvidenceRecord.objects.get(pk=ledger_rows["record"].pk)
    assert world["users"]["superuser"].has_perm("evidence.change_evidencerecord")
    record.title = "篡改"
    with pytest.raises(ImmutableError):
        record.save(update_fields=["title"])
    assert EvidenceRecord.objects.get(pk=record.pk).title != "篡改"


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


TABLES = {
    "record": ("evidence_evidencerecord", "title = 'x'"),
    "withdrawal": ("evidence_evidencewithdrawal", "reason = 'x'"),
    "node": ("evidence_ledgernode", "level = level"),
    "checkpoint": ("evidence_checkpoint", "note = 'x'"),
    "access": ("evidence_accessevent", "reason = 'x'"),
}


@pytest.mark.parametrize("name", APPEND_ONLY)
def test_raw_sql_update_is_refused_by_the_database(ledger_rows, name: str) -> None:
    table, assignment = TABLES[name]
    pk = ledger_rows[name].pk
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _raw(f"UPDATE {table} SET {assignment} WHERE id = %s", [pk])


def test_raw_sql_update_of_a_blob_is_refused(ledger_rows) -> None:
    sha256 = ledger_rows["record"].sha256
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _raw("UPDATE evidence_evidenceblob SET size = size + 1 WHERE sha256 = %s", [sha256])
    assert EvidenceBlob.objects.get(pk=sha256).size == len(b"immutable")


def test_raw_sql_delete_is_refused_on_postgresql(ledger_rows) -> None:
    """PostgreSQL refuses DELETE with a trigger. SQLite keeps DELETE possible (Django's test
    flush needs it) and relies on the audit, which reports the removed row."""
    pk = ledger_rows["checkpoint"].pk
    delete = "DELETE FROM evidence_checkpoint WHERE id = %s"
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            _raw(delete, [pk])
        assert Checkpoint.objects.filter(pk=pk).exists()
    else:
        _raw(delete, [pk])
        assert not Checkpoint.objects.filter(pk=pk).exists()
