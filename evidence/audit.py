"""The ledger audit: recompute everything the ledger claims from the rows and the stored content.

``audit_ledger`` trusts nothing that was written by the append path. It

1. reads every record and withdrawal in ledger order (batched, so it scales to millions) and
   checks the indices are exactly ``0 .. size-1``; a missing index is a removed row, and a gap
   in the gapless record numbers names the removed record;
2. recomputes each leaf input from its row (``evidence.leaves``) and compares its hash with the
   stored level-0 node, so a changed row is named by its record number;
3. optionally streams every stored blob through SHA-256 and compares hash and size, naming
   every record with that content when a byte changed or the blob is gone;
4. rebuilds the Merkle tree in memory from the *recomputed* leaves and compares every stored
   node of level 1 and above, and the head size;
5. checks every checkpoint in tree-size order: signature (published key, origin = key name),
   the row's columns against the signed note, the signed root against the rebuilt tree at that
   size, and the consistency proof from the previous good checkpoint.

It reads a single snapshot (a read-only REPEATABLE READ transaction on PostgreSQL), so deposits
may continue while it runs. Memory: the rebuilt ``MemoryTree`` keeps every perfect node, about
420 MiB at one million leaves.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import itertools
import re
import string
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from evidence import leaves
from evidence.keys import ledger_verifier
from evidence.models import (
    Checkpoint,
    EvidenceBlob,
    EvidenceNumberCounter,
    EvidenceRecord,
    EvidenceWithdrawal,
    LedgerHead,
    LedgerNode,
    blob_storage_name,
)
from evidence.services import evidence_storage
from evidence.tlog import merkle
from evidence.tlog.leaf import LeafError
from evidence.tlog.note import NoteError, open_checkpoint

BATCH = 2000
"""Rows per database round trip (``iterator(chunk_size=...)``) and leaves per tree append."""
BLOB_CHUNK = 1024 * 1024
PROGRESS_EVERY = 100_000
MAX_FINDINGS_PER_KIND = 1000
"""A wrecked log would otherwise print millions of lines; the rest are counted in one line."""

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``, called every :data:`PROGRESS_EVERY` items of a stage."""


@dataclass(frozen=True)
class Finding:
    """One discrepancy: ``kind`` is a stable code, ``subject`` names the record or object."""

    kind: str
    subject: str
    message: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.subject}: {self.message}"


@dataclass
class AuditReport:
    findings: list[Finding] = field(default_factory=list)
    tree_size: int = 0
    leaves: int = 0
    records: int = 0
    withdrawals: int = 0
    blobs: int = 0
    blobs_checked: bool = True
    nodes: int = 0
    checkpoints: int = 0
    root_hex: str = merkle.EMPTY_ROOT.hex()

    @property
    def ok(self) -> bool:
        return not self.findings


def audit_ledger(*, check_blobs: bool = True, progress: Progress | None = None) -> AuditReport:
    """Audit the whole ledger; see the module docstring. Never writes anything."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            # One consistent snapshot for every query, however long the audit takes.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return _Audit(check_blobs=check_blobs, progress=progress).run()


class _Peekable:
    """An iterator whose next item can be looked at without taking it."""

    _END = object()

    def __init__(self, items: Iterable[Any]) -> None:
        self._items = iter(items)
        self._next: Any = next(self._items, self._END)

    def peek(self) -> Any:
        return None if self._next is self._END else self._next

    def take(self) -> Any:
        item = self._next
        self._next = next(self._items, self._END)
        return item

    def rest(self) -> Iterator[Any]:
        while self._next is not self._END:
            yield self.take()


def _number_pattern(number_format: str) -> re.Pattern[str] | None:
    """A regex reading year and sequence back from a record number (None if the format has
    other fields): numbers are gapless per year, so a gap names a removed record."""
    parts = []
    names = set()
    for literal, name, _spec, _conversion in string.Formatter().parse(number_format):
        parts.append(re.escape(literal))
        if name is None:
            continue
        if name not in {"year", "seq"} or name in names:
            return None
        names.add(name)
        parts.append(rf"(?P<{name}>[0-9]+)")
    return re.compile("".join(parts)) if names == {"year", "seq"} else None


def _leaf_range(level: int, index: int) -> str:
    first, last = index << level, ((index + 1) << level) - 1
    return f"leaf {first}" if first == last else f"leaves {first}-{last}"


class _Audit:
    def __init__(self, *, check_blobs: bool, progress: Progress | None) -> None:
        self.check_blobs = check_blobs
        self.progress = progress
        self.report = AuditReport(blobs_checked=check_blobs)
        self.tree = merkle.MemoryTree()
        self.bad_leaves: list[int] = []  # sorted: leaves already reported (row removed/changed)
        self._per_kind: Counter[str] = Counter()
        self._number_pattern = _number_pattern(settings.EVIDENCE_NUMBER_FORMAT)
        self._last_seq: dict[int, int] = {}

    # --- bookkeeping --------------------------------------------------------------------

    def find(self, kind: str, subject: str, message: str) -> None:
        self._per_kind[kind] += 1
        if self._per_kind[kind] <= MAX_FINDINGS_PER_KIND:
            self.report.findings.append(Finding(kind, subject, message))

    def tick(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None and done % PROGRESS_EVERY == 0:
            self.progress(stage, done, total)

    def run(self) -> AuditReport:
        head = LedgerHead.objects.filter(pk=1).values_list("size", flat=True).first()
        self.report.tree_size = size = head or 0
        self.check_leaves(size)
        self.check_numbers_complete()
        if self.check_blobs:
            self.check_stored_blobs()
        self.check_nodes(size)
        self.report.root_hex = self.tree.root().hex()
        self.check_checkpoints()
        for kind, count in sorted(self._per_kind.items()):
            if count > MAX_FINDINGS_PER_KIND:
                self.report.findings.append(
                    Finding(kind, "…", f"{count - MAX_FINDINGS_PER_KIND} more not listed")
                )
        return self.report

    # --- 1 and 2: rows -> leaves ----------------------------------------------------------

    def _entries(self) -> Iterator[tuple[int, list[EvidenceRecord | EvidenceWithdrawal]]]:
        """Records and withdrawals merged in ledger order, grouped by index."""
        records = (
            EvidenceRecord.objects.select_related("blob", "corrects")
            .order_by("ledger_index")
            .iterator(chunk_size=BATCH)
        )
        withdrawals = (
            EvidenceWithdrawal.objects.select_related("record")
            .order_by("ledger_index")
            .iterator(chunk_size=BATCH)
        )
        merged = heapq.merge(records, withdrawals, key=lambda row: row.ledger_index)
        for index, group in itertools.groupby(merged, key=lambda row: row.ledger_index):
            yield index, list(group)

    @staticmethod
    def _describe(row: EvidenceRecord | EvidenceWithdrawal) -> str:
        if isinstance(row, EvidenceWithdrawal):
            return f"withdrawal of {row.record.number}"
        return f"record {row.number}"

    def check_leaves(self, size: int) -> None:
        stored_leaves = _Peekable(
            LedgerNode.objects.filter(level=0)
            .order_by("index")
            .values_list("index", "hash")
            .iterator(chunk_size=BATCH)
        )
        pending: list[bytes] = []
        next_index = 0

        def stored_leaf(index: int) -> bytes | None:
            while (item := stored_leaves.peek()) is not None and item[0] < index:
                stored_leaves.take()  # cannot happen: (level, index) is unique
            item = stored_leaves.peek()
            if item is not None and item[0] == index:
                return bytes(stored_leaves.take()[1])
            return None

        def add(index: int, value: bytes) -> None:
            pending.append(value)
            if len(pending) >= BATCH:
                self.tree.extend_hashes(pending)
                pending.clear()
            self.tick("leaves", index + 1, size)

        def missing(index: int) -> None:
            self.find(
                "missing_leaf",
                f"leaf {index}",
                f"leaf {index} has no record or withdrawal (a row was removed)",
            )
            self.bad_leaves.append(index)
            stored = stored_leaf(index)
            # Keep the stored hash in its place so the rest of the tree can still be checked.
            add(index, stored if stored is not None else merkle.leaf_hash(b""))

        for index, rows in self._entries():
            for row in rows:
                self._count(row)
            if index < 0 or index >= size:
                for row in rows:
                    self.find(
                        "beyond_log",
                        self._describe(row),
                        f"has ledger index {index}, outside the ledger of {size} leaves",
                    )
                continue
            while next_index < index:
                missing(next_index)
                next_index += 1
            row = rows[0]
            if len(rows) > 1:
                others = ", ".join(self._describe(other) for other in rows[1:])
                self.find(
                    "duplicate_leaf",
                    self._describe(row),
                    f"leaf {index} is claimed by {self._describe(row)} and by {others}",
                )
            self.report.leaves += 1
            add(index, self._check_leaf(index, row, stored_leaf(index)))
            next_index = index + 1
        while next_index < size:
            missing(next_index)
            next_index += 1
        if pending:
            self.tree.extend_hashes(pending)
        for index, _value in stored_leaves.rest():
            self.find(
                "extra_node",
                f"leaf {index}",
                f"a stored leaf hash exists at index {index}, beyond the ledger of {size} leaves",
            )

    def _count(self, row: EvidenceRecord | EvidenceWithdrawal) -> None:
        if isinstance(row, EvidenceWithdrawal):
            self.report.withdrawals += 1
            return
        self.report.records += 1
        self._check_number(row.number)
        if row.size != row.blob.size:
            self.find(
                "size_mismatch",
                f"record {row.number}",
                f"the record says {row.size} bytes but its content row says {row.blob.size}",
            )

    def _check_leaf(
        self, index: int, row: EvidenceRecord | EvidenceWithdrawal, stored: bytes | None
    ) -> bytes:
        """Recompute the leaf of ``row``; report a mismatch; return the hash to rebuild with."""
        subject = self._describe(row)
        try:
            if isinstance(row, EvidenceWithdrawal):
                data = leaves.withdrawal_leaf(row, row.record.number)
            else:
                data = leaves.stored_record_leaf(row)
        except (LeafError, ValueError) as exc:
            self.find("bad_row", subject, f"its leaf cannot be encoded: {exc}")
            self.bad_leaves.append(index)
            return stored if stored is not None else merkle.leaf_hash(b"")
        value = merkle.leaf_hash(data)
        if stored is not None:
            self.report.nodes += 1
        if stored is None:
            self.find("missing_node", subject, f"no stored leaf hash at ledger index {index}")
            self.bad_leaves.append(index)
        elif stored != value:
            self.find(
                "leaf_mismatch",
                subject,
                f"the row no longer matches its ledger leaf {index}: it was changed after "
                "the deposit",
            )
            self.bad_leaves.append(index)
        return value

    def _check_number(self, number: str) -> None:
        if self._number_pattern is None:
            return
        match = self._number_pattern.fullmatch(number)
        if match is None:
            return
        year, seq = int(match["year"]), int(match["seq"])
        last = self._last_seq.get(year, 0)
        self._report_missing_numbers(year, last + 1, seq)
        self._last_seq[year] = max(last, seq)

    def _report_missing_numbers(self, year: int, first: int, end: int) -> None:
        for seq in range(first, end):
            number = settings.EVIDENCE_NUMBER_FORMAT.format(year=year, seq=seq)
            self.find(
                "missing_record",
                f"record {number}",
                "no such row, but record numbers are allocated without gaps: it was removed",
            )

    def check_numbers_complete(self) -> None:
        """The last numbers of each year, which no later record reveals."""
        if self._number_pattern is None:
            return
        for year, last_value in EvidenceNumberCounter.objects.values_list("year", "last_value"):
            last = self._last_seq.get(year, 0)
            self._report_missing_numbers(year, last + 1, last_value + 1)

    # --- 3: stored content -----------------------------------------------------------------

    def check_stored_blobs(self) -> None:
        storage = evidence_storage()
        total = EvidenceBlob.objects.count()
        blobs = EvidenceBlob.objects.order_by("pk").values_list("sha256", "size")
        for done, (sha256, size) in enumerate(blobs.iterator(chunk_size=BATCH), start=1):
            self.report.blobs += 1
            try:
                digest, actual = self._hash_blob(storage, blob_storage_name(sha256))
            except FileNotFoundError:
                self._blob_finding("blob_missing", sha256, "the stored content is missing")
            except OSError as exc:
                self._blob_finding("blob_missing", sha256, f"the content cannot be read: {exc}")
            else:
                if digest != sha256:
                    self._blob_finding(
                        "blob_changed",
                        sha256,
                        f"the stored content was changed: its SHA-256 is now {digest}",
                    )
                elif actual != size:
                    self._blob_finding(
                        "blob_size", sha256, f"the content has {actual} bytes, the row says {size}"
                    )
            self.tick("blobs", done, total)

    @staticmethod
    def _hash_blob(storage, name: str) -> tuple[str, int]:
        digest = hashlib.sha256()
        size = 0
        with storage.open(name, "rb") as handle:
            while chunk := handle.read(BLOB_CHUNK):
                digest.update(chunk)
                size += len(chunk)
        return digest.hexdigest(), size

    def _blob_finding(self, kind: str, sha256: str, message: str) -> None:
        numbers = list(
            EvidenceRecord.objects.filter(blob_id=sha256)
            .order_by("ledger_index")
            .values_list("number", flat=True)
        )
        subject = "records " + ", ".join(numbers) if numbers else f"blob {sha256}"
        self.find(kind, subject, f"{message} (content {sha256})")

    # --- 4: stored nodes against the rebuilt tree ----------------------------------------

    def _covers_bad_leaf(self, level: int, index: int) -> bool:
        position = bisect.bisect_left(self.bad_leaves, index << level)
        return position < len(self.bad_leaves) and self.bad_leaves[position] < (index + 1) << level

    def check_nodes(self, size: int) -> None:
        self.bad_leaves.sort()
        expected_total = size - size.bit_count()  # perfect nodes of level >= 1
        next_index: dict[int, int] = {}
        done = 0
        nodes = (
            LedgerNode.objects.filter(level__gte=1)
            .order_by("level", "index")
            .values_list("level", "index", "hash")
            .iterator(chunk_size=BATCH)
        )
        for level, index, value in nodes:
            done += 1
            self.tick("nodes", done, expected_total)
            if index >= size >> level or index < 0:
                self.find(
                    "extra_node",
                    f"node {level}/{index}",
                    f"a stored node over {_leaf_range(level, index)} lies beyond the ledger "
                    f"of {size} leaves",
                )
                continue
            self._missing_nodes(level, next_index.get(level, 0), index)
            next_index[level] = index + 1
            self.report.nodes += 1
            if bytes(value) != self.tree.node(level, index) and not self._covers_bad_leaf(
                level, index
            ):
                # Nodes above an already reported leaf differ as a consequence; not repeated.
                self.find(
                    "node_mismatch",
                    f"node {level}/{index}",
                    f"the stored hash over {_leaf_range(level, index)} differs from the tree "
                    "rebuilt from the records",
                )
        for level in range(1, size.bit_length()):
            self._missing_nodes(level, next_index.get(level, 0), size >> level)

    def _missing_nodes(self, level: int, first: int, end: int) -> None:
        for index in range(first, end):
            self.find(
                "missing_node",
                f"node {level}/{index}",
                f"the stored node over {_leaf_range(level, index)} is missing",
            )

    # --- 5: checkpoints --------------------------------------------------------------------

    def check_checkpoints(self) -> None:
        verifier = ledger_verifier()
        previous: tuple[int, bytes] | None = None
        checkpoints = Checkpoint.objects.order_by("tree_size", "pk")
        total = checkpoints.count()
        for done, checkpoint in enumerate(checkpoints.iterator(chunk_size=BATCH), start=1):
            self.report.checkpoints += 1
            self.tick("checkpoints", done, total)
            subject = (
                f"checkpoint {checkpoint.pk} (size {checkpoint.tree_size}, signed "
                f"{checkpoint.created_at:%Y-%m-%d %H:%M})"
            )
            try:
                signed = open_checkpoint(checkpoint.note, verifier, verifier.name)
            except NoteError as exc:
                self.find(
                    "checkpoint_signature", subject, f"the signed note does not verify: {exc}"
                )
                continue
            if signed.size != checkpoint.tree_size or signed.root != bytes(checkpoint.root_hash):
                self.find(
                    "checkpoint_columns",
                    subject,
                    f"the row says size {checkpoint.tree_size}, root "
                    f"{bytes(checkpoint.root_hash).hex()}, but the signed note says size "
                    f"{signed.size}, root {signed.root.hex()}",
                )
            if signed.size > self.tree.size:
                self.find(
                    "checkpoint_beyond_log",
                    subject,
                    f"signs {signed.size} leaves but the ledger has only {self.tree.size}",
                )
                continue
            rebuilt = self.tree.root(signed.size)
            if signed.root != rebuilt:
                self.find(
                    "checkpoint_root",
                    subject,
                    f"the signed root {signed.root.hex()} differs from the root "
                    f"{rebuilt.hex()} rebuilt from the records at that size: records in its "
                    "range were changed, or the log signed an inconsistent checkpoint",
                )
                continue
            if previous is not None:
                old_size, old_root = previous
                proof = (
                    self.tree.consistency_proof(old_size, signed.size)
                    if 0 < old_size < signed.size
                    else []
                )
                try:
                    merkle.verify_consistency(old_size, signed.size, old_root, signed.root, proof)
                except merkle.ProofError as exc:
                    self.find(
                        "checkpoint_consistency",
                        subject,
                        f"not consistent with the checkpoint of size {old_size}: {exc}",
                    )
                    continue
            previous = (signed.size, signed.root)
