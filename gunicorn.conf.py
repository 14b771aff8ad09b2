"""gunicorn settings for production (docs/deploy.md), from environment variables.

gunicorn reads this file by itself when started in the project directory, so a node runs

    DEBUG=0 SECRET_KEY=… DATABASE_URL=… REDIS_URL=… .venv/bin/gunicorn

and command-line flags still win (bench/server.py passes its own bind, workers and timeout).

| variable | default | meaning |
|---|---|---|
| BIND | 127.0.0.1:$PORT | listen addresses, comma-separated (0.0.0.0:8000 behind a remote LB) |
| PORT | 8000 | port when BIND is not set |
| WEB_CONCURRENCY | 2 × cores + 1, at most 12 | worker processes |
| GUNICORN_THREADS | 1 | threads per worker (more than 1: gthread workers) |
| GUNICORN_TIMEOUT | 30 | seconds a request may take before its worker is replaced |
| GUNICORN_GRACEFUL_TIMEOUT | 30 | seconds workers get to finish requests on restart/stop |
| GUNICORN_KEEPALIVE | 5 | seconds an idle connection from the proxy stays open |
| GUNICORN_MAX_REQUESTS | 1000 | a worker is replaced after this many requests (0: never) |
| GUNICORN_GC_FREEZE | 1 | workers freeze what they imported, collect young objects less often |
| FORWARDED_ALLOW_IPS | 127.0.0.1,::1 | proxies whose X-Forwarded-* headers gunicorn trusts |
| ACCESS_LOG | - (stdout) | access log file; "none" turns it off |
| LOG_FORMAT | json when DEBUG=0 | json or text, like the application's log (settings.py) |
| LOG_LEVEL | INFO | gunicorn's own log level |

Access lines carry the response's X-Request-ID (zhangzhou_ip/core/request_id.py), and their
query strings, paths and referrers are masked like every other log line: a search for a party
puts a resident ID number in the URL (zhangzhou_ip/core/logging.py).
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
from typing import Any

from gunicorn.glogging import Logger

from zhangzhou_ip.core.logging import JsonFormatter, MaskPersonalIds, mask_personal_ids

_TRUE = {"1", "true", "yes", "y", "on", "ok"}


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


_DEBUG = os.environ.get("DEBUG", "1").strip().lower() in _TRUE
LOG_FORMAT = os.environ.get("LOG_FORMAT") or ("text" if _DEBUG else "json")

wsgi_app = "zhangzhou_ip.wsgi:application"
proc_name = "zhangzhou_ip"
bind = [
    address.strip()
    for address in (os.environ.get("BIND") or f"127.0.0.1:{_int('PORT', 8000)}").split(",")
]
# The app is CPU-bound (templates, the password hash): more processes than 2 × cores + 1 only
# queue; the cap keeps a large machine from starting dozens of 150 MB workers.
workers = _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 12))
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Replacing workers now and then bounds slow memory growth; the jitter keeps them from all
# restarting at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", max(max_requests // 10, 0))
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"
# Each worker imports the app itself: a deploy restarts workers one by one with the new code,
# and no database connection or Redis pool is shared across fork.
preload_app = False
# The workers' heartbeat files: on a memory file system a slow or full disk cannot make the
# master think they hang.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
# gunicorn 25+ opens a control socket under $HOME by default; two nodes on one machine would
# share it. GUNICORN_CONTROL_SOCKET names one per node for `gunicornc`.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True
accesslog = None if os.environ.get("ACCESS_LOG") == "none" else os.environ.get("ACCESS_LOG", "-")
errorlog = "-"
loglevel = (os.environ.get("LOG_LEVEL") or "info").lower()


# The garbage collector: a worker tracks ~120,000 objects once it imported the app (Django,
# DRF, reportlab, openpyxl; ~200,000 after its first pages), and Python's default thresholds
# (700, 10, 10) collect young objects three or four times a request and now and then walk all
# of them in a full collection (~75–100 ms in one request). Frozen, what the worker imported is
# never walked again, and a young generation of 10,000 is collected about once every five
# requests. At 100k cases, in process: GC 2.2 → 0.8 ms a case-list request, the longest of 300
# requests 159 → 50 ms; over HTTP it shows in p99 (bench/README, "garbage collector").
# Objects made for a request still die young: Django's request cycle keeps nothing.
GC_FREEZE = os.environ.get("GUNICORN_GC_FREEZE", "1").strip().lower() in _TRUE
GC_YOUNG_THRESHOLD = 10_000


def post_worker_init(worker: Any) -> None:
    """After the worker imported the app: freeze what it holds, collect young objects less
    often (``GUNICORN_GC_FREEZE``)."""
    if GC_FREEZE:
        gc.collect()
        gc.freeze()
        _, middle, old = gc.get_threshold()
        gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


class ZhangzhouLogger(Logger):
    """gunicorn's logger with masked lines, and JSON lines when LOG_FORMAT=json: the error log
    through the application's JSON formatter, the access log as one object per request."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.addFilter(MaskPersonalIds())
                if LOG_FORMAT == "json":
                    handler.setFormatter(JsonFormatter())

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if LOG_FORMAT != "json":
            super().access(resp, req, environ, request_time)
            return
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        status = int(str(atoms["s"]).split()[0])
        fields = {
            "request_id": atoms.get("{x-request-id}o"),
            "method": atoms["m"],
            "path": mask_personal_ids(atoms["U"] or ""),
            "query": mask_personal_ids(atoms["q"] or ""),
            "status": status,
            "bytes": atoms["B"],
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "remote_addr": atoms["h"],
            "user_agent": atoms.get("{user-agent}i"),
            "referer": mask_personal_ids(atoms.get("{referer}i") or ""),
        }
        try:
            self.access_log.log(
                logging.INFO, "%s %s %s", fields["method"], fields["path"], status, extra=fields
            )
        except Exception:
            self.exception("access log line failed")


logger_class = ZhangzhouLogger
