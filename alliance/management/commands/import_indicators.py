"""``manage.py import_indicators FILE.csv``: import yearly indicator values (issue 7 part 8).

Columns: code, region_code, year, value, source, source_date. Every row is checked first and
errors are reported by line number; nothing is written unless the whole file is valid. Rows
are upserted by (indicator, region, year), so re-importing a file changes nothing."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from alliance import indicators


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Import city IP indicator values from a UTF-8 CSV "
        "(code, region_code, year, value, source, source_date); all rows or none."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="CSV file to import")
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and report, write nothing"
        )

    def handle(self, *args, file: Path, dry_run: bool = False, **options) -> None:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror or exc}") from exc
        try:
            with transaction.atomic():
                result = indicators.import_indicator_values(data)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        except ValidationError as exc:
            lines = "\n".join(f"  {message}" for message in exc.messages)
            raise CommandError(
                f"{file}: nothing imported, {len(exc.messages)} error(s):\n{lines}"
            ) from exc
        prefix = "Dry run, nothing written: would import" if dry_run else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix} {result.total} rows: {result.created} new, {result.updated} "
                f"updated, {result.unchanged} unchanged."
            )
        )
