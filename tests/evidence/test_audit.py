"""``audit_ledger``: a clean log audits clean; every kind of tampering behind the application's
back is detected, named by record number, and makes the command exit non-zero."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from evidence import audit, ledger, services
from evidence.keys import ledger_signer
from evidence.models import AccessEvent, Checkpoint, LedgerNode, blob_storage_name
from evidence.tlog import merkle
from evidence.tlog.note import Signer, checkpoint_text
from tests.evidence.conftest import PNG

pytestmark = pytest.mark.django_db

SHARED = PNG + b"the same photo deposited twice"


@pytest.fixture
def demo_log(deposit, world) -> dict:
    """A demo-like log: files (two with the same content), texts, a web capture, a withdrawal,
    a correction, a custody event and two checkpoints."""
    users = world["users"]
    log = {}
    log["first"] = deposit(kind="file")  # 0, withdrawn below
    log["dup_a"] = deposit(kind="file", upload=SimpleUploadedFile("a.png", SHARED))  # 1
    log["text"] = deposit(kind="text", text="网页上的侵权文字")  # 2, corrected below
    log["lonely"] = deposit(kind="text", text="nothing refers to this one")  # 3
    log["cp1"] = ledger.sign_checkpoint()  # size 4
    log["capture"] = deposit(kind="web_capture")  # 4
    log["dup_b"] = deposit(
        kind="file", actor="enterprise", upload=SimpleUploadedFile("b.png", SHARED)
    )  # 5
    log["withdrawal"] = services.withdraw(
        actor=users["servicepoint"], record=log["first"], reason="上传了错误的文件"
    )  # 6
    log["correction"] = deposit(kind="text", text="更正后的文字", corrects=log["text"])  # 7
    services.log_access(
        log["capture"], action=AccessEvent.Action.VIEW, user=users["enterprise"], reason="查看"
    )
    log["cp2"] = ledger.sign_checkpoint()  # size 8
    return log


def run_audit(*args: str) -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("audit_ledger", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def finding_lines(output: str, kind: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(f"[{kind}] ")]


def assert_fails(output: str, error: CommandError | None) -> None:
    assert error is not None, output
    assert error.returncode == 1
    assert "finding(s)" in str(error)
    assert "No findings" not in output


@contextmanager
def triggers_disabled(table: str) -> Iterator[None]:
    """Tamper as a database administrator would: without the append-only trigger. Inside the
    test transaction, so everything is rolled back afterwards."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE refuses while deferred FK checks of this transaction are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            cursor.execute(f"DROP TRIGGER {table}_append_only")
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- A clean log -----------------------------------------------------------------------------


def test_a_clean_log_audits_clean(demo_log) -> None:
    output, error = run_audit()
    assert error is None, output
    assert "leaves       8 of tree size 8\n" in output
    assert "records      7\n" in output
    assert "withdrawals  1\n" in output
    assert "blobs        6 checked\n" in output  # the shared photo is stored once
    assert "nodes        15 checked\n" in output  # 8 leaves + 7 perfect nodes
    assert "checkpoints  2 checked\n" in output
    assert f"root         {ledger.root(8).hex()}\n" in output
    assert "No findings: the ledger is intact." in output
    assert "[" not in output


def test_the_report_counts_what_it_checked(demo_log) -> None:
    report = audit.audit_ledger()
    assert report.ok
    assert report.findings == []
    assert (report.tree_size, report.leaves, report.records, report.withdrawals) == (8, 8, 7, 1)
    assert (report.blobs, report.checkpoints) == (6, 2)
    assert report.root_hex == demo_log["cp2"].root_hex


def test_an_empty_ledger_audits_clean(db) -> None:
    report = audit.audit_ledger()
    assert report.ok
    assert report.tree_size == 0
    assert report.root_hex == merkle.EMPTY_ROOT.hex()


def test_progress_is_reported(demo_log, monkeypatch) -> None:
    monkeypatch.setattr(audit, "PROGRESS_EVERY", 4)
    output, error = run_audit()
    assert error is None, output
    assert "  leaves: 4 of 8\n" in output
    assert "  leaves: 8 of 8\n" in output
    assert "  blobs: 4 of 6\n" in output


# --- Content ---------------------------------------------------------------------------------


def test_a_changed_byte_in_a_blob_names_every_record_with_that_content(demo_log) -> None:
    sha256 = demo_log["dup_a"].sha256
    path = services.evidence_storage().path(blob_storage_name(sha256))
    with open(path, "r+b") as handle:
        handle.seek(10)
        byte = handle.read(1)
        handle.seek(10)
        handle.write(bytes([byte[0] ^ 0x01]))

    output, error = run_audit()

    assert_fails(output, error)
    lines = finding_lines(output, "blob_changed")
    assert len(lines) == 1
    assert demo_log["dup_a"].number in lines[0]
    assert demo_log["dup_b"].number in lines[0]
    assert sha256 in lines[0]
    # The rows and the tree are untouched: nothing else is reported.
    assert len([line for line in output.splitlines() if line.startswith("[")]) == 1

    output, error = run_audit("--skip-blobs")  # content is not read: this audit cannot see it
    assert error is None, output
    assert "blobs        skipped (--skip-blobs)\n" in output


def test_a_missing_blob_is_reported(demo_log) -> None:
    services.evidence_storage().delete(blob_storage_name(demo_log["capture"].sha256))
    output, error = run_audit()
    assert_fails(output, error)
    [line] = finding_lines(output, "blob_missing")
    assert demo_log["capture"].number in line
    assert "missing" in line


# --- Rows ------------------------------------------------------------------------------------


def test_a_changed_record_row_is_named_by_its_number(demo_log) -> None:
    record = demo_log["text"]
    with triggers_disabled("evidence_evidencerecord"):
        raw(
            "UPDATE evidence_evidencerecord SET title = %s WHERE id = %s", ["改过的标题", record.pk]
        )

    output, error = run_audit()

    assert_fails(output, error)
    [line] = finding_lines(output, "leaf_mismatch")
    assert line.startswith(f"[leaf_mismatch] record {record.number}: ")
    assert "changed after the deposit" in line
    # Both signed checkpoints cover leaf 2 and no longer match the records.
    assert len(finding_lines(output, "checkpoint_root")) == 2
    # The stored nodes above the changed leaf differ only as a consequence: not repeated.
    assert finding_lines(output, "node_mismatch") == []


def test_a_changed_withdrawal_row_is_named(demo_log) -> None:
    withdrawal = demo_log["withdrawal"]
    with triggers_disabled("evidence_evidencewithdrawal"):
        raw(
            "UPDATE evidence_evidencewithdrawal SET reason = %s WHERE id = %s", ["x", withdrawal.pk]
        )
    output, error = run_audit("--skip-blobs")
    assert_fails(output, error)
    [line] = finding_lines(output, "leaf_mismatch")
    assert f"withdrawal of {demo_log['first'].number}" in line
    [line] = finding_lines(output, "checkpoint_root")  # only cp2 covers leaf 6
    assert "size 8" in line


def test_a_removed_record_is_named_by_the_gap_in_the_numbers(demo_log) -> None:
    record = demo_log["lonely"]
    with triggers_disabled("evidence_evidencerecord"):
        raw("DELETE FROM evidence_evidencerecord WHERE id = %s", [record.pk])

    output, error = run_audit()

    assert_fails(output, error)
    [line] = finding_lines(output, "missing_leaf")
    assert "leaf 3 has no record or withdrawal" in line
    [line] = finding_lines(output, "missing_record")
    assert line.startswith(f"[missing_record] record {record.number}: ")
    # The stored leaf hash keeps its place, so the tree and checkpoints still match.
    assert finding_lines(output, "checkpoint_root") == []
    assert finding_lines(output, "node_mismatch") == []


def test_the_removed_last_record_is_named_by_the_number_counter(demo_log) -> None:
    record = demo_log["correction"]
    with triggers_disabled("evidence_evidencerecord"):
        raw("DELETE FROM evidence_evidencerecord WHERE id = %s", [record.pk])
    output, error = run_audit("--skip-blobs")
    assert_fails(output, error)
    assert "leaf 7 has no record or withdrawal" in output
    [line] = finding_lines(output, "missing_record")
    assert record.number in line


def test_a_removed_withdrawal_is_reported(demo_log) -> None:
    with triggers_disabled("evidence_evidencewithdrawal"):
        raw("DELETE FROM evidence_evidencewithdrawal WHERE id = %s", [demo_log["withdrawal"].pk])
    output, error = run_audit("--skip-blobs")
    assert_fails(output, error)
    [line] = finding_lines(output, "missing_leaf")
    assert "leaf 6 has no record or withdrawal" in line
    assert "withdrawals  0\n" in output


def test_a_changed_interior_node_is_reported(demo_log) -> None:
    node = LedgerNode.objects.get(level=1, index=2)  # leaves 4-5
    with triggers_disabled("evidence_ledgernode"):
        raw("UPDATE evidence_ledgernode SET hash = %s WHERE id = %s", [b"\x00" * 32, node.pk])
    output, error = run_audit("--skip-blobs")
    assert_fails(output, error)
    [line] = finding_lines(output, "node_mismatch")
    assert line.startswith("[node_mismatch] node 1/2: ")
    assert "leaves 4-5" in line
    # The records still give the signed roots.
    assert finding_lines(output, "checkpoint_root") == []


def test_a_stretched_head_leaves_missing_leaves(demo_log) -> None:
    raw("UPDATE evidence_ledgerhead SET size = 9 WHERE id = 1", [])
    output, error = run_audit("--skip-blobs")
    assert_fails(output, error)
    assert "leaf 8 has no record or withdrawal" in output


# --- Checkpoints -----------------------------------------------------------------------------


def test_a_re_signed_inconsistent_checkpoint_is_detected(demo_log) -> None:
    """Correctly signed with the real key, but over a different root at an existing size: the
    log must never sign two inconsistent checkpoints."""
    signer = ledger_signer()
    size = demo_log["cp1"].tree_size
    other_root = merkle.leaf_hash(b"a different history")
    forged = Checkpoint.objects.create(
        tree_size=size,
        root_hash=other_root,
        note=signer.sign(checkpoint_text(signer.name, size, other_root)),
    )

    output, error = run_audit("--skip-blobs")

    assert_fails(output, error)
    [line] = finding_lines(output, "checkpoint_root")
    assert line.startswith(f"[checkpoint_root] checkpoint {forged.pk} (size {size}, ")
    assert other_root.hex() in line
    assert finding_lines(output, "checkpoint_signature") == []


def test_a_forged_signature_is_detected(demo_log) -> None:
    impostor = Signer.generate(ledger_signer().name)  # same log name, another key
    size, root = demo_log["cp2"].tree_size, bytes(demo_log["cp2"].root_hash)
    forged = Checkpoint.objects.create(
        tree_size=size,
        root_hash=root,
        note=impostor.sign(checkpoint_text(impostor.name, size, root)),
    )

    output, error = run_audit("--skip-blobs")

    assert_fails(output, error)
    [line] = finding_lines(output, "checkpoint_signature")
    assert line.startswith(f"[checkpoint_signature] checkpoint {forged.pk} ")
    assert "no signature by the key" in line


def test_a_checkpoint_larger_than_the_log_is_detected(demo_log) -> None:
    signer = ledger_signer()
    root = merkle.leaf_hash(b"the future")
    Checkpoint.objects.create(
        tree_size=20, root_hash=root, note=signer.sign(checkpoint_text(signer.name, 20, root))
    )
    output, error = run_audit("--skip-blobs")
    assert_fails(output, error)
    [line] = finding_lines(output, "checkpoint_beyond_log")
    assert "signs 20 leaves but the ledger has only 8" in line


def test_checkpoint_columns_must_match_the_signed_note(demo_log) -> None:
    signer = ledger_signer()
    cp1 = demo_log["cp1"]
    Checkpoint.objects.create(
        tree_size=cp1.tree_size,
        root_hash=merkle.leaf_hash(b"not the signed root"),
        note=signer.sign(checkpoint_text(signer.name, cp1.tree_size, bytes(cp1.root_hash))),
    )
    output, error = run_audit("--skip-blobs")
    assert_fails(output, error)
    [line] = finding_lines(output, "checkpoint_columns")
    assert f"the signed note says size {cp1.tree_size}, root {cp1.root_hex}" in line


# --- Helpers -------------------------------------------------------------------------------


def test_the_number_pattern_reads_back_year_and_sequence(settings) -> None:
    pattern = audit._number_pattern(settings.EVIDENCE_NUMBER_FORMAT)
    match = pattern.fullmatch(settings.EVIDENCE_NUMBER_FORMAT.format(year=2026, seq=42))
    assert (match["year"], match["seq"]) == ("2026", "000042")
    assert audit._number_pattern("EV-{seq}") is None  # no year: gaps cannot be checked
    assert audit._number_pattern("{year}-{seq}-{other}") is None
