"""``python manage.py checkpoint [--enqueue]`` — sign a checkpoint over the evidence ledger if it
grew; ``--enqueue`` hands it to the task backend (``evidence.tasks.sign_checkpoint_task``)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from evidence import ledger
from evidence.tasks import sign_checkpoint_task


class Command(BaseCommand):
    help = (
        "Sign a C2SP checkpoint (signed tree head) over the evidence ledger if it has grown "
        "since the last one, and print its size, root and signed note. Idempotent: when the "
        "tree has not grown the latest checkpoint is printed and nothing is signed, so it can "
        "run as often as you like, e.g. every ten minutes from cron: "
        "'*/10 * * * * cd /srv/zhangzhou_ip && .venv/bin/python manage.py checkpoint "
        ">> var/log/checkpoint.log 2>&1'."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Enqueue the task for the worker (TASKS_BACKEND) instead of signing here.",
        )

    def handle(self, *args, enqueue: bool = False, **options) -> None:
        if enqueue:
            result = sign_checkpoint_task.enqueue()
            self.stdout.write(f"Enqueued task {result.id} ({result.status}).")
            return
        before = ledger.latest_checkpoint()
        checkpoint = ledger.sign_checkpoint()
        if before is not None and before.pk == checkpoint.pk:
            self.stdout.write("The ledger has not grown since the latest checkpoint; unchanged.")
        else:
            self.stdout.write(self.style.SUCCESS("Signed a new checkpoint."))
        self.stdout.write(f"size {checkpoint.tree_size}")
        self.stdout.write(f"root {checkpoint.root_hex}")
        self.stdout.write("")
        self.stdout.write(checkpoint.note, ending="")
