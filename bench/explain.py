"""The query plans behind the benchmarked pages (issue 9 part 3): ``EXPLAIN (ANALYZE,
BUFFERS)`` of the slowest statements each page runs, for the roles of ``bench/run.py``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhangzhou_ip_bench \\
        .venv/bin/python bench/explain.py --label after

Each page is requested once in this process through Django's test client (logged in as the
demo ``mediator``, ``partner`` and ``admin``; the page is requested twice and the second,
warm request is the one captured), every statement is recorded, and the ``--top`` slowest
SELECTs are run again under ``EXPLAIN (ANALYZE, BUFFERS)``. Written to
``bench/results/explain-<date>-<label>.md`` next to the run's results. Read-only apart from
what opening a page writes (sessions, the custody log of an evidence record).
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from bench.pages import EVIDENCE_SEARCH_TERMS, FILTERED, ROLES, SEARCH_TERMS  # noqa: E402

#: (name, path, roles) — the pages of ``bench/run.py`` whose plans matter (lists and search).
PAGES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("case_list", "/cases/", ROLES),
    ("case_list_filtered", "/cases/?" + FILTERED, ROLES),
    ("case_search", "/cases/?q=" + quote(SEARCH_TERMS["case_search"]), ROLES),
    ("case_search_2char", "/cases/?q=" + quote(SEARCH_TERMS["case_search_2char"]), ROLES),
    ("shared_inbox", "/cases/shared/", ("mediator", "partner")),
    ("evidence_list", "/evidence/", ROLES),
    *((name, "/evidence/?q=" + quote(term), ROLES) for name, term in EVIDENCE_SEARCH_TERMS.items()),
    ("api_case_list", "/api/v1/mediation-cases/", ROLES),
    ("api_evidence_list", "/api/v1/evidence-records/", ROLES),
)


def setup_django() -> None:
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-explain-not-secret")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("OTP_REQUIRED_FOR_SUPERUSERS", "0")
    # No collectstatic here: plain static storage instead of the manifest of production.
    os.environ.setdefault(
        "STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhangzhou_ip.settings")
    import django

    django.setup()


def captured(client: Any, path: str) -> tuple[int, list[dict[str, str]], float]:
    """(status, statements, ms) of the second request to ``path``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = {"HTTP_ACCEPT": "application/json"} if path.startswith("/api/") else {}
    client.get(path, **headers)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(path, **headers)
        ms = (time.perf_counter() - started) * 1000
    return response.status_code, list(queries.captured_queries), ms


_LONG_ARRAY = re.compile(r"\{(\d+(?:,\d+){20,})\}")


def shorten(text: str) -> str:
    """Id arrays (the visibility ids passed as one parameter) shortened for reading."""
    return _LONG_ARRAY.sub(lambda m: "{" + f"… {m.group(1).count(',') + 1:,} ids …" + "}", text)


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def section(name: str, role: str, path: str, top: int) -> list[str]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=role))
    status, queries, ms = captured(client, path)
    lines = [
        f"## {name} — {role}",
        "",
        f"`GET {path}` → {status}, {ms:.0f} ms in process, {len(queries)} statements.",
        "",
    ]
    selects = [q for q in queries if re.match(r"\s*(WITH|SELECT)\b", q["sql"], re.I)]
    slowest = sorted(selects, key=lambda q: float(q["time"]), reverse=True)[:top]
    for query in slowest:
        lines += [
            f"### {float(query['time']) * 1000:.1f} ms",
            "",
            "```sql",
            shorten(query["sql"]),
            "```",
            "",
            "```",
            shorten(explain(query["sql"])),
            "```",
            "",
        ]
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench/explain.py", description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="")
    parser.add_argument("--top", type=int, default=2, help="statements explained per page")
    parser.add_argument("--out", type=Path, default=BASE_DIR / "bench" / "results")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        parser.error("set DATABASE_URL to the PostgreSQL benchmark database")
    setup_django()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_mediationcase")
        (cases,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM evidence_evidencerecord")
        (records,) = cursor.fetchone()
    today = datetime.date.today().isoformat()
    lines = [
        f"# EXPLAIN of the benchmarked lists — {today} {args.label}",
        "",
        f"{cases:,} cases, {records:,} evidence records; the {args.top} slowest SELECTs of a warm "
        "request per page and role, with `EXPLAIN (ANALYZE, BUFFERS)`.",
        "",
    ]
    for name, path, roles in PAGES:
        for role in roles:
            print(f"{name} {role}", flush=True)
            lines += section(name, role, path, args.top)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"explain-{today}" + (f"-{args.label}" if args.label else "")
    target = args.out / f"{stem}.md"
    target.write_text("\n".join(lines) + "\n")
    print(f"written: {target}")


if __name__ == "__main__":
    main()
