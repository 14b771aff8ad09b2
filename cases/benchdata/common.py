"""Shared pieces of the benchmark data (``cases.benchdata``): configuration and report, the
aliases and seasonal weights, random helpers, the ``COPY``/``executemany`` row writer, id
allocation, and the working-day calendar with its statutory periods."""

from __future__ import annotations

import bisect
import datetime as dt
import json
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max

from alliance import deadlines
from alliance.models import IntellectualProperty, Membership, Organization
from cases.choices import DisputeType
from cases.models import JudicialConfirmation
from evidence import demo as evidence_demo

Kind = Organization.Kind
IPKind = IntellectualProperty.Kind
Role = Membership.Role
CStatus = JudicialConfirmation.Status
D = DisputeType
TZ = ZoneInfo(settings.TIME_ZONE)
ZERO = Decimal("0.00")
#: Month weights: quiet at the Spring Festival, busy before 618 and Double 11.
MONTH_WEIGHTS = evidence_demo._MONTH_WEIGHTS
#: Yearly growth of the alliance's volume (the weight rises by this per year).
GROWTH_PER_YEAR = 0.5


# ---------------------------------------------------------------------------------------------
# Configuration, report, progress
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchConfig:
    cases: int = 100_000
    evidence: int = 1_000_000
    seed: int = 2026
    first_year: int = 2022
    as_of: dt.date | None = None  # the last day of the data; default yesterday
    batch_size: int = 10_000

    def end(self) -> dt.date:
        """The last day with data: yesterday unless given, so no time lies in the future."""
        return self.as_of or dt.datetime.now(TZ).date() - dt.timedelta(days=1)


@dataclass
class BenchReport:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


Progress = Callable[[str], None]


def _choice(rng: random.Random, weighted: Sequence[tuple[Any, int]]) -> Any:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _money(rng: random.Random, low: int, high: int, step: int = 1000) -> Decimal:
    return Decimal(rng.randrange(low, high + 1, step)).quantize(ZERO)


# ---------------------------------------------------------------------------------------------
# Writing rows in bulk
# ---------------------------------------------------------------------------------------------


class _Rows:
    """The rows of one table, written in batches: ``COPY`` on PostgreSQL, ``executemany``
    (with each field's own database preparation) elsewhere. Values are given per attname."""

    def __init__(self, model: type[models.Model], names: Sequence[str], batch: int) -> None:
        meta = model._meta
        self.fields = [meta.get_field(name) for name in names]
        self.table = meta.db_table
        self.batch = batch
        self.rows: list[tuple] = []
        self.count = 0
        quote = connection.ops.quote_name
        self.columns = ", ".join(quote(f.column) for f in self.fields)
        self.json = [i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)]

    def add(self, *values: Any) -> None:
        self.rows.append(values)

    def flush(self) -> None:
        if not self.rows:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                sql = f"COPY {connection.ops.quote_name(self.table)} ({self.columns}) FROM STDIN"
                with cursor.cursor.copy(sql) as copy:
                    for row in self.rows:
                        if self.json:
                            row = list(row)
                            for i in self.json:
                                row[i] = json.dumps(row[i], ensure_ascii=False)
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.fields))
                sql = f"INSERT INTO {connection.ops.quote_name(self.table)} ({self.columns}) "
                params = [
                    [
                        f.get_db_prep_save(v, connection)
                        for f, v in zip(self.fields, row, strict=True)
                    ]
                    for row in self.rows
                ]
                for start in range(0, len(params), self.batch):
                    cursor.executemany(
                        sql + f"VALUES ({marks})", params[start : start + self.batch]
                    )
        self.count += len(self.rows)
        self.rows = []


def _next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def _reset_sequences(models_: Iterable[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# ---------------------------------------------------------------------------------------------
# Days: working days, weights, statutory periods (the holiday tables, read once a year)
# ---------------------------------------------------------------------------------------------


class _Days:
    """The working days of the period with their weights, and the statutory period ends of
    ``alliance.deadlines`` computed once per start day (one query per year)."""

    def __init__(self, first: dt.date, last: dt.date) -> None:
        self.first, self.last = first, last
        self._rest: dict[dt.date, bool] = {}
        self.days = [d for d in _dates(first, last) if not self.rest(d)]
        weights = [
            MONTH_WEIGHTS[d.month] * (1 + GROWTH_PER_YEAR * (d - first).days / 365.25)
            for d in self.days
        ]
        self.cum = list(accumulate(weights))
        self._ends: dict[tuple[int, int], dict[dt.date, dt.date | None]] = {}

    def rest(self, day: dt.date) -> bool:
        """``deadlines.is_rest_day``, read for a year at a time: a one-day period from the day
        before ends on ``day`` exactly when ``day`` is not a rest day."""
        if day not in self._rest:
            year = [
                d - dt.timedelta(days=1)
                for d in _dates(dt.date(day.year, 1, 1), dt.date(day.year, 12, 31))
            ]
            for start, end in deadlines.statutory_period_ends(year, days=1).items():
                following = start + dt.timedelta(days=1)
                self._rest[following] = (
                    following.weekday() >= 5 if end is None else end != following
                )
        return self._rest[day]

    def pick(self, rng: random.Random, since: dt.date | None = None) -> dt.date:
        """A working day, weighted by season and growth, on or after ``since``."""
        low = 0.0
        if since is not None and since > self.first:
            index = bisect.bisect_left(self.days, since)
            if index >= len(self.days):
                return self.days[-1]
            low = self.cum[index - 1] if index else 0.0
        return self.days[
            min(
                bisect.bisect_left(self.cum, low + rng.random() * (self.cum[-1] - low)),
                len(self.days) - 1,
            )
        ]

    def after(self, day: dt.date, n: int) -> dt.date:
        """``n`` working days after ``day`` (``0``: the day itself, or the next working day)."""
        while self.rest(day):
            day += dt.timedelta(days=1)
        while n > 0:
            day += dt.timedelta(days=1)
            if not self.rest(day):
                n -= 1
        return day

    def period_end(self, start: dt.date, *, days: int = 0, months: int = 0) -> dt.date | None:
        """``deadlines.statutory_period_end`` (``None`` where no calendar covers the end)."""
        key = (days, months)
        if key not in self._ends:
            starts = list(
                _dates(self.first - dt.timedelta(days=10), self.last + dt.timedelta(days=400))
            )
            kwargs = {"days": days} if days else {"months": months}
            self._ends[key] = deadlines.statutory_period_ends(starts, **kwargs)
        if start not in self._ends[key]:
            kwargs = {"days": days} if days else {"months": months}
            try:
                self._ends[key][start] = deadlines.statutory_period_end(start, **kwargs)
            except deadlines.CalendarUnavailable:
                self._ends[key][start] = None
        return self._ends[key][start]


def _dates(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def _at(rng: random.Random, day: dt.date, earliest: dt.datetime | None = None) -> dt.datetime:
    """A moment in the working hours of ``day``, not before ``earliest`` (plus a few minutes)."""
    minutes = rng.choice([8 * 60 + 30, 9 * 60, 10 * 60, 11 * 60, 14 * 60 + 30, 15 * 60, 16 * 60])
    moment = dt.datetime.combine(day, dt.time(), TZ) + dt.timedelta(
        minutes=minutes + rng.randrange(60), seconds=rng.randrange(60)
    )
    if earliest is not None and moment <= earliest:
        moment = earliest + dt.timedelta(minutes=rng.randint(3, 15), seconds=rng.randrange(60))
    return moment
