"""Benchmark data at alliance scale: ``python manage.py generate_bench_data`` (issue 9 part 1).

It runs on top of the demo (``load_demo``: member bureaus, the committee, courts, service
points, key enterprises, users) and *adds* rows — by default 100,000 mediation cases and
1,000,000 益企证 evidence records over 2022 to today — so the lists, details, statistics and
API can be measured at the size a national alliance reaches (``bench/README.md``).

What it writes, and how it stays what the services would have written:

* **Directory** — a few thousand enterprises (checksum-valid USCCs, ``alliance.demo.make_uscc``),
  some of them key enterprises under a Zhangzhou service point, with patents (valid check
  digits), trademarks and copyrights; mediators and a clerk for every handling organisation
  and a clerk for every service point without staff (no usable password).
* **Evidence** — records of the key enterprises through their service points, in time order:
  numbered by ``evidence.services._allocate_numbers`` and appended to the ledger with
  ``evidence.ledger.append`` under the head lock, one transaction per batch, exactly as
  ``evidence.services.deposit_many`` does, with the leaves of ``evidence.leaves`` (a few are
  withdrawn, as ``services.withdraw`` would). Blobs are *rows only*: each has a SHA-256 and a
  size that the leaf commits to, but no stored content (a million files would be terabytes), so
  ``audit_ledger --skip-blobs`` verifies every leaf, number, node and checkpoint, while a full
  audit reports the bench blobs as missing and their downloads fail.
* **Cases** — received on working days from the first year to ``as_of`` (growing year on year,
  quiet at the Spring Festival), at the committee, the protection centres and the member
  bureaus (from the day they joined). Each case's story is drawn (declined, withdrawn, failed,
  settled, closed) and cut at ``as_of``, so statuses, dates, sessions, agreements, assignments
  and timeline events agree with each other and with the check constraints; old cases are
  finished, recent ones open. Numbers continue each organisation's ``CaseNumberCounter`` per
  year (``services.format_case_number`` with the organisation's template) and the counters are
  set, so later submissions continue gaplessly. Parties are enterprises and natural persons
  (valid resident IDs); ``is_cross_region`` is computed as ``services`` computes it. Added:
  shares with the member bureaus of parties' cities, collaboration requests (about cases, which
  share them, and between bureaus), judicial confirmations at the competent Fujian courts,
  records cited in cases, and protection actions citing earlier records.

Rows are written in batches with ``COPY`` on PostgreSQL and ``executemany`` elsewhere, not with
``bulk_create``: ``bulk_create`` stamps ``auto_now_add`` columns (``created_at``) with the time
of the run, which would put every case of 2022 at the top of a list ordered by creation, and
``COPY`` is several times faster (the ledger writes its nodes the same way). Primary keys of
rows that others refer to are allocated from the table's maximum and the sequences reset at
the end. No history (simple_history) rows and no notifications are written.

Deterministic: one ``random.Random(seed)`` draws everything in a fixed order over rows read in
a fixed order, and dates are relative to ``as_of``, not the clock: the same seed on the same
database gives the same rows. Meant for PostgreSQL (``DATABASE_URL``); it works, slowly, on
SQLite. Running it again adds another set (the identifiers continue).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from collections.abc import Sequence

from django.core.cache import cache
from django.db import connection, models, transaction

from alliance.models import CollaborationRequest
from cases.benchdata.cases import _add_cases
from cases.benchdata.common import BenchConfig, BenchReport, Progress, _Days
from cases.benchdata.directory import _add_directory
from cases.benchdata.evidence import _add_evidence
from cases.benchdata.world import _World
from cases.models import MediationCase, Party
from evidence.models import EvidenceRecord

__all__ = ["BenchConfig", "BenchReport", "Progress", "digest", "generate"]


# ---------------------------------------------------------------------------------------------
# The whole run
# ---------------------------------------------------------------------------------------------


def generate(config: BenchConfig, progress: Progress | None = None) -> BenchReport:
    """Add the benchmark data of ``config`` to the database; returns counts and seconds."""
    say = progress or (lambda _message: None)
    report = BenchReport()
    rng = random.Random(config.seed)
    started = time.perf_counter()

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        report.seconds[name] = round(now - since, 1)
        say(f"{name}: {now - since:.1f} s")
        return now

    last = config.end()
    first = dt.date(config.first_year, 1, 1)
    if first > last:
        raise ValueError(f"the first year {config.first_year} lies after {last}")
    days = _Days(first, last)
    world = _World(config, days)
    with transaction.atomic():
        _add_directory(world, rng, report)
    mark = lap("directory", started)
    evidence = _add_evidence(world, rng, report, say)
    mark = lap("evidence", mark)
    _add_cases(world, rng, evidence, report, say)
    mark = lap("cases", mark)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        mark = lap("analyze", mark)
    # COPY sends no signals: drop every cached result computed from the old rows (the
    # statistics cache among them).
    cache.clear()
    report.seconds["total"] = round(time.perf_counter() - started, 1)
    return report


def digest(columns: dict[type[models.Model], Sequence[str]] | None = None) -> str:
    """A SHA-256 over a few columns of the generated tables in a stable order (tests use it
    to show that the same seed gives the same data)."""
    columns = columns or {
        MediationCase: ["number", "title", "status", "received_on", "closed_on", "claim_amount"],
        Party: ["name", "id_number", "role"],
        EvidenceRecord: ["number", "title", "blob_id", "deposited_at", "salt"],
        CollaborationRequest: ["subject", "status", "sent_on"],
    }
    hasher = hashlib.sha256()
    for model, names in columns.items():
        for row in model.objects.order_by(*names).values_list(*names):
            hasher.update(repr(row).encode())
    return hasher.hexdigest()
