"""The server side of the HTTP benchmarks (``bench/load.py``; issue 9's ``bench/run.py``).

- :func:`server_env` — a production-like environment in a throwaway directory;
- :func:`manage` — ``manage.py`` in a child process with that environment;
- :class:`GunicornServer` — start on a free loopback port, wait for ``/healthz``, always stop;
- :func:`ensure_postgres`, :func:`vendor_of` — the database; :func:`tree_size` and
  :func:`audit_ledger` — sign a checkpoint, audit the evidence ledger afterwards;
- :class:`LoadAverage` — samples ``/proc/loadavg`` during a run, because the benchmark machine
  is shared and numbers mean little without it; :func:`git_revision` — what was measured.

Everything listens on and talks to 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import math
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.common import BASE_DIR, HttpSession

# --- the server ----------------------------------------------------------------------------


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (the kernel picks it; free at the time of asking)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(workdir: Path, database_url: str, **overrides: str) -> dict[str, str]:
    """The environment of a production-like app in ``workdir``: ``DEBUG=0`` with a random
    ``SECRET_KEY``, loopback host, no HTTPS redirect or HSTS (plain HTTP on loopback), and
    every path the app writes — evidence store, uploads, media, static files, signing key —
    inside ``workdir``, so nothing in ``var/`` is touched. E-mail goes nowhere."""
    paths = {
        "EVIDENCE_ROOT": workdir / "evidence",
        "MEDIA_ROOT": workdir / "media",
        "FILE_UPLOAD_TEMP_DIR": workdir / "uploads",
        "STATIC_ROOT": workdir / "static",
    }
    for path in paths.values():
        path.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update({name: str(path) for name, path in paths.items()})
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url,
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            "EVIDENCE_SIGNING_KEY_FILE": str(workdir / "evidence-ledger.key"),
            "EVIDENCE_GENERATE_KEY": "1",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(overrides)
    return env


def manage(
    args: Sequence[str], env: Mapping[str, str], *, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """``manage.py ARGS`` in a child process with ``env``, output captured (text)."""
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR,
        env=dict(env),
        capture_output=True,
        text=True,
        check=check,
    )


class GunicornServer:
    """``gunicorn zhangzhou_ip.wsgi`` on a free 127.0.0.1 port, as a context manager.

    ``__enter__`` starts it in its own session (so a terminal's Ctrl-C reaches only the
    benchmark, which then stops the server in order) and waits until ``/healthz`` answers
    200; ``__exit__`` always stops it: SIGTERM to the master (graceful: workers finish their
    request), SIGKILL to the master's process group only if it is still there after
    ``grace`` seconds. Output goes to ``log_path``."""

    def __init__(
        self,
        env: Mapping[str, str],
        log_path: Path,
        workers: int = 4,
        threads: int = 1,
        timeout: int = 30,
        ready_path: str = "/healthz",
        grace: float = 30.0,
    ) -> None:
        self.env = dict(env)
        self.log_path = log_path
        self.workers, self.threads, self.timeout = workers, threads, timeout
        self.ready_path = ready_path
        self.grace = grace
        self.host = "127.0.0.1"
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "zhangzhou_ip.wsgi",
            "--bind",
            f"{self.host}:{self.port}",
            "--workers",
            str(self.workers),
            "--timeout",
            str(self.timeout),
            "--error-logfile",
            "-",
            "--no-control-socket",  # gunicorn 27 otherwise shares ~/.gunicorn/gunicorn.ctl
            # gunicorn.conf.py replaces a worker after GUNICORN_MAX_REQUESTS: mid-run that is a
            # cold worker (empty template and local caches) timed as if it were the page, and
            # the CPU of the worker it replaced vanishes from /proc
            "--max-requests",
            "0",
        ]
        if self.threads > 1:
            command += ["--threads", str(self.threads)]  # gunicorn then uses gthread workers
        return command

    def __enter__(self) -> GunicornServer:
        self.port = free_port()
        log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(
                self.command(),
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()
        try:
            self._wait_ready(deadline=time.monotonic() + 120)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _wait_ready(self, deadline: float) -> None:
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited ({self.process.returncode}); see {self.log_path}"
                )
            try:
                probe = HttpSession(self.host, self.port, timeout=5)
                answer = probe.get(self.ready_path)
                probe.close()
                if answer.status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer {self.ready_path}; see {self.log_path}")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the master, its live workers and the workers
        it has reaped, from ``/proc``: the difference over a window, divided by its requests, is
        the server's CPU cost per request — on a shared machine a steadier figure than latency."""
        if self.process is None:
            return 0.0
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended meanwhile
            pid, ppid = int(entry.name), int(fields[1])
            if pid == self.process.pid:  # utime, stime, and cutime, cstime of reaped workers
                total += sum(int(field) for field in fields[11:15])
            elif ppid == self.process.pid:
                total += int(fields[11]) + int(fields[12])
        return total / tick

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=self.grace)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # its own session: only its workers
            process.wait(timeout=10)


# --- databases and the ledger ---------------------------------------------------------------


def vendor_of(url: str) -> str:
    scheme = urlsplit(url).scheme
    if scheme.startswith("postgres"):
        return "postgresql"
    if scheme == "sqlite":
        return "sqlite"
    raise SystemExit(f"unsupported database URL {url!r} (sqlite:///… or postgres://…)")


def connect_params(url: str) -> dict[str, str | int | None]:
    """psycopg's keyword arguments for a ``postgres://user:password@host:port/name`` URL,
    with the local defaults the benchmarks assume (127.0.0.1:5432, user postgres)."""
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": parts.username or "postgres",
        "password": parts.password or None,
        "dbname": parts.path.lstrip("/"),
    }


def ensure_postgres(url: str, recreate: bool, reuse: bool) -> None:
    """Create the database if missing; drop it first with ``--recreate``. A database that
    already holds tables is used only with ``--reuse`` (its evidence store lives in the
    work directory it was prepared with)."""
    import psycopg
    from psycopg import sql

    connect = connect_params(url)
    name = connect.pop("dbname")
    with psycopg.connect(dbname="postgres", autocommit=True, **connect) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and recreate:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return
    if not reuse:
        with psycopg.connect(dbname=name, **connect) as db:
            used = db.execute("SELECT to_regclass('django_migrations')").fetchone()[0]
        if used:
            raise SystemExit(f"database {name} is not empty: pass --reuse or --recreate")


def step(label: str, action: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    print(f"{label} …", end=" ", flush=True)
    result = action()
    print(f"{time.perf_counter() - started:.1f} s", flush=True)
    return result


def tree_size(env: Mapping[str, str]) -> int:
    """Sign a checkpoint if the ledger grew (as the cron job does) and return its size."""
    output = manage(["checkpoint"], env).stdout
    return int(re.search(r"^size (\d+)$", output, re.MULTILINE).group(1))


def audit_ledger(env: Mapping[str, str], size_before: int, appended: int) -> dict[str, Any]:
    """Sign a checkpoint, then run ``audit_ledger`` (blobs included): exit status, sizes, and
    whether the ledger grew by exactly the ``appended`` leaves the benchmark wrote."""
    size_after = tree_size(env)
    result = manage(["audit_ledger"], env, check=False)
    lines = [line for line in result.stdout.splitlines() if not line.startswith("  ")]
    return {
        "exit_status": result.returncode,
        "clean": result.returncode == 0,
        "tree_size_before": size_before,
        "tree_size_after": size_after,
        "grew_by_deposits": size_after - size_before == appended,
        "output": lines + result.stderr.strip().splitlines()[-5:],
    }


# --- the machine ---------------------------------------------------------------------------


class LoadAverage:
    """Samples the 1-minute load average every ``every`` seconds in a daemon thread."""

    def __init__(self, every: float = 5.0) -> None:
        self.every = every
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="loadavg", daemon=True)

    @staticmethod
    def now() -> float:
        try:
            with open("/proc/loadavg") as handle:
                return float(handle.read().split()[0])
        except OSError:
            return float("nan")

    def _run(self) -> None:
        while True:
            self.samples.append(self.now())
            if self._stop.wait(self.every):
                return

    def __enter__(self) -> LoadAverage:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(self.now())

    def summary(self) -> dict[str, float]:
        values = [value for value in self.samples if not math.isnan(value)] or [float("nan")]
        return {
            "min": min(values),
            "mean": sum(values) / len(values),
            "max": max(values),
            "cpus": os.cpu_count() or 0,
        }


def git_revision() -> str:
    """The commit benchmarked, with ``+dirty`` when the tree has changes (read-only git)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=BASE_DIR, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head}+dirty" if dirty else head or "unknown"
