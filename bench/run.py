"""Latency, queries and throughput of the main pages at alliance scale (issue 9 part 2).

    .venv/bin/python bench/run.py \\
        --database-url postgres://postgres@127.0.0.1:5432/zhangzhou_ip_bench --label before

Against a database that is already prepared (``migrate``, ``load_demo``,
``generate_bench_data``: 100k cases, 1M evidence records) and never changed by this script
beyond what using the app writes: logins (sessions, django-axes rows) and the custody events
that opening an evidence record writes. It collects static files into a throwaway directory,
starts ``gunicorn zhangzhou_ip.wsgi`` (``--workers``) on a free 127.0.0.1 port with the
production-like environment of ``bench.server.server_env`` (``DEBUG=0``, the statistics cache
as in production) plus ``QUERY_COUNT_HEADER=1`` (``zhangzhou_ip/core/query_count.py``: every
answer says how many SQL statements it ran) and ``OTP_REQUIRED_FOR_SUPERUSERS=0`` (the demo
admin has no TOTP device; the code page is once per login, not part of what is measured).

It logs in as the demo ``mediator``, ``partner`` and ``admin`` through the login form, finds
through the API the cases and records each may see, and then:

1. **single client** — for each role and endpoint (``ENDPOINTS``): ``--warmup`` requests, then
   ``--requests`` measured ones one after another, stopped early after
   ``--max-seconds-per-endpoint`` (the number made is reported); p50/p95/p99/mean/max,
   queries per request (min–max, from ``X-Query-Count``), SQL time (``Server-Timing``) and
   gunicorn's CPU per request; each against its target (``TARGETS``);
2. **throughput** — ``--clients`` concurrent clients (the three roles in turn, each drawing
   endpoints at random from its list) for ``--duration`` seconds, at most ``--max-requests``:
   requests/s and errors.

An error is any status other than 200 or a connection failure; examples are kept. Written to
``--out``/``run-<date>-<label>.json`` (with the machine: CPUs, load average before, during and
after, git revision, Python/Django/PostgreSQL versions, row counts) and ``.md``.
``--app-dir`` serves another source tree (e.g. an older revision exported with ``git
archive``) against the same database, for a before/after comparison.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from bench.common import (  # noqa: E402 (the repository root is added above)
    API,
    DEMO_PASSWORD,
    EndpointSummary,
    HttpSession,
    Recorder,
    markdown_table,
    summarize,
    timed,
)
from bench.machine import cpu_yardstick, database_facts, machine_line  # noqa: E402
from bench.pages import (  # noqa: E402
    DEEP_PAGE,
    EVIDENCE_SEARCH_TERMS,
    FILTERED,
    PAGE_SIZE,
    ROLES,
    SEARCH_TERMS,
    Endpoint,
    Knowledge,
    Measurement,
    Row,
    endpoints,
    measure,
    request_once,
    select,
    summarize_endpoint,
)
from bench.server import GunicornServer, LoadAverage, git_revision, server_env  # noqa: E402

# --- set-up: what each role sees ----------------------------------------------------------


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def discover(session: HttpSession, role: str, sample: int, deep_rows: int, deep: bool) -> Knowledge:
    """The first ``sample`` cases and records the role may see (through the API, as the role)
    and, with ``deep``, the API's path to the page after ``deep_rows`` rows: ``?page=`` when
    the API pages by number, else the cursor reached by following ``next`` links."""
    k = Knowledge(role)
    cases = session.get(f"/api/v1/mediation-cases/?page_size={sample}", API)
    records = session.get(f"/api/v1/evidence-records/?page_size={sample}", API)
    for answer in (cases, records):
        if answer.status != 200:
            raise RuntimeError(f"{role}: discovery answered {answer.status}: {answer.text()[:300]}")
    page = cases.json()
    k.case_ids = [case["id"] for case in page["results"]]
    k.record_ids = [record["id"] for record in records.json()["results"]]
    k.api_paging = "page" if "count" in page else "cursor"
    if deep:
        k.api_deep_path, k.api_deep_rows = deep_api_path(session, k.api_paging, deep_rows)
    return k


def with_param(path: str, name: str, value: str | None) -> str:
    """``path`` with query parameter ``name`` set to ``value`` (removed when None)."""
    parts = urlsplit(path)
    query = [(key, val) for key, val in parse_qsl(parts.query) if key != name]
    if value is not None:
        query.append((name, value))
    return parts.path + (f"?{urlencode(query)}" if query else "")


def deep_api_path(session: HttpSession, paging: str, rows: int) -> tuple[str, int]:
    """The API case list after ``rows`` rows, at its default page size."""
    if paging == "page":
        number = rows // PAGE_SIZE + 1
        return f"/api/v1/mediation-cases/?page={number}", (number - 1) * PAGE_SIZE
    path, remaining = "/api/v1/mediation-cases/", rows
    while remaining > 0:
        path = with_param(path, "page_size", str(min(100, remaining)))
        answer = session.get(path, API)
        if answer.status != 200:
            raise RuntimeError(f"walking the API cursor: {answer.status} at {path}")
        page = answer.json()
        remaining -= len(page["results"])
        if not page.get("next"):
            break
        path = _path_of(page["next"])
    return with_param(path, "page_size", None), rows - remaining


# --- the run ------------------------------------------------------------------------------


class AppServer(GunicornServer):
    """``GunicornServer`` serving the source tree ``app_dir`` (gunicorn ``--chdir`` puts it
    first on ``sys.path``, ahead of the editable install of this repository)."""

    def __init__(self, *args: Any, app_dir: Path, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app_dir = app_dir

    def command(self) -> list[str]:
        return [*super().command(), "--chdir", str(self.app_dir)]


def app_revision(app_dir: Path) -> str:
    if app_dir == BASE_DIR:
        return git_revision()
    marker = app_dir / "REVISION"
    return marker.read_text().strip() if marker.exists() else f"unknown ({app_dir})"


def collectstatic(env: dict[str, str], app_dir: Path) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=app_dir,
        env={**env, "PYTHONPATH": str(app_dir)},
        check=True,
        capture_output=True,
        text=True,
    )


def single_client(
    args: argparse.Namespace,
    sessions: dict[str, HttpSession],
    knowledge: dict[str, Knowledge],
    chosen: list[Endpoint],
    server: GunicornServer,
) -> list[Row]:
    rows: list[Row] = []
    for role in args.roles:
        k, session = knowledge[role], sessions[role]
        for endpoint in chosen:
            if not endpoint.usable(k):
                continue

            def send(
                i: int, endpoint: Endpoint = endpoint, k: Knowledge = k, s: HttpSession = session
            ) -> Measurement:
                return request_once(s, endpoint.path(k, i), endpoint.headers)

            cpu = server.cpu_seconds()
            measurements, seconds, early = measure(
                send, args.warmup, args.requests, args.max_seconds_per_endpoint
            )
            cpu = server.cpu_seconds() - cpu  # warm-up included: an estimate per request
            examples = [
                {"status": m.status, "error": m.error[:300]} for m in measurements if not m.ok
            ][:3]
            row = summarize_endpoint(
                endpoint.name, role, endpoint.kind, measurements, seconds, early, examples
            )
            row.server_cpu_ms = round(cpu * 1000 / max(1, len(measurements) + args.warmup), 1)
            rows.append(row)
            print(
                f"  {role:<8} {endpoint.name:<20} n={row.requests:<4} p50 {row.p50:7.1f} "
                f"p95 {row.p95:7.1f} ms  queries {_queries(row)}"
                + (f"  errors {row.errors}" if row.errors else ""),
                flush=True,
            )
    return rows


def throughput(
    args: argparse.Namespace,
    sessions: dict[str, HttpSession],
    knowledge: dict[str, Knowledge],
    chosen: list[Endpoint],
    server: GunicornServer,
) -> dict[str, Any]:
    recorder = Recorder(args.max_requests)
    start = threading.Event()
    rng = random.Random(args.seed)

    def client(index: int, seed: float) -> None:
        role = args.roles[index % len(args.roles)]
        k, session = knowledge[role], sessions[role].clone()
        mine = [endpoint for endpoint in chosen if endpoint.usable(k)]
        local = random.Random(seed)
        start.wait()
        while recorder.claim():
            endpoint = mine[local.randrange(len(mine))]
            path = endpoint.path(k, local.randrange(1_000_000))
            headers = endpoint.headers
            timed(
                recorder,
                endpoint.name,
                200,
                lambda path=path, headers=headers: session.get(path, headers),
            )
        session.close()

    threads = [
        threading.Thread(target=client, args=(index, rng.random()), daemon=True)
        for index in range(args.clients)
    ]
    for thread in threads:
        thread.start()
    cpu = server.cpu_seconds()
    t0 = time.perf_counter()
    start.set()
    try:
        while time.perf_counter() - t0 < args.duration and recorder.claimed < args.max_requests:
            time.sleep(0.2)
    finally:
        seconds = time.perf_counter() - t0
        recorder.stop()  # requests in flight finish and count: they started in the window
        for thread in threads:
            thread.join(timeout=60)
    cpu = server.cpu_seconds() - cpu
    rows = summarize(recorder.samples, seconds)
    return {
        "clients": args.clients,
        "roles": [args.roles[i % len(args.roles)] for i in range(args.clients)],
        "seconds": round(seconds, 2),
        "requests": len(recorder.samples),
        "requests_per_second": round(len(recorder.samples) / seconds, 1) if seconds else 0.0,
        "errors": sum(1 for sample in recorder.samples if not sample.ok),
        "hit_max_requests": recorder.claimed >= args.max_requests,
        "server_cpu_ms_per_request": round(cpu * 1000 / max(1, len(recorder.samples)), 1),
        "endpoints": [row.as_dict() for row in rows],
        "error_examples": {name: ex for name, ex in recorder.examples.items() if ex},
    }


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    env = server_env(
        workdir,
        args.database_url,
        OTP_REQUIRED_FOR_SUPERUSERS="0",
        QUERY_COUNT_HEADER="1",
        **dict(args.env),
    )
    facts = database_facts(args.database_url)
    print(
        f"database: {facts['rows_cases_mediationcase']:,} cases, "
        f"{facts['rows_evidence_evidencerecord']:,} evidence records ({facts['size']})",
        flush=True,
    )
    print("collectstatic …", flush=True)
    collectstatic(env, args.app_dir)
    chosen = select(endpoints(dict(args.search)), args.only)
    load_before = LoadAverage.now()
    with (
        LoadAverage() as load,
        AppServer(
            env, workdir / "gunicorn.log", workers=args.workers, timeout=120, app_dir=args.app_dir
        ) as server,
    ):
        print(f"gunicorn on 127.0.0.1:{server.port}, {args.workers} workers", flush=True)
        sessions: dict[str, HttpSession] = {}
        knowledge: dict[str, Knowledge] = {}
        logins: dict[str, float] = {}
        deep_roles = {role for e in chosen if e.needs == "deep" for role in e.roles}
        for role in args.roles:
            session = HttpSession(server.host, server.port, args.timeout)
            logins[role] = round(session.login(role, DEMO_PASSWORD).ms, 1)
            sessions[role] = session
            knowledge[role] = discover(
                session, role, args.sample, args.deep_rows, role in deep_roles
            )
            k = knowledge[role]
            print(
                f"{role}: {len(k.case_ids)} cases and {len(k.record_ids)} records to rotate "
                f"over; API pages by {k.api_paging}"
                + (f"; deep page after {k.api_deep_rows:,} rows" if k.api_deep_path else ""),
                flush=True,
            )
        print(f"single client: {args.warmup} warm-up + {args.requests} requests each", flush=True)
        rows = single_client(args, sessions, knowledge, chosen, server)
        tp: dict[str, Any] = {}
        if args.duration > 0 and args.clients > 0:
            print(f"throughput: {args.clients} clients for {args.duration:g} s …", flush=True)
            tp = throughput(args, sessions, knowledge, chosen, server)
            print(f"  {tp['requests_per_second']} requests/s, {tp['errors']} errors", flush=True)
        for session in sessions.values():
            session.close()
    return {
        "date": datetime.date.today().isoformat(),
        "label": args.label,
        "config": {
            "workers": args.workers,
            "warmup": args.warmup,
            "requests": args.requests,
            "max_seconds_per_endpoint": args.max_seconds_per_endpoint,
            "clients": args.clients,
            "duration_s": args.duration,
            "max_requests": args.max_requests,
            "roles": list(args.roles),
            "search_terms": {**SEARCH_TERMS, **EVIDENCE_SEARCH_TERMS, **dict(args.search)},
            "filtered": FILTERED,
            "deep_page": DEEP_PAGE,
            "app_dir": str(args.app_dir),
            "extra_env": sorted(name for name, _value in args.env),
        },
        "machine": {
            "cpus": load.summary()["cpus"],
            "load_average_before": load_before,
            "load_average_during": load.summary(),
            "load_average_after": LoadAverage.now(),
            "revision": app_revision(args.app_dir),
            "python": platform.python_version(),
            "django": metadata.version("django"),
            "gunicorn": metadata.version("gunicorn"),
            "cpu_yardstick_s": cpu_yardstick(),
            **facts,
        },
        "logins_ms": logins,
        "discovery": {
            role: {
                "cases": len(k.case_ids),
                "records": len(k.record_ids),
                "api_paging": k.api_paging,
                "api_deep_path": k.api_deep_path,
                "api_deep_rows": k.api_deep_rows,
            }
            for role, k in knowledge.items()
        },
        "single_client": [row.as_dict() for row in rows],
        "throughput": tp,
    }


# --- the report ---------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 10 else f"{value:,.0f}"


def _queries(row: Row) -> str:
    if row.queries_min is None or row.queries_max is None:
        return "?"
    if row.queries_min == row.queries_max:
        return str(row.queries_min)
    return f"{row.queries_min}–{row.queries_max}"


def results_table(rows: Sequence[Row]) -> str:
    """endpoint | role | requests | p50 | p95 | p99 | queries | target | met? — milliseconds
    as in ``bench.common.markdown_table``; a miss says what missed."""
    lines = [
        "| endpoint | role | requests | p50 ms | p95 ms | p99 ms | queries | target | met? |",
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for row in rows:
        requests = f"{row.requests:,}" + ("*" if row.stopped_early else "")
        verdict = "✔" if row.met else "✘ " + ", ".join(row.missed)
        lines.append(
            f"| {row.endpoint} | {row.role} | {requests} | {_ms(row.p50)} | {_ms(row.p95)} | "
            f"{_ms(row.p99)} | {_queries(row)} | {row.target} | {verdict} |"
        )
    return "\n".join(lines)


def report(result: dict[str, Any]) -> str:
    rows = [Row(**row) for row in result["single_client"]]
    config, machine = result["config"], result["machine"]
    during = machine["load_average_during"]
    met = sum(1 for row in rows if row.met)
    lines = [
        f"### bench/run.py — {result['date']} {result['label']} ({machine['revision']})",
        "",
        f"{machine['rows_cases_mediationcase']:,} cases, "
        f"{machine['rows_evidence_evidencerecord']:,} evidence records, PostgreSQL "
        f"{machine['postgresql']} ({machine['size']}); gunicorn {config['workers']} workers, "
        f"Python {machine['python']}, Django {machine['django']}, {machine['cpus']} CPUs; load "
        f"average {machine['load_average_before']:.1f} before, {during['min']:.1f}–"
        f"{during['max']:.1f} during (mean {during['mean']:.1f}), "
        f"{machine['load_average_after']:.1f} after.",
        "",
        machine_line(machine),
        "",
        f"Single client: {config['warmup']} warm-up requests, then up to {config['requests']} "
        f"per row (* = stopped after {config['max_seconds_per_endpoint']:g} s). Targets met: "
        f"{met} of {len(rows)}.",
        "",
        results_table(rows),
        "",
    ]
    for row in rows:
        for example in row.error_examples[:1]:
            lines.append(f"- errors on {row.endpoint} ({row.role}): {example['error'][:200]}")
    tp = result.get("throughput") or {}
    if tp:
        lines += [
            "",
            f"Throughput: {tp['clients']} clients ({', '.join(sorted(set(tp['roles'])))}) "
            f"for {tp['seconds']} s: **{tp['requests_per_second']} requests/s**, "
            f"{tp['requests']:,} requests, {tp['errors']} errors; gunicorn CPU "
            f"{tp['server_cpu_ms_per_request']} ms per request.",
            "",
            markdown_table([EndpointSummary(**row) for row in tp["endpoints"]]),
        ]
        for name, examples in tp["error_examples"].items():
            lines.append(f"- errors on {name}: " + "; ".join(e["error"] for e in examples[:3]))
    return "\n".join(lines) + "\n"


def output_stem(out: Path, date: str, label: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", label).strip("-")
    return out / (f"run-{date}-{safe}" if safe else f"run-{date}")


# --- the command line ---------------------------------------------------------------------


def _pair(raw: str) -> tuple[str, str]:
    name, sep, value = raw.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {raw!r}")
    return name, value


def _names(raw: str) -> list[str]:
    return [name.strip() for name in raw.split(",") if name.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", required=True, help="the prepared PostgreSQL benchmark database"
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (2–4)")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests first")
    parser.add_argument("--requests", type=int, default=300, help="measured, per row")
    parser.add_argument("--max-seconds-per-endpoint", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=8, help="throughput phase; 0: skip")
    parser.add_argument("--duration", type=float, default=30.0, help="throughput seconds")
    parser.add_argument("--max-requests", type=int, default=20_000, help="throughput cap")
    parser.add_argument("--only", type=_names, default=[], help="endpoint names, comma-separated")
    parser.add_argument("--roles", type=_names, default=list(ROLES), help="comma-separated")
    parser.add_argument("--label", default="", help='e.g. "before" or "after"')
    parser.add_argument("--out", type=Path, default=BASE_DIR / "bench" / "results")
    parser.add_argument("--sample", type=int, default=50, help="cases/records to rotate over")
    parser.add_argument(
        "--deep-rows", type=int, default=(DEEP_PAGE - 1) * PAGE_SIZE, help="API deep page"
    )
    parser.add_argument(
        "--search",
        type=_pair,
        action="append",
        default=[],
        metavar="ENDPOINT=TERM",
        help=f"replace a search term ({', '.join(SEARCH_TERMS)})",
    )
    parser.add_argument(
        "--env", type=_pair, action="append", default=[], metavar="NAME=VALUE",
        help="extra environment for gunicorn, e.g. REDIS_URL=redis://127.0.0.1:6379/9",
    )  # fmt: skip
    parser.add_argument(
        "--app-dir", type=Path, default=BASE_DIR, help="source tree to serve (default: this one)"
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="client timeout, seconds")
    parser.add_argument("--seed", type=int, default=2026)
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not 2 <= args.workers <= 4:
        parser.error("--workers must be 2, 3 or 4")
    if urlsplit(args.database_url).scheme not in ("postgres", "postgresql"):
        parser.error("--database-url must be a PostgreSQL URL (postgres://…)")
    if args.requests < 1 or args.warmup < 0 or args.max_seconds_per_endpoint <= 0:
        parser.error("--requests ≥ 1, --warmup ≥ 0 and --max-seconds-per-endpoint > 0")
    unknown_roles = sorted(set(args.roles) - set(ROLES))
    if unknown_roles or not args.roles:
        parser.error(f"--roles: choose from {', '.join(ROLES)}")
    try:
        select(endpoints(), args.only)
    except ValueError as exc:
        parser.error(str(exc))
    unknown_search = sorted({name for name, _term in args.search} - set(SEARCH_TERMS))
    if unknown_search:
        parser.error(f"--search: choose from {', '.join(SEARCH_TERMS)}")
    if not (args.app_dir / "manage.py").exists():
        parser.error(f"--app-dir {args.app_dir} has no manage.py")
    args.app_dir = args.app_dir.resolve()
    return args


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    workdir = Path(tempfile.mkdtemp(prefix="zz-run-", dir="/tmp"))
    try:
        result = run(args, workdir)
    except KeyboardInterrupt:
        print("\ninterrupted: gunicorn stopped, nothing written", file=sys.stderr)
        raise SystemExit(130) from None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    text = report(result)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = output_stem(args.out, result["date"], args.label)
    stem.with_name(stem.name + ".json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    )
    stem.with_name(stem.name + ".md").write_text(text)
    print()
    print(text)
    print(f"written: {stem}.json, {stem}.md")


if __name__ == "__main__":
    main()
