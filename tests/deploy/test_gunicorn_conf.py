"""gunicorn.conf.py: settings from the environment, and access lines as JSON with the request
id and masked URLs."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import runpy
import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import pytest
from gunicorn.config import Config

from tests.deploy.helpers import BASE_DIR

CONF = BASE_DIR / "gunicorn.conf.py"
ID, MASKED = "35060219850612453X", "350602********453X"
VARIABLES = (
    "BIND", "PORT", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT",
    "GUNICORN_MAX_REQUESTS", "GUNICORN_MAX_REQUESTS_JITTER", "FORWARDED_ALLOW_IPS",
    "ACCESS_LOG", "LOG_FORMAT", "LOG_LEVEL", "DEBUG", "GUNICORN_CONTROL_SOCKET",
    "GUNICORN_GC_FREEZE",
)  # fmt: skip


def load(monkeypatch: pytest.MonkeyPatch, **variables: str) -> dict[str, Any]:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_defaults(monkeypatch):
    conf = load(monkeypatch)
    assert conf["bind"] == ["127.0.0.1:8000"]
    assert conf["workers"] == min(2 * multiprocessing.cpu_count() + 1, 12)
    assert (conf["threads"], conf["timeout"], conf["graceful_timeout"]) == (1, 30, 30)
    assert (conf["max_requests"], conf["max_requests_jitter"]) == (1000, 100)
    assert conf["preload_app"] is False
    assert conf["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert conf["control_socket_disable"] is True
    assert conf["accesslog"] == "-"
    assert conf["LOG_FORMAT"] == "text"  # DEBUG unset: development
    assert conf["wsgi_app"] == "zhangzhou_ip.wsgi:application"


def test_from_the_environment(monkeypatch):
    conf = load(
        monkeypatch,
        DEBUG="0",
        BIND="0.0.0.0:9000,unix:/run/zz.sock",
        WEB_CONCURRENCY="3",
        GUNICORN_THREADS="4",
        GUNICORN_TIMEOUT="60",
        GUNICORN_MAX_REQUESTS="0",
        FORWARDED_ALLOW_IPS="10.0.0.5",
        ACCESS_LOG="none",
        LOG_LEVEL="WARNING",
    )
    assert conf["bind"] == ["0.0.0.0:9000", "unix:/run/zz.sock"]
    assert (conf["workers"], conf["threads"], conf["timeout"]) == (3, 4, 60)
    assert (conf["max_requests"], conf["max_requests_jitter"]) == (0, 0)
    assert conf["forwarded_allow_ips"] == "10.0.0.5"
    assert conf["accesslog"] is None
    assert conf["loglevel"] == "warning"
    assert conf["LOG_FORMAT"] == "json"
    assert load(monkeypatch, PORT="8080")["bind"] == ["127.0.0.1:8080"]


def test_gunicorn_accepts_the_file():
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "--config", str(CONF)],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


# gunicorn's own Config takes the hook (it checks the name and the arity), then a worker's
# start is played in a fresh interpreter: freezing the test process would change the GC of
# the rest of the run.
_WORKER_START = """
import gc, json, runpy, sys
from gunicorn.config import Config
cfg = Config()
cfg.set("post_worker_init", runpy.run_path(sys.argv[1])["post_worker_init"])
before = (gc.get_freeze_count(), gc.get_threshold())
cfg.post_worker_init(None)
print(json.dumps({"before": before, "after": (gc.get_freeze_count(), gc.get_threshold())}))
"""


def _worker_start(**variables: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES} | variables
    result = subprocess.run(
        [sys.executable, "-c", _WORKER_START, str(CONF)],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)


def test_a_worker_freezes_what_it_imported():
    gc_state = _worker_start()
    (frozen_before, threshold_before), (frozen, threshold) = gc_state["before"], gc_state["after"]
    assert frozen_before == 0
    assert frozen > 10_000  # gunicorn, the settings module and what they import
    assert threshold == [10_000, *threshold_before[1:]]


def test_the_collector_keeps_its_defaults_when_asked():
    gc_state = _worker_start(GUNICORN_GC_FREEZE="0")
    assert gc_state["after"] == gc_state["before"]
    assert gc_state["after"][0] == 0


def _logger(monkeypatch: pytest.MonkeyPatch, log_format: str) -> Any:
    conf = load(monkeypatch, LOG_FORMAT=log_format)
    cfg = Config()
    cfg.set("accesslog", "-")
    return conf["ZhangzhouLogger"](cfg)


def _access(logger: Any) -> None:
    response = SimpleNamespace(
        status="404 Not Found", headers=[("X-Request-ID", "req-7")], sent=179
    )
    request = SimpleNamespace(headers=[("USER-AGENT", "Mozilla/5.0"), ("REFERER", f"/?q={ID}")])
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/cases/{ID}/?q={ID}",
        "PATH_INFO": f"/cases/{ID}/",
        "QUERY_STRING": f"q={ID}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    logger.access(response, request, environ, dt.timedelta(milliseconds=12, microseconds=300))


def test_a_json_access_line(monkeypatch, capsys):
    _access(_logger(monkeypatch, "json"))
    out = capsys.readouterr().out
    assert ID not in out
    line = json.loads(out)
    assert line["logger"] == "gunicorn.access"
    assert line["message"] == f"GET /cases/{MASKED}/ 404"
    assert line["request_id"] == "req-7"
    assert (line["path"], line["query"]) == (f"/cases/{MASKED}/", f"q={MASKED}")
    assert (line["status"], line["bytes"], line["duration_ms"]) == (404, 179, 12.3)
    assert (line["user_agent"], line["referer"]) == ("Mozilla/5.0", f"/?q={MASKED}")


def test_a_text_access_line_is_masked_too(monkeypatch, capsys):
    _access(_logger(monkeypatch, "text"))
    out = capsys.readouterr().out
    assert ID not in out
    assert f'"GET /cases/{MASKED}/?q={MASKED} HTTP/1.1" 404' in out
