"""SQLite under several writers (settings.SQLITE_OPTIONS), found by the load test: with
Django's default DEFERRED transactions a deposit (read the ledger head, then insert) failed at
once with "database is locked" when another gunicorn worker was writing. These tests open
their own connections to a file database with the project's options — whatever database the
suite itself runs on — and check the behaviour the options promise."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper


def _wrapper(path: Path, alias: str) -> DatabaseWrapper:
    return DatabaseWrapper(
        {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(path),
            "OPTIONS": dict(settings.SQLITE_OPTIONS),
            "ATOMIC_REQUESTS": False,
            "AUTOCOMMIT": True,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "TIME_ZONE": None,
            "USER": "",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "TEST": {},
        },
        alias=alias,
    )


class _Registered:
    """A connection registered under ``alias`` in this thread, so ``transaction.atomic``
    (which looks connections up by alias) runs through the project's options."""

    def __init__(self, path: Path, alias: str) -> None:
        self.alias = alias
        self.connection = _wrapper(path, alias)

    def __enter__(self) -> DatabaseWrapper:
        connections[self.alias] = self.connection
        return self.connection

    def __exit__(self, *exc_info: object) -> None:
        self.connection.close()
        del connections[self.alias]


@pytest.fixture
def database(tmp_path, django_db_blocker):
    path = tmp_path / "writers.sqlite3"
    with django_db_blocker.unblock():
        with _Registered(path, "setup") as connection, connection.cursor() as cursor:
            cursor.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
            cursor.execute("INSERT INTO counter (id, n) VALUES (1, 0)")
        yield path


def test_the_default_database_gets_the_options_only_on_sqlite():
    default = settings.DATABASES["default"]
    options = default.get("OPTIONS", {})
    if default["ENGINE"].endswith("sqlite3"):
        assert options["transaction_mode"] == "IMMEDIATE"
        assert "journal_mode=WAL" in options["init_command"]
        assert options["timeout"] >= 5
    else:
        assert "transaction_mode" not in options


def test_the_journal_is_a_write_ahead_log(database):
    with _Registered(database, "wal") as connection, connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"


def test_a_transaction_holds_the_write_lock_from_its_start(database):
    """Even before it writes: so it can never meet a writer half-way and fail."""
    other = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        with _Registered(database, "first") as connection:
            with transaction.atomic(using="first"), connection.cursor() as cursor:
                cursor.execute("SELECT n FROM counter")
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            other.execute("BEGIN IMMEDIATE")  # free again once the transaction ended
            other.execute("ROLLBACK")
    finally:
        other.close()


def test_concurrent_read_then_write_transactions_neither_fail_nor_lose_updates(database):
    rounds, failures = 25, []

    def increment(alias: str) -> None:
        try:
            with _Registered(database, alias) as connection:
                for _ in range(rounds):
                    with transaction.atomic(using=alias), connection.cursor() as cursor:
                        cursor.execute("SELECT n FROM counter WHERE id = 1")
                        (n,) = cursor.fetchone()
                        cursor.execute("UPDATE counter SET n = %s WHERE id = 1", [n + 1])
        except Exception as exc:  # reported below: the assertion names it
            failures.append(repr(exc))

    threads = [threading.Thread(target=increment, args=(f"writer{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    check = sqlite3.connect(database)
    try:
        assert check.execute("SELECT n FROM counter").fetchone()[0] == 3 * rounds
    finally:
        check.close()
