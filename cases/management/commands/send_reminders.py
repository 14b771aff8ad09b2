"""``python manage.py send_reminders [--date YYYY-MM-DD] [--enqueue]`` — send the confirmation
and referral reminders that are due and not yet sent (``cases.reminders``). Idempotent: safe to
run from cron every few minutes. ``--enqueue`` hands the work to the task backend
(``cases.tasks.send_reminders_task``, run by ``manage.py db_worker`` in production) instead of
doing it here."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from cases.reminders import KINDS, send_reminders
from cases.tasks import send_reminders_task


def _parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date: expected YYYY-MM-DD, not {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Send due reminders: confirmation windows closing, court acceptance or decision "
        "overdue, court-referred mediation terms ending or ended, performance deadlines passed. "
        "Each reminder is sent once."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--date",
            metavar="YYYY-MM-DD",
            help="Compute what is due on this day instead of today (for testing).",
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Enqueue the task for the worker (TASKS_BACKEND) instead of running it here.",
        )

    def handle(self, *args, date: str | None = None, enqueue: bool = False, **options) -> None:
        today = _parse_date(date) if date else None
        if enqueue:
            result = send_reminders_task.enqueue(today.isoformat() if today else None)
            self.stdout.write(f"Enqueued task {result.id} ({result.status}).")
            return
        counts = send_reminders(today)
        for kind in KINDS:
            self.stdout.write(f"{kind}: {counts.get(kind, 0)}")
        total = sum(counts.values())
        self.stdout.write(self.style.SUCCESS(f"{total} notifications sent."))
