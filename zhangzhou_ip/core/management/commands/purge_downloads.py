"""``python manage.py purge_downloads [--enqueue]`` — delete prepared downloads (large list
exports, report PDFs) past their expiry, files included (``core.downloads.purge_expired``).
Idempotent: run it daily from cron or a systemd timer; a second run finds nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from zhangzhou_ip.core.downloads import purge_expired
from zhangzhou_ip.core.tasks import purge_downloads


class Command(BaseCommand):
    help = (
        "Delete prepared downloads (large exports, report PDFs) whose time is up, with their "
        "files. Idempotent; run daily."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Enqueue the task for the worker (TASKS_BACKEND) instead of purging here.",
        )

    def handle(self, *args, enqueue: bool = False, **options) -> None:
        if enqueue:
            result = purge_downloads.enqueue()
            self.stdout.write(f"Enqueued task {result.id} ({result.status}).")
            return
        count = purge_expired()
        self.stdout.write(self.style.SUCCESS(f"{count} expired downloads deleted."))
