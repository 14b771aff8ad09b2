"""``AnyOf``: ``column = ANY(%s)`` with the whole list as one array parameter (PostgreSQL).

Django writes ``pk__in=[…]`` as one placeholder per value and prepares each value in Python:
with the 7,900 ids of the cases shared with a large bureau that cost ~30 ms per query built.
One array parameter costs nothing to build; PostgreSQL hashes a constant array when it tests
many rows and uses it as an index condition when it tests few.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import (
    BooleanField,
    Expression,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from zhangzhou_ip.core.request_memo import memoized, peek


@dataclass(frozen=True)
class IdArray:
    """A PostgreSQL ``bigint[]`` in its text form (``'{1,2,3}'``) and how many ids it holds;
    ``rows``: how many rows it was read from, repeats included (not part of its value)."""

    text: str
    size: int
    rows: int = dataclasses.field(default=0, compare=False)

    @classmethod
    def of(cls, values: Iterable[int]) -> IdArray:
        ids = sorted({int(value) for value in values})
        return cls("{" + ",".join(map(str, ids)) + "}", len(ids))


class AnyOf(Expression):
    """Use in a filter: ``queryset.filter(AnyOf(F("pk"), ids))`` (PostgreSQL only); ``ids``
    is an ``IdArray`` or any iterable of ints."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: F, values: IdArray | Iterable[int]) -> None:
        super().__init__()
        self.column = column
        self.array = values if isinstance(values, IdArray) else IdArray.of(values)

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, exprs):
        (self.column,) = exprs

    def as_sql(self, compiler, connection):
        column_sql, column_params = compiler.compile(self.column)
        # The array as its text form: psycopg adapts a list element by element in Python
        # (~1 µs an id, ~7 ms for a large bureau's 7,800 shared cases).
        return f"{column_sql} = ANY(%s::bigint[])", (*column_params, self.array.text)


#: The most rows ``pk_in`` reads into an array (repeats included: see ``pk_in``).
ID_LIST_LIMIT = 20_000


def union_of(*subqueries: QuerySet, repeats: bool = False) -> QuerySet:
    """The subqueries' rows as one ``UNION`` (duplicates dropped; with ``repeats``,
    ``UNION ALL``), each without its default ordering: SQLite refuses ``ORDER BY`` inside a
    compound statement."""
    first, *others = (subquery.order_by() for subquery in subqueries)
    return first.union(*others, all=repeats) if others else first


def pk_in(key: Hashable, *subqueries: QuerySet, field: str = "pk") -> Q:
    """``field IN`` the ids the subqueries (``values_list(…, flat=True)``) give.

    On PostgreSQL the ids are read once per request (``request_memo``) and passed as one
    array (``AnyOf``), so the planner can hash them or use an index; past ``ID_LIST_LIMIT``
    rows, and on SQLite, the subqueries stay subqueries.

    The subqueries are read as ``UNION ALL``: ``read_id_array`` drops the repeats while it
    sorts, and a ``UNION`` would hash every row once more before that (a search's 14,366
    party and right rows: 10.1 → 7.0 ms). So the limit counts rows, repeats included: a
    list whose rows repeat many ids keeps its subqueries a little sooner.
    """

    def read() -> IdArray | None:
        array = read_id_array(union_of(*subqueries, repeats=True)[: ID_LIST_LIMIT + 1])
        # past the limit the rows were cut short: the array would miss ids
        return None if array.rows > ID_LIST_LIMIT else array

    array = memoized(key, read) if connection.vendor == "postgresql" else None
    if array is not None:
        return Q(AnyOf(F(field), array))
    q = Q()
    for subquery in subqueries:
        q |= Q(**{f"{field}__in": subquery})
    return q


def id_array_size(key: Hashable) -> int:
    """How many ids the array that ``pk_in(key, …)`` read in this request holds: 0 when it
    read none (SQLite, past ``ID_LIST_LIMIT``, outside a request, not asked yet)."""
    array = peek(key)
    return array.size if isinstance(array, IdArray) else 0


def read_id_array(ids: QuerySet) -> IdArray:
    """The distinct ids ``ids`` (one integer column) gives, as PostgreSQL's text of a sorted
    array, built by the database: 6,800 ids through the ORM's row iterator, a set, a sort and
    a join cost a large bureau's list ~1.5 ms of Python per request; one string costs none."""
    try:
        sql, params = ids.query.sql_with_params()
    except EmptyResultSet:
        return IdArray("{}", 0)
    with connections[ids.db].cursor() as cursor:
        cursor.execute(
            "SELECT n, CARDINALITY(a), a::text FROM (SELECT COUNT(*) AS n,"
            f" ARRAY_AGG(DISTINCT id ORDER BY id) AS a FROM ({sql}) AS ids (id)) AS agg",
            params,
        )
        rows, size, text = cursor.fetchone()
    return IdArray(text, size, rows) if size else IdArray("{}", 0, rows)


def count_of(queryset: QuerySet, field: str) -> Coalesce:
    """An annotation: how many rows of ``queryset`` have ``field`` equal to the outer row's
    pk (0 when none) — a badge's number read with the row instead of by a query of its own.
    ``COUNT`` is written as a plain function so the subquery gets no ``GROUP BY``."""
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .annotate(_count=Func(F("pk"), function="COUNT", output_field=IntegerField()))
        .values("_count")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)
