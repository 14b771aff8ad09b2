"""Values computed once per request (``memoized``), forgotten when the response is made.

A case-list page asks who may see which case three or four times (the list, the status
chips, the organisation and mediator filters); the ids of the cases shared with the user's
organisation are read once instead. Outside a request — commands, tasks, tests calling a
selector directly — nothing is kept, so a change is always seen by the next call.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_memo: ContextVar[dict[Hashable, object] | None] = ContextVar("request_memo", default=None)


class RequestMemoMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)


def memoized(key: Hashable, compute: Callable[[], T]) -> T:
    store = _memo.get()
    if store is None:
        return compute()
    if key not in store:
        store[key] = compute()
    return store[key]  # type: ignore[return-value]


def peek(key: Hashable) -> object | None:
    """What ``memoized`` kept under ``key`` in this request, without computing it; ``None``
    when nothing was (or outside a request)."""
    store = _memo.get()
    return None if store is None else store.get(key)


def per_user(func: Callable[[Any], T]) -> Callable[[Any], T]:
    """``func(user)`` computed once per request and user (``memoized``). For the pieces a
    page's selectors ask for several times; they must not depend on anything but the user
    and must be safe to share (lazy querysets, sets nobody changes)."""

    @functools.wraps(func)
    def once(user) -> T:
        return memoized((func.__module__, func.__qualname__, user.pk), lambda: func(user))

    return once


def forget() -> None:
    """Drop what this request computed (after a change that alters the answers)."""
    store = _memo.get()
    if store is not None:
        store.clear()
