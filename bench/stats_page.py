"""Benchmark: the statistics page and API on a large database (issue 7 part 7).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhangzhou_ip_bench \\
        .venv/bin/python bench/stats_page.py [--year 2025] [--requests 50] [--users admin …]

Runs in process through Django's test client (the whole middleware and template stack, no
HTTP server), on the data of ``load_demo`` + ``generate_bench_data``. For each user and
endpoint (``/stats/?year=…``, ``/api/v1/stats/?year=…``): one cold request after invalidating
the statistics cache (its time and SQL queries), three warm-up requests, then ``--requests``
timed warm GETs; reports milliseconds and the figures' sizes (cases received, evidence
records). Goal: page p95 ≤ 300 ms at 100k cases on PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/zhangzhou_ip_bench"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--users", nargs="+", default=["admin", "mediator", "partner"])
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhangzhou_ip.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from cases.models import MediationCase
    from evidence.models import EvidenceRecord

    print(
        f"database: {connection.vendor}; cases {MediationCase.objects.count():,}; "
        f"evidence records {EvidenceRecord.objects.count():,}; year {args.year}"
    )
    from zhangzhou_ip.stats.cache import invalidate

    print(
        "| user | endpoint | cold ms | cold queries | warm p50 ms | warm p95 ms | warm max ms "
        "| cases received | records |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in args.users:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(get_user_model().objects.get(username=name))
        for label, url in (("page", "/stats/"), ("api", "/api/v1/stats/")):
            query = {"year": str(args.year)}
            invalidate()  # cold: computed from the database
            queries: list[str] = []

            def count(execute, sql, params, many, context, queries=queries):
                queries.append(sql)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(count):
                start = time.perf_counter()
                client.get(url, query)
                cold = (time.perf_counter() - start) * 1000
            for _ in range(3):
                response = client.get(url, query)
                assert response.status_code == 200, (url, response.status_code)
            times = []
            for _ in range(args.requests):
                start = time.perf_counter()
                client.get(url, query)
                times.append((time.perf_counter() - start) * 1000)
            data = client.get("/api/v1/stats/", query).json()
            print(
                f"| {name} | {label} | {cold:.0f} | {len(queries)} | "
                f"{statistics.median(times):.0f} | {percentile(times, 95):.0f} | "
                f"{max(times):.0f} | {data['cases_received']:,} | {data['evidence_records']:,} |"
            )


if __name__ == "__main__":
    main()
