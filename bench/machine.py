"""What a run says of where it ran: the PostgreSQL server (version, the settings that change
plans, the size of the data) and two yardsticks of the machine's speed, one in Python and one
in the server, so that runs on different machines can be told apart (decision 0020 §34).
Printed by ``machine_line`` under each report's heading; tested in
``tests/bench/test_run.py``."""

from __future__ import annotations

import time
from typing import Any

from bench.server import connect_params

#: PostgreSQL settings that change plans or their cost, recorded with each run: the same rows
#: on the same data can only be compared under the same settings (decision 0020 §34).
SERVER_SETTINGS = (
    "shared_buffers",
    "work_mem",
    "effective_cache_size",
    "random_page_cost",
    "jit",
    "max_parallel_workers_per_gather",
)


def cpu_yardstick(additions: int = 10_000_000) -> float:
    """Seconds this machine's Python takes to add ``additions`` integers in a loop at module
    level (names in a dict, as the hand-run ``python3 -c`` loop the bench notes quote: 2.1 s,
    0.83 s, 0.57 s, 0.63 s on four machines), so that runs on different machines can be told
    apart. A rough gauge: on the 0.63 s machine the pages were ~1.5 times slower than on the
    0.57 s one (bench/README, 2026-12-05 evening)."""
    namespace: dict[str, int] = {"total": 0}
    loop = compile(f"for i in range({int(additions)}):\n    total += i\n", "<yardstick>", "exec")
    start = time.perf_counter()
    exec(loop, namespace)  # a fixed loop of our own, not input
    return time.perf_counter() - start


def database_facts(url: str) -> dict[str, Any]:
    """PostgreSQL's version, its ``SERVER_SETTINGS`` and the size of what is measured
    (read-only)."""
    import psycopg

    with psycopg.connect(**connect_params(url)) as db:
        facts: dict[str, Any] = {"postgresql": db.execute("SHOW server_version").fetchone()[0]}
        facts["settings"] = {
            name: db.execute(f"SHOW {name}").fetchone()[0] for name in SERVER_SETTINGS
        }
        # the server's own yardstick: a fixed statement that reads no table (best of three;
        # without JIT, which would add its compile time depending on the settings above)
        db.execute("SET jit = off")
        timings = []
        for _ in range(3):
            start = time.perf_counter()
            db.execute("SELECT sum(i) FROM generate_series(1, 3000000) AS i").fetchone()
            timings.append(time.perf_counter() - start)
        facts["postgresql_yardstick_ms"] = round(min(timings) * 1000, 1)
        for table in ("cases_mediationcase", "evidence_evidencerecord", "cases_party"):
            facts[f"rows_{table}"] = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        facts["size"] = db.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database()))"
        ).fetchone()[0]
    return facts


def machine_line(machine: dict[str, Any]) -> str:
    """The machine's speed and the server's settings, as far as the run recorded them (runs
    before 2026-12-05 did not)."""
    parts = []
    if "cpu_yardstick_s" in machine:
        parts.append(f"10⁷ Python additions: {machine['cpu_yardstick_s']:.2f} s")
    if "postgresql_yardstick_ms" in machine:
        parts.append(f"PostgreSQL sums 3·10⁶ integers in {machine['postgresql_yardstick_ms']:g} ms")
    settings = machine.get("settings") or {}
    if settings:
        parts.append(
            "PostgreSQL " + ", ".join(f"{name} {value}" for name, value in settings.items())
        )
    return ("; ".join(parts) + ".") if parts else "Machine speed and server settings: not recorded."
