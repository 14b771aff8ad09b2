"""Background tasks of the cases app (Django's tasks API, decision 0019)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from cases.reminders import send_reminders


@task()
def send_reminders_task(day: str | None = None) -> dict[str, int]:
    """Send the reminders due on ``day`` (ISO date; default today in Asia/Shanghai) that have
    not been sent. Idempotent: each (reminder key, recipient) is notified once, enforced by
    the notification table's unique constraint, so a daily run, a retry or a manual run on
    the same day sends nothing twice. Returns the notifications created per kind."""
    return send_reminders(dt.date.fromisoformat(day) if day else None)
