"""Load the demo alliance: ``python manage.py load_demo`` (idempotent).

Each installed project app may ship a ``demo`` module with ``load(stdout=...) -> dict`` and
optionally ``DEMO_ACCOUNTS``; they run in ``INSTALLED_APPS`` order, which is the layer order
(alliance → evidence → cases), so this command knows no app by name.
"""

from __future__ import annotations

import importlib
import time

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Load (or refresh) the demo alliance with demo accounts. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even when DEBUG is off (never on a production database).",
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load demo accounts with a known password while DEBUG is off. "
                "Use --force only on a throw-away database."
            )
        accounts: list[dict] = []
        started = time.perf_counter()
        for config in apps.get_app_configs():
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name == f"{config.name}.demo":
                    continue
                raise
            counts = module.load(stdout=self.stdout)
            summary = ", ".join(f"{name} {count}" for name, count in counts.items())
            self.stdout.write(f"  {config.label}: {summary}")
            accounts.extend(getattr(module, "DEMO_ACCOUNTS", []))
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {elapsed:.1f} s."))
        if accounts:
            self.stdout.write("")
            self.stdout.write(f"Demo accounts (password: {settings.DEMO_PASSWORD}):")
            for account in accounts:
                self.stdout.write(
                    f"  {account['username']:<14} {account.get('role', '')}"
                    f"  — {account.get('organization', '')}"
                )
