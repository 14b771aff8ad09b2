"""``python manage.py backup PATH`` — the database, the uploaded files and the evidence content
in one archive (``zhangzhou_ip.backup.backup``; decision 0017)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from zhangzhou_ip.backup.archive import ArchiveError
from zhangzhou_ip.backup.backup import create_backup


def size_text(count: int) -> str:
    value = float(count)
    for unit in ["bytes", "KiB", "MiB", "GiB"]:
        if value < 1024 or unit == "GiB":
            return f"{value:,.0f} {unit}" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    raise AssertionError  # pragma: no cover


class Command(BaseCommand):
    help = (
        "Write a backup archive to PATH (.tar, or .tar.gz / .tgz compressed): manifest.json "
        "with sizes and SHA-256 of every file, every database row as Django JSON Lines, the "
        "uploaded files and the evidence content, and the ledger's signed checkpoint. Signs a "
        "checkpoint first if the ledger grew. Reads one consistent snapshot, so the "
        "application may keep running. The archive holds personal data, password hashes and "
        "API tokens: keep it as safe as the database."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="Where to write the archive (must not exist yet).")
        parser.add_argument(
            "--no-checkpoint",
            action="store_true",
            help="Do not sign a checkpoint first (e.g. on a read-only replica); leaves added "
            "since the latest checkpoint are then covered by the manifest only.",
        )

    def handle(self, *args, path: str, no_checkpoint: bool = False, **options) -> None:
        try:
            result = create_backup(
                path, sign_checkpoint=not no_checkpoint, progress=self.stdout.write
            )
        except ArchiveError as exc:
            raise CommandError(str(exc)) from exc
        for name in result.missing_media:
            self.stderr.write(f"warning: {name} is named by a row but missing from storage")
        files = result.evidence_files + result.media_files
        checkpoint = (
            f"signed checkpoint of {result.checkpoint_size:,}"
            if result.checkpoint_size is not None
            else "no checkpoint"
        )
        for label, value in [
            ("archive", f"{result.path} ({size_text(result.archive_bytes)})"),
            ("sha256", result.archive_sha256),
            ("rows", f"{result.rows:,} in {result.models} tables"),
            (
                "files",
                f"{files:,} ({result.evidence_files:,} evidence, {result.media_files:,} "
                f"uploads), {size_text(result.content_bytes)}",
            ),
            ("ledger", f"{result.tree_size:,} leaves, root {result.root} ({checkpoint})"),
            ("seconds", f"{result.seconds:.1f}"),
        ]:
            self.stdout.write(f"{label:<8} {value}")
        self.stdout.write(self.style.SUCCESS("Backup complete."))
