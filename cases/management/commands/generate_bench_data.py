"""``python manage.py generate_bench_data [--cases N] [--evidence M] [--seed S] [--years A-B]``
— add benchmark data at alliance scale on top of the demo (``cases.benchdata``, issue 9).

Meant for a throw-away PostgreSQL database (``DATABASE_URL``); works, slowly, on SQLite. The
same seed on the same database gives the same rows."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from cases.benchdata import BenchConfig, generate


def _years(value: str) -> tuple[int, int | None]:
    first, _dash, last = value.partition("-")
    try:
        return int(first), int(last) if last else None
    except ValueError as exc:
        raise CommandError(f"--years: expected YYYY or YYYY-YYYY, not {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Add benchmark data on top of the demo (run load_demo first): enterprises, IP rights, "
        "evidence records appended to the ledger, and mediation cases in every status with "
        "their parties, rights, sessions, agreements, shares, collaboration requests, judicial "
        "confirmations and protection actions. Prints progress per batch and a summary."
    )

    def add_arguments(self, parser) -> None:
        defaults = BenchConfig()
        parser.add_argument("--cases", type=int, default=defaults.cases, help="Cases to add.")
        parser.add_argument(
            "--evidence", type=int, default=defaults.evidence, help="Evidence records to add."
        )
        parser.add_argument(
            "--seed", type=int, default=defaults.seed, help="Seed of the random generator."
        )
        parser.add_argument(
            "--years",
            default=str(defaults.first_year),
            metavar="YYYY[-YYYY]",
            help="Spread the data from 1 January of the first year to the end of the last "
            "(default: from 2022 to yesterday; never later than yesterday).",
        )
        parser.add_argument(
            "--as-of",
            metavar="YYYY-MM-DD",
            help="The last day of the data instead of yesterday (for reproducible runs).",
        )
        parser.add_argument(
            "--batch-size", type=int, default=defaults.batch_size, help="Rows per batch."
        )

    def handle(self, *args, **options) -> None:
        first, last = _years(options["years"])
        as_of = None
        if options["as_of"]:
            try:
                as_of = dt.date.fromisoformat(options["as_of"])
            except ValueError as exc:
                raise CommandError(
                    f"--as-of: expected YYYY-MM-DD, not {options['as_of']!r}"
                ) from exc
        default_end = BenchConfig().end()
        if as_of is not None and as_of > default_end:
            raise CommandError(f"--as-of: the data cannot reach beyond yesterday ({default_end}).")
        if last is not None:
            as_of = min(as_of or dt.date(last, 12, 31), dt.date(last, 12, 31), default_end)
        if options["cases"] < 0 or options["evidence"] < 0 or options["batch_size"] < 1:
            raise CommandError("--cases and --evidence must be ≥ 0, --batch-size ≥ 1.")
        config = BenchConfig(
            cases=options["cases"],
            evidence=options["evidence"],
            seed=options["seed"],
            first_year=first,
            as_of=as_of,
            batch_size=options["batch_size"],
        )
        try:
            report = generate(config, progress=self.stdout.write)
        except (LookupError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("")
        for name, count in report.counts.items():
            self.stdout.write(f"{name:<28} {count:>12,}")
        seconds = ", ".join(f"{name} {value:.1f} s" for name, value in report.seconds.items())
        self.stdout.write(self.style.SUCCESS(f"Benchmark data added ({seconds})."))
