"""Helpers of the deployment tests: settings built from a clean environment in a child process
(the settings module reads the environment once, at import), and the URL of the test database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# What production must set anyway (settings.py refuses DEBUG=0 without them).
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "test-" + "k" * 60,
    "ALLOWED_HOSTS": "ip.example.gov.cn",
}


def clean_env(**variables: str) -> dict[str, str]:
    """Only what a child Python needs, plus ``variables``: nothing of this shell (a developer's
    DATABASE_URL, CI's REDIS_URL) leaks into the settings under test."""
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(variables)
    return env


def run_python(
    code: str, env: Mapping[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


_SETTINGS_SCRIPT = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "zhangzhou_ip.settings"
from django.conf import settings
names = {names!r}
print(json.dumps({{name: getattr(settings, name, None) for name in names}}, default=str))
"""


def settings_from_env(names: list[str], **variables: str) -> dict[str, Any]:
    """The named settings as ``zhangzhou_ip.settings`` computes them from ``variables`` alone."""
    result = run_python(_SETTINGS_SCRIPT.format(names=names), clean_env(**variables))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_database_url() -> str:
    """The PostgreSQL test database as a DATABASE_URL (for child processes)."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


test_database_url.__test__ = False  # a helper, not a test
