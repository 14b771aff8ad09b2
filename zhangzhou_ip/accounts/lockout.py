"""Lockout after repeated failed logins (django-axes): the client address the lockout is keyed
on, and what a locked-out client is told.

axes calls :func:`client_ip` (``AXES_CLIENT_IP_CALLABLE``) for every attempt and
:func:`lockout_response` (``AXES_LOCKOUT_CALLABLE``) when ``AxesMiddleware`` sees a refused
attempt; the API token view calls the latter itself. The lockout is keyed on the username
*and* the address (``AXES_LOCKOUT_PARAMETERS`` in settings, decision 0015).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
from dataclasses import dataclass

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from zhangzhou_ip.core.middleware import API_PREFIX

LOCKOUT_TEMPLATE = "registration/locked_out.html"


def client_ip(request: HttpRequest) -> str | None:
    """The address a login attempt is counted against.

    ``REMOTE_ADDR`` unless ``LOGIN_TRUSTED_PROXY_COUNT`` says how many reverse proxies of ours
    stand in front of the application; then the address the outermost of them saw, read from
    ``X-Forwarded-For`` counting from the right (the same rule as DRF's ``NUM_PROXIES``).
    Entries further left are written by the client: trusting them would let an attacker name a
    fresh address for every attempt and never be locked out. So the header is ignored unless
    proxies are configured, and an entry that is not an IP address falls back to
    ``REMOTE_ADDR``.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = getattr(settings, "LOGIN_TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count <= 0 or not forwarded.strip():
        return remote
    hops = [hop.strip() for hop in forwarded.split(",")]
    try:
        return str(ipaddress.ip_address(hops[-min(count, len(hops))]))
    except ValueError:
        return remote


@dataclass(frozen=True)
class Lockout:
    """When a locked-out (username, address) pair may try again (``None``: only after an
    administrator unlocks it, i.e. no cool-off is configured)."""

    username: str
    failure_limit: int
    retry_at: dt.datetime | None

    @property
    def retry_after_seconds(self) -> int | None:
        if self.retry_at is None:
            return None
        return max(0, math.ceil((self.retry_at - timezone.now()).total_seconds()))

    @property
    def retry_after_minutes(self) -> int | None:
        seconds = self.retry_after_seconds
        return None if seconds is None else max(1, math.ceil(seconds / 60))

    @property
    def retry_at_display(self) -> str:
        if self.retry_at is None:
            return ""
        local = timezone.localtime(self.retry_at)
        if local.date() == timezone.localdate():
            return date_format(local, "H:i")
        return date_format(local, "Y-m-d H:i")


def lockout_for(request: HttpRequest, credentials: dict | None = None) -> Lockout:
    """The lockout of this request's (username, address) pair.

    The lock lifts one cool-off after the latest counted failure (failures while locked are
    not counted, ``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False``, so the time shown
    holds). With several rows for the pair (different browsers) it may lift a little earlier,
    never later.
    """
    username = get_client_username(request, credentials) or ""
    limit = get_failure_limit(request, credentials)
    cool_off = get_cool_off(request)
    if cool_off is None:
        return Lockout(username=username, failure_limit=limit, retry_at=None)
    latest = None
    handler = AxesProxyHandler.get_implementation()
    get_attempts = getattr(handler, "get_user_attempts", None)  # the database handler's
    if get_attempts is not None:
        for attempts in get_attempts(request, credentials):
            candidate = attempts.aggregate(latest=Max("attempt_time"))["latest"]
            if candidate is not None and (latest is None or candidate > latest):
                latest = candidate
    return Lockout(
        username=username,
        failure_limit=limit,
        retry_at=(latest or timezone.now()) + cool_off,
    )


def lockout_message(lockout: Lockout) -> str:
    """One sentence for API clients (the page says the same at more length)."""
    if lockout.retry_at is None:
        return _(
            "Too many failed log-in attempts: this account is locked for your network. Ask "
            "your organisation's administrator or the platform administrator to unlock it."
        )
    return _(
        "Too many failed log-in attempts: this account is locked for your network until "
        "%(time)s (about %(minutes)s minutes). To get in sooner, ask your organisation's "
        "administrator or the platform administrator to unlock it."
    ) % {"time": lockout.retry_at_display, "minutes": lockout.retry_after_minutes}


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """429 with the time the lock lifts and whom to ask: JSON under ``/api/``, else a page."""
    if credentials is None:
        credentials = getattr(request, "axes_credentials", None)
    lockout = lockout_for(request, credentials)
    if request.path.startswith(API_PREFIX):
        body = {"detail": lockout_message(lockout), "code": "locked_out"}
        if lockout.retry_at is not None:
            body["retry_at"] = lockout.retry_at.isoformat()
            body["retry_after"] = lockout.retry_after_seconds
        response: HttpResponse = JsonResponse(body, status=429)
    else:
        context = {
            "lockout": lockout,
            "support_contact": getattr(settings, "SUPPORT_CONTACT", ""),
        }
        response = render(request, LOCKOUT_TEMPLATE, context, status=429)
    if lockout.retry_at is not None:
        response["Retry-After"] = str(lockout.retry_after_seconds)
    return response
