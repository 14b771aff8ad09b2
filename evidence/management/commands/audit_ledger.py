"""``python manage.py audit_ledger [--skip-blobs]`` — recompute the evidence ledger from the
records and stored content and report every discrepancy (``evidence.audit``). Exits 1 on any
finding, so a scheduler or monitoring check can alert on it."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from evidence.audit import AuditReport, audit_ledger


class Command(BaseCommand):
    help = (
        "Audit the evidence ledger: recompute every leaf from its record or withdrawal, hash "
        "every stored blob, rebuild the Merkle tree and compare every stored node, and check "
        "every checkpoint's signature, root and consistency. Prints each finding on its own "
        "line naming the record number, and exits with status 1 when there is any."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--skip-blobs",
            action="store_true",
            help="Do not re-read the stored content (much faster; content is not checked).",
        )

    def handle(self, *args, skip_blobs: bool = False, **options) -> None:
        report = audit_ledger(check_blobs=not skip_blobs, progress=self._progress)
        self._summary(report)
        if report.findings:
            for finding in report.findings:
                self.stdout.write(self.style.ERROR(str(finding)))
            raise CommandError(
                f"{len(report.findings)} finding(s): the ledger does not match its records, "
                "content or checkpoints (see above)."
            )
        self.stdout.write(self.style.SUCCESS("No findings: the ledger is intact."))

    def _progress(self, stage: str, done: int, total: int) -> None:
        self.stdout.write(f"  {stage}: {done:,} of {total:,}")

    def _summary(self, report: AuditReport) -> None:
        blobs = f"{report.blobs:,} checked" if report.blobs_checked else "skipped (--skip-blobs)"
        for label, value in [
            ("leaves", f"{report.leaves:,} of tree size {report.tree_size:,}"),
            ("records", f"{report.records:,}"),
            ("withdrawals", f"{report.withdrawals:,}"),
            ("blobs", blobs),
            ("nodes", f"{report.nodes:,} checked"),
            ("checkpoints", f"{report.checkpoints:,} checked"),
            ("root", report.root_hex),
        ]:
            self.stdout.write(f"{label:<12} {value}")
