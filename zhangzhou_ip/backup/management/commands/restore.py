"""``python manage.py restore PATH`` — put a backup archive back into a freshly migrated, empty
database, verified before and audited after (``zhangzhou_ip.backup.restore``; decision 0017)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from zhangzhou_ip.backup.archive import ArchiveError
from zhangzhou_ip.backup.management.commands.backup import size_text
from zhangzhou_ip.backup.restore import RestoreError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup archive written by 'manage.py backup' into this installation's "
        "database (migrated, and empty apart from the reference data migrate loads) and "
        "storages. Checks every file against the manifest before writing anything, loads "
        "everything in one transaction, then runs the ledger audit and compares its tree size "
        "and root with the archive's signed checkpoint; on any difference nothing is kept and "
        "the command exits with status 1. Needs the backed-up installation's ledger signing key."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="The archive (.tar, .tar.gz or .tgz).")
        parser.add_argument(
            "--skip-blobs",
            action="store_true",
            help="Let the final audit skip re-reading the evidence content (it was already "
            "checked against the manifest while restoring).",
        )

    def handle(self, *args, path: str, skip_blobs: bool = False, **options) -> None:
        try:
            result = restore_backup(path, check_blobs=not skip_blobs, progress=self.stdout.write)
        except (ArchiveError, RestoreError) as exc:
            raise CommandError(str(exc)) from exc
        for label, value in [
            ("rows", f"{result.rows:,} in {result.models} tables"),
            (
                "files",
                f"{result.files_written:,} written ({size_text(result.content_bytes)}), "
                f"{result.files_skipped:,} already present",
            ),
            ("ledger", f"{result.tree_size:,} leaves, root {result.root}: audit clean"),
            ("seconds", f"{result.seconds:.1f}"),
        ]:
            self.stdout.write(f"{label:<8} {value}")
        self.stdout.write(self.style.SUCCESS("Restore complete."))
