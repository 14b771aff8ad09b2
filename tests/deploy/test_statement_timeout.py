"""PostgreSQL statement timeout (DB_STATEMENT_TIMEOUT_MS, settings.py): the option reaches the
server with every connection, and a statement over the limit is cancelled by the server."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection

from tests.deploy.helpers import clean_env, run_python, test_database_url

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="statement_timeout is a PostgreSQL setting (CI runs the PostgreSQL pass)",
    ),
]


def _setting() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT setting FROM pg_settings WHERE name = 'statement_timeout'")
        return int(cursor.fetchone()[0])


def test_the_connection_carries_the_configured_timeout():
    options = connection.settings_dict["OPTIONS"]["options"]
    assert options.startswith("-c statement_timeout=")
    configured = int(options.rsplit("=", 1)[1])
    assert configured > 0
    assert _setting() == configured  # milliseconds, as the server applies it


# CREATE INDEX CONCURRENTLY runs outside a transaction; the rows the migrations wrote come back
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_evidence_index_migration_gives_the_timeout_back():
    """evidence 0003 builds its indexes without a timeout. The test run migrates on the
    connection its tests then use, so a timeout left at 0 there made the test above fail
    whenever no earlier test had reconnected (CI, 2026-12-05)."""
    configured = int(connection.settings_dict["OPTIONS"]["options"].rsplit("=", 1)[1])
    migration = importlib.import_module("evidence.migrations.0003_search_indexes")
    with connection.schema_editor(atomic=False) as editor:
        migration.create(None, editor)  # the indexes exist: each build is a no-op
    assert _setting() == configured


_SLEEP = """
import os, time
os.environ["DJANGO_SETTINGS_MODULE"] = "zhangzhou_ip.settings"
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SHOW statement_timeout")
    print("timeout", cursor.fetchone()[0])
    cursor.execute("SELECT pg_sleep(0.05)")
    print("short query ok")
    started = time.monotonic()
    try:
        cursor.execute("SELECT pg_sleep(5)")
    except Exception as exc:
        cause = exc.__cause__
        print("failed", type(exc).__name__, type(cause).__module__, type(cause).__name__,
              cause.sqlstate, round(time.monotonic() - started, 1))
    else:
        print("not cancelled")
"""


def test_a_statement_over_the_limit_is_cancelled():
    """The settings of a process started with DB_STATEMENT_TIMEOUT_MS=300: the short query
    runs, the long one fails with PostgreSQL's query_canceled (57014) after ~0.3 s."""
    result = run_python(
        _SLEEP, clean_env(DATABASE_URL=test_database_url(), DB_STATEMENT_TIMEOUT_MS="300")
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == ["timeout 300ms", "short query ok"]
    failed, error, module, cause, sqlstate, seconds = lines[2].split()
    assert (failed, error) == ("failed", "OperationalError")  # Django's wrapper …
    assert (module, cause, sqlstate) == ("psycopg.errors", "QueryCanceled", "57014")  # … of this
    assert float(seconds) < 3
