"""SQL statements and database time per request as response headers, for measurement only
(issue 9: ``bench/run.py`` reads them to report queries per request next to the latency).

On when ``settings.QUERY_COUNT_HEADER`` is true (environment ``QUERY_COUNT_HEADER=1``; off by
default): ``settings.py`` then puts :class:`QueryCountMiddleware` first in ``MIDDLEWARE``, so
the statements of every other middleware (session, user, membership, session save) count too.
Off, it is not in the chain at all — and if listed anyway it removes itself at start-up
(``MiddlewareNotUsed``) — so production pays nothing. The headers tell anyone who can send a
request how many queries a page makes, which is why it is not for production.

Each answer gets ``X-Query-Count: <n>`` and ``Server-Timing: db;dur=<ms>;desc="<n> queries"``
(browsers' developer tools show the latter). Counted: every ``execute``/``executemany`` on
every database connection of the request thread — what ``CaptureQueriesContext`` counts,
savepoints included; not counted: ``COPY`` and statements run while a streaming response is
iterated, i.e. after the view returned it (the headers are sent before the body).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import connections
from django.http import HttpRequest, HttpResponseBase


class _Counter:
    """An ``execute_wrapper``: counts the statements and adds up their time."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: Any):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


class QueryCountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        if not getattr(settings, "QUERY_COUNT_HEADER", False):
            raise MiddlewareNotUsed("QUERY_COUNT_HEADER is off")
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        counter = _Counter()
        with ExitStack() as stack:
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(counter))
            response = self.get_response(request)
        timing = f'db;dur={counter.seconds * 1000:.1f};desc="{counter.count} queries"'
        if response.has_header("Server-Timing"):
            timing = f"{response['Server-Timing']}, {timing}"
        response["Server-Timing"] = timing
        response["X-Query-Count"] = str(counter.count)
        return response
