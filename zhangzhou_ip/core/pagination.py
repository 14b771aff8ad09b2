"""Pagination that stays fast on big tables (issue 9).

HTML lists count at most ``LIST_COUNT_LIMIT`` rows (``CappedPaginator``): an exact
``COUNT(*)`` over the 39,000 cases a mediator of a large bureau sees cost ~100 ms on
PostgreSQL, as much as the rest of the page; counting stops at the limit instead, the page
says "5,000+" and offers the pages up to it (filters narrow a list further; exports and the
API reach every row). The API pages by keyset (``zhangzhou_ip.core.api_pagination``).

Where the list can read its rows by id (``rows_by_ids``: the evidence list, the case lists), a
count of at most ``FEW_ROWS`` rows also reads their ids (PostgreSQL; the case lists' status
sample does the same, ``count_groups``), and the page is then read by those ids alone. A
search that matches a handful of the records a user sees otherwise lets PostgreSQL walk the
list's order index backwards through hundreds of thousands of records it may not show to
find 25 it may (decision 0020 §30, §33).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

from zhangzhou_ip.core.lookups import IdArray

#: The most rows whose ids a count reads as well (~1 ms of index probes for the page).
FEW_ROWS = 500


class CappedPaginator(Paginator):
    """A ``Paginator`` whose ``count`` stops at ``limit``; ``capped`` tells whether more rows
    exist. Pages past the limit are out of range (``get_page`` shows the last one)."""

    def __init__(
        self,
        object_list,
        per_page,
        *args,
        limit: int | None = None,
        rows_by_ids: Callable[[IdArray], QuerySet] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(object_list, per_page, *args, **kwargs)
        self.limit = settings.LIST_COUNT_LIMIT if limit is None else limit
        #: the same rows, in the same order, read by their ids alone (without the filters
        #: that found them); given, a count of at most ``FEW_ROWS`` reads the ids
        self.rows_by_ids = rows_by_ids
        self.ids: IdArray | None = None  # every row's id, when the count read them

    def counted_elsewhere(self, rows: int, ids: IdArray | None = None) -> None:
        """The caller read the same rows (up to ``limit + 1``) already: no count query; with
        ``ids``, every one of those rows' ids, and the page is read by them when the
        paginator has ``rows_by_ids``."""
        self.__dict__["_counted"] = min(rows, self.limit + 1)
        if ids is not None and self.rows_by_ids is not None:
            self.ids = ids

    @cached_property
    def _counted(self) -> int:
        """Rows, up to ``limit + 1``: one query, ``SELECT COUNT(*) FROM (… LIMIT n)``; on
        PostgreSQL the same query gives the rows' ids too when they are at most
        ``FEW_ROWS`` (``ids``)."""
        rows = self.object_list.order_by().values("pk")[: self.limit + 1]
        connection = connections[rows.db]
        if self.rows_by_ids is None or connection.vendor != "postgresql":
            return rows.count()
        try:
            sql, params = rows.query.sql_with_params()
        except EmptyResultSet:  # a filter that can match nothing
            return 0
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*), CASE WHEN COUNT(*) <= %s THEN ARRAY_AGG(id)::text END"
                f" FROM ({sql}) AS counted (id)",
                (FEW_ROWS, *params),
            )
            counted, ids = cursor.fetchone()
        if ids is not None:
            self.ids = IdArray(ids, counted)
        return counted

    def page(self, number):
        """Counted first; when the count read the ids, the page's rows are read by them."""
        number = self.validate_number(number)
        if self.ids is not None:
            self.object_list = self.rows_by_ids(self.ids)
            self.ids = None  # once
        return super().page(number)

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.limit)

    @property
    def capped(self) -> bool:
        return self._counted > self.limit


def count_groups(rows: QuerySet, *, with_ids: bool = False) -> list[tuple]:
    """How often each combination of the ``values_list`` columns after the first occurs among
    ``rows`` (``WITH sample AS (rows) SELECT <columns 2…>, COUNT(*) … GROUP BY …``). The first
    column names the row (its primary key), so a DISTINCT in ``rows`` keeps one entry per row.
    ``rows`` may be sliced (the ORM cannot group over a LIMIT): counting stops where the slice
    does.

    ``with_ids``: each tuple ends with its group's row ids, read by the same statement on
    PostgreSQL when ``rows`` holds at most ``FEW_ROWS`` rows in all; ``None`` otherwise."""
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (e.g. ``pk IN ()``)
        return []
    width = len(rows.query.values_select) + len(rows.query.annotation_select)
    names = [f"c{i}" for i in range(width)]
    grouped = ", ".join(names[1:])
    connection = connections[rows.db]
    ids = ""
    if with_ids:
        # a window over the groups' counts: the ids only when every group together is few
        ids = (
            f", CASE WHEN SUM(COUNT(*)) OVER () <= {int(FEW_ROWS)} THEN ARRAY_AGG({names[0]}) END"
            if connection.vendor == "postgresql"
            else ", NULL"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH sample ({', '.join(names)}) AS ({sql}) "
            f"SELECT {grouped}, COUNT(*){ids} FROM sample GROUP BY {grouped}",
            params,
        )
        return [tuple(row) for row in cursor.fetchall()]
