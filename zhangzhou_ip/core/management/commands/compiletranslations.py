"""Compile the gettext catalogues (.po → .mo) in pure Python.

Django's ``compilemessages`` needs GNU gettext's ``msgfmt``, which a fresh machine may not
have; polib writes the same .mo files. ``--check`` fails when a catalogue has untranslated
or fuzzy entries, so the Chinese UI stays complete."""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def catalogues() -> list[Path]:
    found: list[Path] = []
    roots = [Path(p) for p in settings.LOCALE_PATHS]
    for root in roots:
        found.extend(sorted(root.glob("*/LC_MESSAGES/*.po")))
    return found


class Command(BaseCommand):
    help = "Compile .po catalogues to .mo with polib (no msgfmt needed)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Fail on untranslated or fuzzy entries."
        )

    def handle(self, *args, check: bool = False, **options):
        problems: list[str] = []
        for po_path in catalogues():
            po = polib.pofile(str(po_path))
            if check:
                untranslated = po.untranslated_entries()
                fuzzy = po.fuzzy_entries()
                for entry in untranslated[:20]:
                    problems.append(f"{po_path}: untranslated: {entry.msgid!r}")
                for entry in fuzzy[:20]:
                    problems.append(f"{po_path}: fuzzy: {entry.msgid!r}")
                if len(untranslated) + len(fuzzy) > 40:
                    problems.append(
                        f"{po_path}: … {len(untranslated)} untranslated, {len(fuzzy)} fuzzy"
                    )
            mo_path = po_path.with_suffix(".mo")
            po.save_as_mofile(str(mo_path))
            self.stdout.write(
                f"compiled {po_path.parent.parent.name}: {po.percent_translated()}% translated"
            )
        if problems:
            raise CommandError("Incomplete translations:\n" + "\n".join(problems))
