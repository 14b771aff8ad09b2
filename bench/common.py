"""Shared pieces of the HTTP benchmarks (``bench/load.py``; issue 9's ``bench/run.py``):
what a benchmark client needs. The server side (environment, gunicorn, load average) is in
``bench/server.py``. Standard library only, so a benchmark needs nothing the app does not
already install.

- **statistics** — :func:`percentile`, :class:`Sample`, :func:`summarize`, :func:`markdown_table`:
  per-endpoint count, errors and latency percentiles, and the table the README shows;
- **request mixes** — :func:`normalise` and :func:`choose`: weighted endpoint choice that a test
  can drive with a fixed number instead of a random one;
- **a bounded recorder** — :class:`Recorder`: collects samples from many threads and enforces a
  hard cap on the number of requests;
- **an HTTP client** — :class:`HttpSession`: one keep-alive ``http.client`` connection with a
  cookie jar, Django's CSRF cookie, the login form and DRF token auth; :func:`form_body` and
  :func:`multipart_body` build request bodies.
"""

from __future__ import annotations

import http.client
import json
import math
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "demo-pass-2024"  # settings.DEMO_PASSWORD: the documented demo credential
API = {"Accept": "application/json"}  # headers of an API request
HTMX = {"HX-Request": "true"}  # headers of a fragment htmx fetches
PERCENTILES = (50, 95, 99)

# --- statistics ----------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0–100) by linear interpolation between closest ranks (the
    default of numpy and of most monitoring tools), so p50 of an even count is the mean of
    the two middle values. ``values`` need not be sorted; an empty sequence is an error."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= p <= 100:
        raise ValueError(f"percentile {p} is outside 0–100")
    ordered = sorted(values)
    rank = p / 100 * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Sample:
    """One request: which endpoint, how long (ms, send to last body byte), the status (0 when
    no answer came) and whether it was what the benchmark expected."""

    endpoint: str
    ms: float
    status: int
    ok: bool
    error: str = ""


@dataclass
class EndpointSummary:
    endpoint: str
    count: int
    errors: int
    per_second: float
    p50: float
    p95: float
    p99: float
    mean: float
    max: float
    statuses: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


TOTAL = "all"


def summarize(samples: Iterable[Sample], seconds: float) -> list[EndpointSummary]:
    """One row per endpoint (sorted by name) and a last row ``all``. Latencies count every
    request, failed ones included (a timeout is a slow answer too); ``per_second`` divides
    the count by ``seconds``, the length of the measured window."""
    groups: dict[str, list[Sample]] = defaultdict(list)
    everything: list[Sample] = []
    for sample in samples:
        groups[sample.endpoint].append(sample)
        everything.append(sample)
    rows = [_summary(name, groups[name], seconds) for name in sorted(groups)]
    if everything:
        rows.append(_summary(TOTAL, everything, seconds))
    return rows


def _summary(name: str, samples: list[Sample], seconds: float) -> EndpointSummary:
    times = [sample.ms for sample in samples]
    statuses: dict[str, int] = defaultdict(int)
    for sample in samples:
        statuses[str(sample.status)] += 1
    p50, p95, p99 = (percentile(times, p) for p in PERCENTILES)
    return EndpointSummary(
        endpoint=name,
        count=len(samples),
        errors=sum(1 for sample in samples if not sample.ok),
        per_second=len(samples) / seconds if seconds > 0 else 0.0,
        p50=p50,
        p95=p95,
        p99=p99,
        mean=sum(times) / len(times),
        max=max(times),
        statuses=dict(sorted(statuses.items())),
    )


def markdown_table(rows: Sequence[EndpointSummary]) -> str:
    """The summary as a GitHub markdown table: whole milliseconds, one decimal below 10 ms
    (finer digits are noise on a shared machine)."""

    def ms(value: float) -> str:
        return f"{value:.1f}" if value < 10 else f"{value:,.0f}"

    lines = [
        "| endpoint | requests | req/s | errors | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        name = f"**{row.endpoint}**" if row.endpoint == TOTAL else row.endpoint
        lines.append(
            f"| {name} | {row.count:,} | {row.per_second:.1f} | {row.errors:,} | "
            f"{ms(row.p50)} | {ms(row.p95)} | {ms(row.p99)} | {ms(row.max)} |"
        )
    return "\n".join(lines)


# --- request mixes -------------------------------------------------------------------------


def normalise(mix: Mapping[str, float]) -> dict[str, float]:
    """Weights → shares that sum to 1, in the mix's order, without zero weights (an endpoint
    a role may not use gets weight 0). Negative weights and an empty mix are errors."""
    if any(weight < 0 for weight in mix.values()):
        raise ValueError("negative weight in the mix")
    total = sum(mix.values())
    if total <= 0:
        raise ValueError("the mix has no endpoint with a positive weight")
    return {name: weight / total for name, weight in mix.items() if weight > 0}


def choose(shares: Mapping[str, float], u: float) -> str:
    """The endpoint whose cumulative share interval holds ``u`` (0 ≤ u < 1), e.g. with
    ``random.random()``; deterministic so tests can check the weighting without chance."""
    if not 0 <= u < 1:
        raise ValueError("u must be in [0, 1)")
    cumulative = 0.0
    name = ""
    for name, share in shares.items():
        cumulative += share
        if u < cumulative:
            return name
    if not name:
        raise ValueError("empty mix")
    return name  # rounding left u just above the last boundary


# --- a bounded recorder --------------------------------------------------------------------


class Recorder:
    """Samples from many client threads, a hard cap on requests and a shared stop flag.

    A client calls :meth:`claim` before each request: it is refused once ``max_requests``
    were claimed or :meth:`stop` was called (the end of the window, Ctrl-C). The first few
    failures per endpoint are kept with their details so a report can say *why*."""

    def __init__(self, max_requests: int, examples_per_endpoint: int = 5) -> None:
        self.max_requests = max_requests
        self.samples: list[Sample] = []
        self.examples: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._examples_per_endpoint = examples_per_endpoint
        self._claimed = 0
        self._lock = threading.Lock()
        self.stopped = threading.Event()

    @property
    def claimed(self) -> int:
        return self._claimed

    def claim(self) -> bool:
        with self._lock:
            if self.stopped.is_set() or self._claimed >= self.max_requests:
                return False
            self._claimed += 1
            return True

    def stop(self) -> None:
        self.stopped.set()

    def add(self, sample: Sample, detail: str = "") -> None:
        with self._lock:
            self.samples.append(sample)
            examples = self.examples[sample.endpoint]
            if not sample.ok and len(examples) < self._examples_per_endpoint:
                examples.append(
                    {"status": sample.status, "error": sample.error, "detail": detail[:500]}
                )


# --- HTTP ----------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    ms: float

    def json(self) -> Any:
        return json.loads(self.body)

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class LoginFailed(RuntimeError):
    pass


_RETRYABLE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
_IDEMPOTENT = {"GET", "HEAD", "OPTIONS"}


class HttpSession:
    """One client: a keep-alive connection to ``host:port``, a cookie jar and default headers.

    gunicorn's sync workers close the connection after each response; ``http.client`` then
    reconnects on the next request (on loopback that costs ~0.1 ms). A reused connection that
    the server closed while idle is retried once for idempotent methods, as browsers do; an
    unsafe request on a connection idle for more than a second gets a fresh connection first,
    so a deposit is never sent twice."""

    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {"Accept-Language": "zh-hans"}
        self._connection: http.client.HTTPConnection | None = None
        self._last_used = 0.0

    def clone(self) -> HttpSession:
        """The same user (cookies, headers) on a connection of its own, for a request sent
        while this session's connection is busy."""
        twin = HttpSession(self.host, self.port, self.timeout)
        twin.cookies, twin.headers = dict(self.cookies), dict(self.headers)
        return twin

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    @property
    def csrf_token(self) -> str:
        return self.cookies.get("csrftoken", "")

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Send one request and read the whole answer. Connection problems raise ``OSError``
        or ``http.client.HTTPException`` (the caller counts them as errors)."""
        all_headers = {**self.headers, **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        reused = self._connection is not None and self._connection.sock is not None
        if reused and method not in _IDEMPOTENT and time.monotonic() - self._last_used > 1:
            self.close()
            reused = False
        start = time.perf_counter()
        try:
            raw = self._send(method, path, body, all_headers)
        except _RETRYABLE:
            self.close()
            if not (reused and method in _IDEMPOTENT):
                raise
            start = time.perf_counter()
            raw = self._send(method, path, body, all_headers)
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        try:
            content = raw.read()
        except (OSError, http.client.HTTPException):
            self.close()  # half-read: the connection cannot carry another request
            raise
        elapsed = (time.perf_counter() - start) * 1000
        self._last_used = time.monotonic()
        for cookie in raw.msg.get_all("Set-Cookie") or []:
            self._store_cookie(cookie)
        headers_out = {key.lower(): value for key, value in raw.getheaders()}
        return Response(raw.status, headers_out, content, elapsed)

    def _send(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> http.client.HTTPResponse:
        if self._connection is None:
            self._connection = http.client.HTTPConnection(self.host, self.port, self.timeout)
        self._connection.request(method, path, body=body, headers=headers)
        return self._connection.getresponse()

    def _store_cookie(self, header: str) -> None:
        parsed: SimpleCookie = SimpleCookie()
        parsed.load(header)
        for name, morsel in parsed.items():
            expired = morsel["max-age"] == "0" or "1970" in morsel["expires"]
            if expired or not morsel.value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> Response:
        return self.request("GET", path, headers=headers)

    def post(
        self,
        path: str,
        body: bytes,
        content_type: str,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """A POST carrying the CSRF token header when the jar has one (Django's forms and
        DRF's session authentication accept ``X-CSRFToken``; token auth ignores it)."""
        extra = {"Content-Type": content_type, **(headers or {})}
        if self.csrf_token:
            extra.setdefault("X-CSRFToken", self.csrf_token)
        return self.request("POST", path, body=body, headers=extra)

    def login(self, username: str, password: str, path: str = "/accounts/login/") -> Response:
        """Log in through Django's login form: GET it (sets the CSRF cookie), POST the
        credentials with the token. Success is a redirect away from the login page."""
        page = self.get(path)
        if page.status != 200 or not self.csrf_token:
            raise LoginFailed(
                f"GET {path}: status {page.status}, CSRF cookie {bool(self.csrf_token)}"
            )
        content_type, body = form_body(
            {"csrfmiddlewaretoken": self.csrf_token, "username": username, "password": password}
        )
        answer = self.post(path, body, content_type)
        location = answer.headers.get("location", "")
        if answer.status != 302 or location.startswith(path) or "sessionid" not in self.cookies:
            raise LoginFailed(f"{username}: status {answer.status}, location {location!r}")
        return answer

    def api_token(self, username: str, password: str, path: str = "/api/v1/auth/token/") -> str:
        """The user's DRF token, asked for without cookies (so no CSRF check applies), and
        set as this session's ``Authorization`` header."""
        anonymous = HttpSession(self.host, self.port, self.timeout)
        try:
            content_type, body = form_body({"username": username, "password": password})
            answer = anonymous.post(path, body, content_type)
        finally:
            anonymous.close()
        if answer.status != 200:
            raise LoginFailed(f"token for {username}: status {answer.status}")
        token = answer.json()["token"]
        self.headers["Authorization"] = f"Token {token}"
        return token


def form_body(fields: Mapping[str, str]) -> tuple[str, bytes]:
    return "application/x-www-form-urlencoded", urlencode(fields).encode()


def multipart_body(
    fields: Mapping[str, str], files: Mapping[str, tuple[str, bytes, str]] | None = None
) -> tuple[str, bytes]:
    """``multipart/form-data`` with text fields and ``files`` as name → (file name, bytes,
    content type). Small bodies only: the whole body is built in memory."""
    boundary = f"----bench{uuid.uuid4().hex}"
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + str(value).encode()
            + b"\r\n"
        )
    for name, (file_name, content, content_type) in (files or {}).items():
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{file_name}"\r\nContent-Type: {content_type}\r\n\r\n'
            ).encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def timed(
    recorder: Recorder, name: str, expected: int, send: Callable[[], Response]
) -> Response | None:
    """Send one request with ``send`` and record it under ``name``: an error unless the
    status is ``expected``; a connection failure or timeout is an error with status 0 (and
    ``None`` is returned)."""
    started = time.perf_counter()
    try:
        answer = send()
    except Exception as exc:  # connection refused/reset, timeout, malformed answer
        ms = (time.perf_counter() - started) * 1000
        recorder.add(Sample(name, ms, 0, False, f"{type(exc).__name__}: {exc}"))
        return None
    ok = answer.status == expected
    detail = "" if ok else answer.text()[:500]
    error = "" if ok else f"status {answer.status}, expected {expected}"
    recorder.add(Sample(name, answer.ms, answer.status, ok, error), detail)
    return answer
