"""The periodic jobs as tasks: reminders and checkpoint signing run through the task backend
(immediate in tests, the database queue with a worker in production), from their commands
with ``--enqueue`` or inline, and do their work once however often they run."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from cases.reminders import KINDS
from cases.tasks import send_reminders_task
from evidence import services as evidence_services
from evidence.models import Checkpoint
from evidence.tasks import sign_checkpoint_task
from tests.cases.test_reminders import EFFECTIVE, settled_case
from zhangzhou_ip.core.models import Notification

pytestmark = pytest.mark.django_db


# --- settings --------------------------------------------------------------------------------


def test_tests_and_development_run_tasks_immediately():
    assert settings.TASKS_BACKEND == "immediate"
    assert settings.TASKS["default"]["BACKEND"].endswith("ImmediateBackend")
    assert {"django_tasks", "django_tasks_db"} <= set(settings.INSTALLED_APPS)


def _tasks_setting(**env: str) -> str:
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "TASKS_BACKEND"}}
    code = "import zhangzhou_ip.settings as s; print(s.TASKS['default']['BACKEND'])"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.strip()


def test_production_defaults_to_the_database_backend_and_can_choose():
    production = {
        "DEBUG": "0",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "ip.example.cn",
        "DATABASE_URL": "postgres://u@127.0.0.1:5432/none",
    }
    assert _tasks_setting(**production) == "django_tasks_db.DatabaseBackend"
    assert _tasks_setting(**production, TASKS_BACKEND="immediate").endswith("ImmediateBackend")
    assert _tasks_setting(DEBUG="1", TASKS_BACKEND="database") == "django_tasks_db.DatabaseBackend"


# --- reminders -------------------------------------------------------------------------------


@pytest.fixture
def due_case(case_world, monkeypatch):
    """A settled case whose confirmation window closes within 5 days of 2025-07-09."""
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: EFFECTIVE)
    return settled_case(case_world)


def _reminders() -> set[tuple[str, str]]:
    return set(Notification.objects.values_list("key", "recipient__username"))


def test_the_reminder_task_sends_once(due_case):
    result = send_reminders_task.enqueue("2025-07-09")

    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value["window_closing"] == 1
    assert _reminders() == {(f"confirmation.window_closing:{due_case.pk}", "mediator")}
    again = send_reminders_task.enqueue("2025-07-09")
    assert again.return_value == dict.fromkeys(KINDS, 0)
    assert Notification.objects.count() == 1


def test_send_reminders_enqueues_for_the_worker(due_case, database_backend, run_worker):
    out = io.StringIO()
    call_command("send_reminders", "--date", "2025-07-09", "--enqueue", stdout=out)

    assert "Enqueued task" in out.getvalue() and "READY" in out.getvalue()
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "cases.tasks.send_reminders_task"
    assert Notification.objects.count() == 0  # nothing sent until a worker runs it

    assert run_worker() == 1
    queued.refresh_from_db()
    assert queued.status == TaskResultStatus.SUCCESSFUL
    assert queued.return_value["window_closing"] == 1
    assert _reminders() == {(f"confirmation.window_closing:{due_case.pk}", "mediator")}
    # The schedule enqueues again the next time: nothing new is sent.
    call_command("send_reminders", "--date", "2025-07-09", "--enqueue", stdout=io.StringIO())
    assert run_worker() == 1
    assert Notification.objects.count() == 1


def test_send_reminders_still_runs_inline(due_case):
    out = io.StringIO()
    call_command("send_reminders", "--date", "2025-07-09", stdout=out)
    assert "window_closing: 1" in out.getvalue()
    assert Notification.objects.count() == 1


# --- checkpoint signing ----------------------------------------------------------------------


def _deposit(world, text: str):
    return evidence_services.deposit(
        actor=world["users"]["servicepoint"],
        depositor=world["orgs"]["ent_a"],
        kind="text",
        title="网店销售页面说明",
        category="listing",
        text=text,
    )


def test_checkpoint_task_signs_only_when_the_ledger_grew(case_world):
    _deposit(case_world, "first")
    before = Checkpoint.objects.count()

    first = sign_checkpoint_task.enqueue().return_value
    assert first["signed"] is True and first["tree_size"] == 1
    assert Checkpoint.objects.count() == before + 1

    same = sign_checkpoint_task.enqueue().return_value
    assert same == {**first, "signed": False}  # the same checkpoint, nothing signed
    assert Checkpoint.objects.count() == before + 1

    _deposit(case_world, "second")
    grown = sign_checkpoint_task.enqueue().return_value
    assert grown["signed"] is True and grown["tree_size"] == 2
    assert grown["checkpoint"] != first["checkpoint"]
    assert Checkpoint.objects.count() == before + 2


def test_checkpoint_enqueue_runs_on_the_worker(case_world, database_backend, run_worker):
    _deposit(case_world, "first")
    call_command("checkpoint", "--enqueue", stdout=io.StringIO())
    call_command("checkpoint", "--enqueue", stdout=io.StringIO())  # a schedule that overlaps
    assert not Checkpoint.objects.filter(tree_size=1).exists()

    assert run_worker() == 2
    assert Checkpoint.objects.filter(tree_size=1).count() == 1
    results = DBTaskResult.objects.order_by("enqueued_at")
    assert [r.status for r in results] == [TaskResultStatus.SUCCESSFUL] * 2
    assert [r.return_value["signed"] for r in results] == [True, False]


def test_the_checkpoint_command_still_signs_inline(case_world):
    _deposit(case_world, "first")
    out = io.StringIO()
    call_command("checkpoint", stdout=out)
    call_command("checkpoint", stdout=out)
    assert "Signed a new checkpoint." in out.getvalue()
    assert "has not grown" in out.getvalue()
    assert Checkpoint.objects.filter(tree_size=1).count() == 1
