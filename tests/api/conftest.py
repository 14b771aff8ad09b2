"""The world the API fuzzer runs against: the case world (tests/cases/conftest.py) plus one
object of each kind the API serves, so that generated ids sometimes name a real object, and an
API token per role.

The objects are those the authorization matrix checks (tests/world.py)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework.authtoken.models import Token

from tests.cases.conftest import _holiday_calendar_ahead, case_world
from tests.world import build_objects

__all__ = ["_holiday_calendar_ahead", "case_world"]

# The roles the fuzzer sends every generated request as ("anonymous" sends no credentials).
FUZZ_ROLES = ("anonymous", "superuser", "mediator", "partner", "enterprise", "servicepoint")


@pytest.fixture
def fuzz_world(case_world, settings):
    """One object of each kind (as in the authorization matrix), and ``tokens``: the
    ``Authorization`` header of each role in ``FUZZ_ROLES``. The superuser's token is accepted
    whatever the environment says about two-factor (with ``DEBUG=0`` a superuser's token is
    refused until it has a second factor, and the fuzzer would see only refusals)."""
    settings.OTP_REQUIRED_FOR_SUPERUSERS = False
    objects = build_objects(case_world)
    tokens = {
        role: f"Token {Token.objects.create(user=case_world['users'][role]).key}"
        for role in FUZZ_ROLES
        if role != "anonymous"
    }
    return {**case_world, "tokens": tokens, "objects": objects}


@pytest.fixture
def wsgi_in_test_transaction():
    """Requests sent straight to the WSGI application fire ``request_started`` and
    ``request_finished``, whose ``close_old_connections`` would close the connection that holds
    the test transaction (PostgreSQL: "the connection is closed"). Django's test ``Client``
    disconnects it the same way. Throttle counters live in the cache: cleared before and after
    so that neither the fuzzer nor other tests inherit them."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    cache.clear()
    try:
        yield
    finally:
        cache.clear()
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def pytest_terminal_summary(terminalreporter):
    """How many requests the fuzzer sent as each role (``fuzz_requests`` user properties, which
    reach the controller under xdist too)."""
    counts: dict[str, int] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", ()):
                if name == "fuzz_requests" and getattr(report, "when", "call") == "call":
                    role, sent = value
                    counts[role] = counts.get(role, 0) + sent
    if counts:
        terminalreporter.write_sep("-", "API fuzzing: requests sent per role")
        for role in FUZZ_ROLES:
            if role in counts:
                terminalreporter.write_line(f"{role:>14}: {counts[role]}")
        terminalreporter.write_line(f"{'total':>14}: {sum(counts.values())}")
