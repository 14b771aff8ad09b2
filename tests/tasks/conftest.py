"""Background work (issue 11 part 2): the case world of the cases tests, the database task
backend on demand, and the real ``db_worker`` loop run in-process for one batch."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tasks_db.management.commands import db_worker

from tests.cases.conftest import _holiday_calendar_ahead, case_world  # noqa: F401

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_backend(settings):
    """Tasks go to the database queue, as in production, until a worker runs them."""
    settings.TASKS = DATABASE_TASKS


@pytest.fixture
def run_worker(monkeypatch):
    """``manage.py db_worker --batch``: django_tasks_db's own worker loop, in this process,
    until the queue is empty; returns how many tasks it ran. Its connection hygiene
    (``close_old_connections`` between tasks) would close the test's transaction, so only
    that is left out; signals are not installed (they belong to a real process)."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run() -> int:
        worker = db_worker.Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="test-worker",
            excluded_queue_names=[],
        )
        worker.run()
        return worker._run_tasks

    return run


@pytest.fixture
def client_of(case_world):  # noqa: F811 (the fixture imported above)
    """A logged-in client of a world user, in a language (``None``: the default, Chinese)."""

    def make(name: str, language: str | None = None) -> Client:
        client = Client()
        if language:
            client.cookies["django_language"] = language
        client.force_login(case_world["users"][name])
        return client

    return make


def file_bytes(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content
