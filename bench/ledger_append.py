"""Benchmark: one million ledger appends on PostgreSQL, then proof generation at that size
(issue 6, part 12).

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE zhangzhou_ip_bench"   # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhangzhou_ip_bench \\
        .venv/bin/python bench/ledger_append.py [--leaves 1000000] [--batch 10000] [--reset]

The script migrates the database, then appends ``--leaves`` leaf inputs shaped like real
deposit leaves (about 300 bytes) through ``evidence.ledger.append`` in batches of ``--batch``
per transaction (each takes the head lock, reads the frontier, writes the leaf and every
completed perfect node, and moves the head), and reports appends per second (goal ≥ 5,000/s).
Leaf inputs are built before each timed transaction, so only the ledger is measured.

Then ``--singles`` more leaves are appended one per transaction, as each deposit does, to show
the per-deposit cost of the ledger at that size.

It then times, for 1,000 random leaves, an inclusion proof for the leaf plus a consistency
proof from a random earlier size to the full tree — the work behind a receipt and a monitor's
check — and reports mean and p95 per pair (goal ≤ 5 ms). Every proof is verified against the
root afterwards (untimed). Use a dedicated database: ``--reset`` empties its ledger tables.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/zhangzhou_ip_bench"
LEDGER_TABLES = ["evidence_ledgernode", "evidence_ledgerhead", "evidence_checkpoint"]


def setup(database_url: str) -> None:
    sys.path.insert(0, str(BASE_DIR))
    os.environ["DJANGO_SETTINGS_MODULE"] = "zhangzhou_ip.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def leaf_input(i: int) -> bytes:
    """Shaped like ``evidence.leaves.record_leaf`` output (same lines, same lengths)."""
    sha = hashlib.sha256(i.to_bytes(8, "big")).hexdigest()
    return (
        "yiqizheng/leaf/v1\ntype deposit\n"
        f"number 益企证〔2026〕第{i + 1:07d}号\nkind file\nsha256 {sha}\nsize {1000 + i}\n"
        f"time 2026-01-01T00:00:00.{i % 1000000:06d}Z\nmeta {sha[::-1]}\n"
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--singles", type=int, default=1_000)
    parser.add_argument("--proofs", type=int, default=1_000)
    parser.add_argument("--reset", action="store_true", help="empty the ledger tables first")
    args = parser.parse_args()

    setup(os.environ.get("DATABASE_URL", DEFAULT_URL))
    from django.core.management import call_command
    from django.db import connection, transaction

    from evidence import ledger
    from evidence.tlog import merkle

    if connection.vendor != "postgresql":
        raise SystemExit("This benchmark is for PostgreSQL: set DATABASE_URL=postgres://…")
    call_command("migrate", verbosity=0)
    if args.reset:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(LEDGER_TABLES)}")
    if ledger.current_size():
        raise SystemExit(f"the ledger already has {ledger.current_size()} leaves; use --reset")
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(cursor.fetchone()[0])
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()}")

    batch_times = []
    started = time.perf_counter()
    for first in range(0, args.leaves, args.batch):
        inputs = [leaf_input(i) for i in range(first, min(first + args.batch, args.leaves))]
        t0 = time.perf_counter()
        with transaction.atomic():
            assert ledger.append(inputs) == first
        batch_times.append(time.perf_counter() - t0)
        done = first + len(inputs)
        if done % 100_000 == 0:
            rate = done / sum(batch_times)
            print(f"  {done:>9,} leaves, {rate:,.0f} appends/s so far")
    appending = sum(batch_times)
    size = ledger.current_size()
    print(
        f"appended {size:,} leaves in {appending:.1f} s of transactions "
        f"({time.perf_counter() - started:.1f} s wall with leaf generation): "
        f"{size / appending:,.0f} appends/s (goal ≥ 5,000/s); per batch of {args.batch:,}: "
        f"median {statistics.median(batch_times):.2f} s, max {max(batch_times):.2f} s"
    )

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE evidence_ledgernode")  # what autovacuum does after bulk loads

    if args.singles:
        first = ledger.current_size()
        inputs = [leaf_input(i) for i in range(first, first + args.singles)]
        t0 = time.perf_counter()
        for data in inputs:
            with transaction.atomic():
                ledger.append([data])
        elapsed = time.perf_counter() - t0
        print(
            f"{args.singles:,} single-leaf appends (one transaction each, as a deposit) at "
            f"{first:,} leaves: {args.singles / elapsed:,.0f} appends/s, "
            f"{elapsed / args.singles * 1000:.2f} ms each"
        )

    rng = random.Random(6)
    root = ledger.root(size)
    pairs, timings = [], []
    for _ in range(args.proofs):
        index, old = rng.randrange(size), rng.randrange(1, size)
        t0 = time.perf_counter()
        inclusion = ledger.inclusion_proof(index, size)
        consistency = ledger.consistency_proof(old, size)
        timings.append(time.perf_counter() - t0)
        pairs.append((index, old, inclusion, consistency))
    for index, old, inclusion, consistency in pairs:
        merkle.verify_inclusion(index, size, merkle.leaf_hash(leaf_input(index)), inclusion, root)
        merkle.verify_consistency(old, size, ledger.root(old), root, consistency)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"inclusion + consistency proof at {size:,} leaves over {len(timings)} random leaves: "
        f"mean {statistics.mean(timings) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms, "
        f"max {timings[-1] * 1000:.2f} ms (goal ≤ 5 ms); all verified"
    )


if __name__ == "__main__":
    main()
