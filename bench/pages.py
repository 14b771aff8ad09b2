"""What ``bench/run.py`` measures and how it judges it: the roles, the pages (``endpoints``)
with their targets (``TARGETS``), one request's measurement (``X-Query-Count`` and the SQL time
of ``Server-Timing``), the single-client loop and the per-row summary and verdict. Pure apart
from ``request_once``; tested in ``tests/bench/test_run.py``."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import quote

from bench.common import API, HTMX, HttpSession, percentile

ROLES = ("mediator", "partner", "admin")
QUERY_BUDGET = 10  # SQL statements per request, any page (issue 9 part 3)

# --- what is measured ---------------------------------------------------------------------

#: Search terms (defaults; see ``--search``): a company-name fragment of the benchmark
#: vocabulary (cases/benchdata/directory.py: brand + industry; 68 case titles), a two-character
#: industry word (no trigram: 14k parties, 13.7k titles) and the USCC of the enterprise that
#: is a party to most cases (87).
SEARCH_TERMS = {
    "case_search": "嘉辉食品",
    "case_search_2char": "茶业",
    "case_search_uscc": "91350628MA26KEHF4H",
}
#: The evidence list's search box: a product name of the benchmark vocabulary (60k titles of
#: 1M) and a rare two-character fruit (枇杷: 1,092 titles) — for an administrator the worst
#: case, a scan of every record to find a few.
EVIDENCE_SEARCH_TERMS = {
    "evidence_search": "花岗岩台面",
    "evidence_search_2char": "枇杷",
}
#: Three filters at once: status, dispute type and a received-date range (5,005 cases of all).
FILTERED = (
    "status=closed&dispute_type=trademark_infringement"
    "&received_after=2024-01-01&received_before=2024-12-31"
)
DEEP_PAGE = 2000  # the HTML list's ?page= for the deep-page endpoint
PAGE_SIZE = 25  # rows per page of the case list and the API


@dataclass(frozen=True)
class Target:
    """What an endpoint must meet: p95 at most ``p95_ms`` and at most ``queries`` per
    request, without errors."""

    kind: str
    p95_ms: float
    queries: int = QUERY_BUDGET

    @property
    def text(self) -> str:
        return f"p95 ≤ {self.p95_ms:g} ms, ≤ {self.queries} q"


TARGETS = {
    "html": Target("html", 50),  # list and detail pages
    "api": Target("api", 40),
    "stats": Target("stats", 300),
}


@dataclass
class Knowledge:
    """What one role may see, learnt through the API at set-up (nothing is hard-coded)."""

    role: str
    case_ids: list[int] = field(default_factory=list)
    record_ids: list[int] = field(default_factory=list)
    api_paging: str = ""  # "page" (?page=, with a count) or "cursor" (next links)
    api_deep_path: str = ""
    api_deep_rows: int = 0  # rows before the deep page


PathFor = Callable[[Knowledge, int], str]  # (what the role knows, request number) → path


def _rotate(values: Sequence[Any], i: int) -> Any:
    return values[i % len(values)]


@dataclass(frozen=True)
class Endpoint:
    name: str
    kind: str  # a key of TARGETS
    path: PathFor
    roles: tuple[str, ...] = ROLES
    needs: str = ""  # "cases", "records" or "deep": skipped when the role has none
    htmx: bool = False  # requested as htmx requests it (a fragment: the case page's tabs)

    @property
    def is_api(self) -> bool:
        return self.name.startswith("api_")

    @property
    def headers(self) -> dict[str, str] | None:
        if self.is_api:
            return API
        return HTMX if self.htmx else None

    def usable(self, k: Knowledge) -> bool:
        if k.role not in self.roles:
            return False
        return {
            "": True,
            "cases": bool(k.case_ids),
            "records": bool(k.record_ids),
            "deep": bool(k.api_deep_path),
        }[self.needs]


def _search(term: str) -> PathFor:
    return lambda k, i: "/cases/?q=" + quote(term)


def _evidence_search(term: str) -> PathFor:
    return lambda k, i: "/evidence/?q=" + quote(term)


def endpoints(search: dict[str, str] | None = None) -> list[Endpoint]:
    terms = {**SEARCH_TERMS, **(search or {})}
    return [
        Endpoint("case_list", "html", lambda k, i: "/cases/"),
        Endpoint("case_list_filtered", "html", lambda k, i: "/cases/?" + FILTERED),
        *(Endpoint(name, "html", _search(term)) for name, term in terms.items()),
        Endpoint(
            "case_list_deep", "html", lambda k, i: f"/cases/?page={DEEP_PAGE}", roles=("admin",)
        ),
        Endpoint(
            "case_detail", "html", lambda k, i: f"/cases/{_rotate(k.case_ids, i)}/", needs="cases"
        ),
        Endpoint(
            "case_tab",  # the timeline tab of the case page, as htmx loads it when opened
            "html",
            lambda k, i: f"/cases/{_rotate(k.case_ids, i)}/panes/timeline/",
            needs="cases",
            htmx=True,
        ),
        Endpoint("shared_inbox", "html", lambda k, i: "/cases/shared/", roles=ROLES[:2]),
        Endpoint("evidence_list", "html", lambda k, i: "/evidence/"),
        *(
            Endpoint(name, "html", _evidence_search(term))
            for name, term in EVIDENCE_SEARCH_TERMS.items()
        ),
        Endpoint(
            "evidence_detail",
            "html",
            lambda k, i: f"/evidence/{_rotate(k.record_ids, i)}/",
            needs="records",
        ),
        Endpoint("stats_page", "stats", lambda k, i: "/stats/"),
        Endpoint("api_case_list", "api", lambda k, i: "/api/v1/mediation-cases/"),
        Endpoint(
            "api_case_list_deep",
            "api",
            lambda k, i: k.api_deep_path,
            roles=("admin",),
            needs="deep",
        ),
        Endpoint(
            "api_case_detail",
            "api",
            lambda k, i: f"/api/v1/mediation-cases/{_rotate(k.case_ids, i)}/",
            needs="cases",
        ),
        Endpoint("api_evidence_list", "api", lambda k, i: "/api/v1/evidence-records/"),
    ]


def select(all_endpoints: list[Endpoint], only: Sequence[str]) -> list[Endpoint]:
    """The endpoints named by ``--only`` (all without it); an unknown name is an error."""
    if not only:
        return list(all_endpoints)
    known = {endpoint.name for endpoint in all_endpoints}
    unknown = sorted(set(only) - known)
    if unknown:
        raise ValueError(f"unknown endpoint(s): {', '.join(unknown)}; known: {sorted(known)}")
    return [endpoint for endpoint in all_endpoints if endpoint.name in only]


# --- measuring ----------------------------------------------------------------------------

_DB_DURATION = re.compile(r"(?:^|,)\s*db;dur=([0-9.]+)")


def query_headers(headers: dict[str, str]) -> tuple[int | None, float | None]:
    """(statements, SQL ms) from ``X-Query-Count`` and the ``db`` entry of ``Server-Timing``
    (header names lower-case, as ``HttpSession`` gives them); None when absent."""
    raw = headers.get("x-query-count")
    count = int(raw) if raw and raw.isdigit() else None
    match = _DB_DURATION.search(headers.get("server-timing", ""))
    return count, float(match.group(1)) if match else None


@dataclass
class Measurement:
    """One request of the single-client phase."""

    ms: float
    status: int
    queries: int | None = None
    db_ms: float | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.error


@dataclass
class Row:
    """One endpoint for one role: the single-client summary and its verdict."""

    endpoint: str
    role: str
    kind: str
    requests: int
    errors: int
    p50: float
    p95: float
    p99: float
    mean: float
    max: float
    queries_min: int | None
    queries_max: int | None
    db_ms_mean: float | None
    seconds: float
    stopped_early: bool
    server_cpu_ms: float | None = None
    error_examples: list[dict[str, Any]] = field(default_factory=list)
    target: str = ""
    met: bool = False
    missed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize_endpoint(
    endpoint: str,
    role: str,
    kind: str,
    measurements: Sequence[Measurement],
    seconds: float,
    stopped_early: bool,
    examples: Sequence[dict[str, Any]] = (),
) -> Row:
    if not measurements:
        raise ValueError(f"{endpoint} ({role}): no requests")
    times = [m.ms for m in measurements]
    queries = [m.queries for m in measurements if m.queries is not None]
    db = [m.db_ms for m in measurements if m.db_ms is not None]
    row = Row(
        endpoint=endpoint,
        role=role,
        kind=kind,
        requests=len(measurements),
        errors=sum(1 for m in measurements if not m.ok),
        p50=percentile(times, 50),
        p95=percentile(times, 95),
        p99=percentile(times, 99),
        mean=sum(times) / len(times),
        max=max(times),
        queries_min=min(queries) if queries else None,
        queries_max=max(queries) if queries else None,
        db_ms_mean=sum(db) / len(db) if db else None,
        seconds=seconds,
        stopped_early=stopped_early,
        error_examples=list(examples),
    )
    return evaluate(row)


def evaluate(row: Row) -> Row:
    """Set ``target``, ``met`` and ``missed`` (what failed: p95, queries, errors). Unknown
    query counts (no header) miss the query budget: nothing proves it was kept."""
    target = TARGETS[row.kind]
    missed = []
    if row.p95 > target.p95_ms:
        missed.append("p95")
    if row.queries_max is None or row.queries_max > target.queries:
        missed.append("queries")
    if row.errors:
        missed.append("errors")
    row.target, row.missed, row.met = target.text, missed, not missed
    return row


def measure(
    send: Callable[[int], Any],
    warmup: int,
    requests: int,
    max_seconds: float,
    clock: Callable[[], float] = time.perf_counter,
) -> tuple[list[Measurement], float, bool]:
    """Warm up, then measure up to ``requests`` requests one after another.

    ``send(i)`` makes request ``i`` and returns a :class:`Measurement`. The warm-up stops
    after ``warmup`` requests or a quarter of ``max_seconds``; measuring stops after
    ``requests`` or when ``max_seconds`` have passed since it began (at least one request is
    always measured). Returns the measurements, the seconds spent measuring and whether the
    time limit cut it short."""
    started = clock()
    for i in range(warmup):
        if clock() - started >= max_seconds / 4:
            break
        send(i)
    results: list[Measurement] = []
    started = clock()
    stopped_early = False
    for i in range(requests):
        if results and clock() - started >= max_seconds:
            stopped_early = True
            break
        results.append(send(warmup + i))
    return results, clock() - started, stopped_early


def request_once(
    session: HttpSession, path: str, headers: dict[str, str] | None = None
) -> Measurement:
    started = time.perf_counter()
    try:
        answer = session.get(path, headers)
    except Exception as exc:  # connection refused/reset, timeout
        ms = (time.perf_counter() - started) * 1000
        return Measurement(ms, 0, error=f"{type(exc).__name__}: {exc}")
    count, db_ms = query_headers(answer.headers)
    error = "" if answer.status == 200 else f"status {answer.status}: {answer.text()[:300]}"
    return Measurement(answer.ms, answer.status, count, db_ms, error)
