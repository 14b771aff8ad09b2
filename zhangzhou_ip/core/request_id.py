"""A request id on every request, its response and every log line written while it runs.

With several application servers behind a load balancer, one user's failed request leaves
lines in nginx's log, in one of the gunicorn nodes' access logs and in Django's log; the id
ties them together. nginx makes it (``proxy_set_header X-Request-ID $request_id``,
docs/deploy.md) and ``RequestIdMiddleware`` takes it from ``X-Request-ID`` when it is a sane
token — letters, digits and ``._:-``, at most 128 characters, so nothing a client sends can
forge a log line or a header — and makes a uuid4 hex otherwise (no proxy, or a header that
is not a token). An id never looks like a resident ID number (one that does is replaced, or
drawn again): the log filters leave ``request_id`` alone (core/logging.py), so it must never
carry one. The price: about one nginx id in 1,600 holds such a run of digits, and that request
is logged by the app under an id of its own.

The id goes back in the response's ``X-Request-ID`` (gunicorn's access log reads it there:
gunicorn.conf.py) and lives in a context variable until the response is closed
(``request_finished``) — not just until the middleware returns, because Django logs a 4xx or
5xx answer ("Not Found: …") after the middleware chain. ``RequestIdFilter`` puts it on every
log record as ``request_id`` (``None`` outside a request: commands, the task worker, start-up).

Imports nothing from the apps: the project's ``core`` is plumbing (docs/architecture.md).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

from zhangzhou_ip.core.logging import ID_NUMBER_RE

HEADER = "X-Request-ID"
_META_KEY = "HTTP_X_REQUEST_ID"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")

_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def get_request_id() -> str | None:
    """The id of the request this code runs for, or ``None`` outside a request."""
    return _current.get()


def request_id_from(header: str | None) -> str:
    """The proxy's id when it is a sane token, a new uuid4 hex otherwise; never one with a run
    of digits that reads as a resident ID number."""
    if header and _SANE.fullmatch(header) and not ID_NUMBER_RE.search(header):
        return header
    while True:
        new = uuid.uuid4().hex
        if not ID_NUMBER_RE.search(new):
            return new


class RequestIdMiddleware:
    """First in ``MIDDLEWARE``: every answer carries the id, redirects and errors included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.META.get(_META_KEY))
        request.request_id = request_id
        _current.set(request_id)  # cleared by _forget when the response is closed
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def _forget(**kwargs: object) -> None:
    _current.set(None)


request_finished.connect(_forget, dispatch_uid="zhangzhou_ip.core.request_id")


class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` on every record (attached to the handlers in ``settings.LOGGING``);
    a record that already carries one (gunicorn's access line) keeps it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = _current.get()
        return True
