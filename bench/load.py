"""Load test: concurrent clients against gunicorn on loopback (issue 8 part 9).

    .venv/bin/python bench/load.py                          # fresh SQLite demo under /tmp
    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/zz_load
    .venv/bin/python bench/load.py --workdir /tmp/zz-load --keep      # keep it for --reuse

What it does: prepares a throwaway app directory (``bench.server.server_env``: ``DEBUG=0``,
its own evidence store, uploads, static files and signing key) and a database with
``migrate`` + ``load_demo`` (skipped with ``--reuse``), collects static files, starts
``gunicorn zhangzhou_ip.wsgi`` on a free 127.0.0.1 port and waits for ``/healthz``. Then every
client logs in through the login form as one of the demo roles (mediator, partner, admin,
enterprise, servicepoint in turn), discovers the cases and records it may see through the API,
and — once all are ready — sends requests back to back for ``--duration`` seconds, each drawn
from a weighted mix of lists (plain, filtered, searched, page 2), details, inboxes, statistics
and API calls (``MIX``; endpoints a role may not use are left out of its mix). One dedicated
client deposits evidence at ``--deposit-rate`` per second as the service-point clerk
(``bench/deposits.py``: on schedule, even while earlier deposits wait for their answer), in
turn a text and a file through the API (token auth) and a file through the form (session).
Afterwards each deposit is read back through the API (same SHA-256), gunicorn is stopped, a
checkpoint is signed and ``audit_ledger`` recomputes the whole ledger, blobs included.

An error is any answer other than the one the mix expects (200 for pages and reads, 201 for
API deposits, 302 for the form deposit), a connection failure or a client timeout
(``--timeout``). Reported per endpoint: requests, req/s, errors, p50/p95/p99/max ms; written
to ``--out``/``load-<date>-<database>.json`` and ``.md``. Bounded: ``--duration`` and
``--max-requests``; all traffic goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import random
import resource
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.common import (  # noqa: E402 (the repository root is added above)
    API,
    DEMO_PASSWORD,
    EndpointSummary,
    HttpSession,
    Recorder,
    choose,
    markdown_table,
    normalise,
    summarize,
    timed,
)
from bench.deposits import Depositor, deposit_summary  # noqa: E402
from bench.server import (  # noqa: E402
    GunicornServer,
    LoadAverage,
    audit_ledger,
    ensure_postgres,
    git_revision,
    manage,
    server_env,
    step,
    tree_size,
    vendor_of,
)

ROLES = ("mediator", "partner", "admin", "enterprise", "servicepoint")
NO_STATISTICS = {"enterprise"}  # stats.view_statistics: alliance staff and administrators

# Filters a mediator would use on the case list (field names of MediationCaseFilterSet).
CASE_FILTERS = (
    "status=mediating",
    "status=settled&status=closed",
    "is_cross_region=true",
    "received_after=2024-01-01&received_before=2024-12-31",
    "status=submitted&status=accepted&sort=received",
    "outcome=settled&sort=-claim",
)


@dataclass
class Knowledge:
    """What a client learnt about its own view of the data at setup (never hard-coded)."""

    role: str
    case_ids: list[int] = field(default_factory=list)
    record_ids: list[int] = field(default_factory=list)
    search_terms: list[str] = field(default_factory=list)
    dispute_types: list[str] = field(default_factory=list)


PathFor = Callable[[Knowledge, random.Random], str]


def _pick(values: list[Any], rng: random.Random) -> Any:
    return values[rng.randrange(len(values))]


def _filtered(k: Knowledge, rng: random.Random) -> str:
    filters = list(CASE_FILTERS) + [f"dispute_type={value}" for value in k.dispute_types[:3]]
    return "/cases/?" + _pick(filters, rng)


# endpoint → (weight, path, the role's knowledge it needs: "cases", "records" or "")
MIX: dict[str, tuple[float, PathFor, str]] = {
    "home": (5, lambda k, r: "/", ""),
    "case_list": (10, lambda k, r: "/cases/", ""),
    "case_list_filtered": (8, _filtered, ""),
    "case_list_search": (5, lambda k, r: "/cases/?q=" + quote(_pick(k.search_terms, r)), "cases"),
    "case_list_page2": (4, lambda k, r: "/cases/?page=2", ""),
    "case_detail": (14, lambda k, r: f"/cases/{_pick(k.case_ids, r)}/", "cases"),
    "shared_inbox": (5, lambda k, r: "/cases/shared/", ""),
    "collaboration_inbox": (5, lambda k, r: "/directory/collaboration/", ""),
    "evidence_list": (7, lambda k, r: "/evidence/", ""),
    "evidence_detail": (7, lambda k, r: f"/evidence/{_pick(k.record_ids, r)}/", "records"),
    "stats_page": (4, lambda k, r: "/stats/", ""),
    "api_case_list": (8, lambda k, r: "/api/v1/mediation-cases/", ""),
    "api_case_detail": (
        8,
        lambda k, r: f"/api/v1/mediation-cases/{_pick(k.case_ids, r)}/",
        "cases",
    ),
    "api_evidence_list": (6, lambda k, r: "/api/v1/evidence-records/", ""),
    "api_stats": (4, lambda k, r: "/api/v1/stats/", ""),
}


def mix_for(k: Knowledge) -> dict[str, float]:
    """The role's shares of ``MIX``: no statistics for an enterprise, no details without
    visible objects."""
    weights = {}
    for name, (weight, _path, needs) in MIX.items():
        usable = not (needs == "cases" and not k.case_ids) and not (
            needs == "records" and not k.record_ids
        )
        if name in ("stats_page", "api_stats") and k.role in NO_STATISTICS:
            usable = False
        weights[name] = weight if usable else 0
    return normalise(weights)


def discover(session: HttpSession, role: str) -> Knowledge:
    """The first 100 visible cases and records through the API (the client's own view)."""
    k = Knowledge(role)
    cases = session.get("/api/v1/mediation-cases/?page_size=100", API)
    records = session.get("/api/v1/evidence-records/?page_size=100", API)
    if cases.status != 200 or records.status != 200:
        raise RuntimeError(
            f"{role}: discovery answered {cases.status} / {records.status}: "
            + (cases if cases.status != 200 else records).text()[:300]
        )
    for case in cases.json()["results"]:
        k.case_ids.append(case["id"])
        if case.get("number"):
            k.search_terms.append(case["number"])
        party = case["title"].split("与")[0]  # demo titles: "<applicant>与<respondent>…纠纷"
        if party and party != case["title"]:
            k.search_terms.append(party)
        if case["dispute_type"] not in k.dispute_types:
            k.dispute_types.append(case["dispute_type"])
    k.record_ids = [record["id"] for record in records.json()["results"]]
    return k


def browse(
    session: HttpSession,
    k: Knowledge,
    recorder: Recorder,
    rng: random.Random,
    start: threading.Event,
    think: float,
) -> None:
    shares = mix_for(k)
    start.wait()
    while recorder.claim():
        name = choose(shares, rng.random())
        path = MIX[name][1](k, rng)
        headers = API if name.startswith("api_") else None
        timed(recorder, name, 200, lambda path=path, headers=headers: session.get(path, headers))
        if think:
            recorder.stopped.wait(think)


def process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- preparation ---------------------------------------------------------------------------


def prepare(args: argparse.Namespace, env: dict[str, str], workdir: Path) -> None:
    vendor = vendor_of(args.database_url)
    if vendor == "postgresql":
        ensure_postgres(args.database_url, args.recreate, args.reuse)
    else:
        db_file = Path(urlsplit(args.database_url).path)
        if db_file.exists() and not args.reuse:
            if not args.recreate:
                raise SystemExit(f"{db_file} exists: pass --reuse or --recreate")
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    if args.recreate:
        shutil.rmtree(workdir / "evidence", ignore_errors=True)
        (workdir / "evidence").mkdir()
    if not args.reuse:
        step("migrate", lambda: manage(["migrate", "--noinput", "-v0"], env))
        # --force: DEBUG is off (production-like) and this database is a throwaway one.
        step("load_demo", lambda: manage(["load_demo", "--force"], env))
    step("collectstatic", lambda: manage(["collectstatic", "--noinput", "-v0"], env))


# --- the run -------------------------------------------------------------------------------


def run(args: argparse.Namespace, env: dict[str, str], workdir: Path) -> dict[str, Any]:
    size_before = tree_size(env)
    recorder = Recorder(args.max_requests)
    start = threading.Event()
    browsers = args.clients - (1 if args.deposit_rate > 0 else 0)
    log_path = workdir / "gunicorn.log"
    with (
        LoadAverage() as load,
        GunicornServer(env, log_path, workers=args.workers, threads=args.threads) as server,
    ):
        print(f"gunicorn on 127.0.0.1:{server.port}, {args.workers} × {args.threads} threads")

        def set_up(index: int) -> tuple[HttpSession, Knowledge, float]:
            role = ROLES[index % len(ROLES)]
            session = HttpSession(server.host, server.port, args.timeout)
            login_ms = session.login(role, DEMO_PASSWORD).ms
            return session, discover(session, role), login_ms

        def set_up_all() -> list[tuple[HttpSession, Knowledge, float]]:
            # As many at a time as there are workers: 32 logins at once (PBKDF2, 0.23 s of
            # CPU each, plus the pages) queued past the client timeout on a busy machine.
            with ThreadPoolExecutor(max_workers=args.workers) as pool:
                futures = [pool.submit(set_up, index) for index in range(browsers)]
                if args.deposit_rate > 0:
                    futures.append(pool.submit(depositor.setup))
                results = [future.result() for future in futures]  # raises the first failure
            return results[:browsers]

        depositor = Depositor(server.host, server.port, args.timeout)
        clients = step(f"log in {args.clients} clients", set_up_all)
        logins = [login_ms for _s, _k, login_ms in clients]
        sessions = [(session, k) for session, k, _ms in clients]
        rng = random.Random(args.seed)
        threads = [
            threading.Thread(
                target=browse,
                args=(s, k, recorder, random.Random(rng.random()), start, args.think_ms / 1000),
                daemon=True,
            )
            for s, k in sessions
        ]
        if args.deposit_rate > 0:
            threads.append(
                threading.Thread(
                    target=depositor.run, args=(recorder, args.deposit_rate, start), daemon=True
                )
            )
        for thread in threads:
            thread.start()
        load_at_start = LoadAverage.now()
        print(f"running {args.duration} s (load average {load_at_start:.2f}) …", flush=True)
        server_cpu, client_cpu = server.cpu_seconds(), process_cpu()
        t0 = time.perf_counter()
        start.set()
        try:
            while time.perf_counter() - t0 < args.duration and recorder.claimed < args.max_requests:
                time.sleep(0.2)
        finally:
            # Requests in flight finish and count: they started inside the window.
            seconds = time.perf_counter() - t0
            recorder.stop()
            for thread in threads:
                thread.join(timeout=args.timeout + 5)
        drain = time.perf_counter() - t0 - seconds
        server_cpu, client_cpu = server.cpu_seconds() - server_cpu, process_cpu() - client_cpu
        depositor.verify()
    deposits = deposit_summary(depositor.deposits) if args.deposit_rate > 0 else {}
    print("signing a checkpoint and auditing the ledger …", flush=True)
    ledger = audit_ledger(env, size_before, deposits.get("stored", 0))
    rows = summarize(recorder.samples, seconds)
    return {
        "date": datetime.date.today().isoformat(),
        "database": vendor_of(args.database_url),
        "config": {
            "clients": args.clients,
            "browsing_clients": browsers,
            "duration_s": args.duration,
            "measured_s": round(seconds, 2),
            "drain_s": round(drain, 2),
            "workers": args.workers,
            "threads": args.threads,
            "deposit_rate": args.deposit_rate,
            "max_requests": args.max_requests,
            "think_ms": args.think_ms,
            "seed": args.seed,
            "roles": list(ROLES),
        },
        "machine": {
            "load_average": load.summary(),
            "python": platform.python_version(),
            "django": metadata.version("django"),
            "gunicorn": metadata.version("gunicorn"),
            "revision": git_revision(),
            "hit_max_requests": recorder.claimed >= args.max_requests,
            "server_cpu_s": round(server_cpu, 2),
            "server_cpu_ms_per_request": round(
                server_cpu * 1000 / max(1, len(recorder.samples)), 1
            ),
            "client_cpu_s": round(client_cpu, 2),
        },
        "login_ms": sorted(round(ms, 1) for ms in logins),
        "endpoints": [row.as_dict() for row in rows],
        "error_examples": {name: ex for name, ex in recorder.examples.items() if ex},
        "deposits": deposits,
        "ledger": ledger,
    }


def report(result: dict[str, Any]) -> str:
    rows = [EndpointSummary(**row) for row in result["endpoints"]]
    config, machine, load = result["config"], result["machine"], result["machine"]["load_average"]
    deposits, ledger = result["deposits"], result["ledger"]
    lines = [
        f"### {result['database']} — {result['date']} ({machine['revision']})",
        "",
        f"{config['clients']} clients ({config['browsing_clients']} browsing, "
        f"{config['clients'] - config['browsing_clients']} depositing "
        f"{config['deposit_rate']} per second) for "
        f"{config['measured_s']} s against gunicorn with {config['workers']} workers × "
        f"{config['threads']} thread(s); load average {load['min']:.1f}–{load['max']:.1f} "
        f"(mean {load['mean']:.1f}) on {load['cpus']} CPUs. Server CPU "
        f"{machine['server_cpu_s']} s ({machine['server_cpu_ms_per_request']} ms per request), "
        f"client CPU {machine['client_cpu_s']} s.",
        "",
        markdown_table(rows),
        "",
    ]
    if deposits:
        lines.append(
            f"Deposits: {deposits['attempted']} sent, {deposits['stored']} stored, "
            f"{deposits['verified']} read back with the same SHA-256; "
            f"{deposits['started_late_over_1s']} started over 1 s late "
            f"(max {deposits['max_late_s']} s)."
        )
    audit_line = (
        "clean (no findings)" if ledger["clean"] else f"FAILED (exit {ledger['exit_status']})"
    )
    lines.append(
        f"Ledger: {ledger['tree_size_before']:,} → {ledger['tree_size_after']:,} leaves "
        f"({'one per stored deposit' if ledger['grew_by_deposits'] else 'NOT one per deposit'}); "
        f"`audit_ledger` (blobs included): {audit_line}."
    )
    for name, examples in result["error_examples"].items():
        lines.append(f"- errors on {name}: " + "; ".join(e["error"] for e in examples[:3]))
    return "\n".join(lines) + "\n"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a SQLite file in the work directory")
    parser.add_argument("--workdir", type=Path, help="default: a new directory under /tmp")
    parser.add_argument("--reuse", action="store_true", help="the database is prepared already")
    parser.add_argument("--recreate", action="store_true", help="drop an existing database first")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--prepare-only", action="store_true", help="prepare, then stop")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help=">1: gunicorn's gthread workers")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds")
    parser.add_argument("--deposit-rate", type=float, default=1.0, help="deposits per second")
    parser.add_argument("--max-requests", type=int, default=100_000, help="hard cap")
    parser.add_argument("--think-ms", type=float, default=0.0, help="pause after each request")
    parser.add_argument("--timeout", type=float, default=30.0, help="client timeout, seconds")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=BASE_DIR / "bench" / "results")
    args = parser.parse_args()
    if args.reuse and args.workdir is None:
        parser.error("--reuse needs the --workdir the database was prepared with")
    if args.clients < 2 and args.deposit_rate > 0:
        parser.error("--clients must leave a browsing client besides the depositor")
    if args.prepare_only and args.workdir is None:
        parser.error("--prepare-only needs a --workdir to keep")
    created = args.workdir is None
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="zz-load-", dir="/tmp"))
    workdir.mkdir(parents=True, exist_ok=True)
    args.database_url = args.database_url or f"sqlite:///{workdir / 'db.sqlite3'}"
    # SIGTERM ends the run like Ctrl-C: stop the clients and gunicorn, remove the directory.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)  # also when started in the background ("&")
    try:
        # The admin client skips the TOTP step production asks of superusers (a once-per-login
        # page, not part of the mix; the demo admin has no device).
        env = server_env(workdir, args.database_url, OTP_REQUIRED_FOR_SUPERUSERS="0")
        print(f"work directory {workdir}; database {args.database_url}")
        prepare(args, env, workdir)
        if args.prepare_only:
            print(f"prepared; run again with --workdir {workdir} --reuse")
            return
        result = run(args, env, workdir)
    except KeyboardInterrupt:
        print("\ninterrupted: gunicorn stopped, nothing written", file=sys.stderr)
        raise SystemExit(130) from None
    finally:
        if created and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    text = report(result)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"load-{result['date']}-{result['database']}"
    stem.with_suffix(".json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    stem.with_suffix(".md").write_text(text)
    print()
    print(text)
    print(f"written: {stem}.json, {stem}.md")
    errors = result["endpoints"][-1]["errors"] if result["endpoints"] else 0
    if errors or not result["ledger"]["clean"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
