"""The API against its own OpenAPI schema (issue 8 part 2): schemathesis generates requests for
every operation and sends them as several roles. No answer may be a server error, and every
answer (status, content type, headers, body) must be one the schema documents.

One test per role: the world (tests/api/conftest.py) is built once and every request runs in a
savepoint that is rolled back, so writes never leak from one request into the next. Every role
gets the schema's examples and ``MAX_EXAMPLES`` random requests per operation; the coverage
phase (boundary values, missing and wrongly typed fields, every enum value — several thousand
requests) runs as the superuser only, the one role whose requests get past the permission
checks of every operation to the validation behind them. Generation is derandomized, so a run
is reproducible and takes a known time. The schema is generated once at import (eager loading;
STACK.md G1) by the generator ``manage.py spectacular`` uses.
"""

from __future__ import annotations

import collections
import copy
import json

import pytest
import schemathesis
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.pytest._test_builder import build_operation_test

from tests.api.conftest import FUZZ_ROLES
from zhangzhou_ip.wsgi import application

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 6  # random (fuzzing-phase) requests per operation and role
COVERAGE_ROLES = {"superuser"}
# The coverage phase would send ~11,000 requests (~90 per operation, mostly wrongly typed
# values of every field); this many of each kind of mutation per operation keep every kind.
COVERAGE_PER_SCENARIO = 2

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
]


DOCUMENT = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(public=True)))


def _load_schema(*phases: str) -> schemathesis.BaseSchema:
    config = schemathesis.Config.from_dict(
        {
            "seed": 20261125,
            "phases": {name: {"enabled": name in phases}
                       for name in ("examples", "coverage", "fuzzing", "stateful")},
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",  # no example database in .hypothesis/
                "no-shrink": True,  # a failure is reported as found; derandomized, so it recurs
            },
        }
    )  # fmt: skip
    schema = schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT), config=config)
    schema.app = application
    return schema


SCHEMAS = {
    "fuzzing": _load_schema("examples", "fuzzing"),
    "coverage": _load_schema("examples", "coverage", "fuzzing"),
}


def _needs_sign_in(operation) -> bool:
    security = operation.definition.raw.get("security")
    return bool(security) and {} not in security


def _fuzz(operation, role: str, headers: dict[str, str], statuses: collections.Counter) -> int:
    """Run the operation's generated requests as ``role``; how many were sent."""
    sent = 0
    scenarios: collections.Counter = collections.Counter()

    def send(case) -> None:
        nonlocal sent
        phase = case.meta.phase if case.meta is not None else None
        if phase is not None and phase.name.value == "coverage":
            scenarios[phase.data.scenario] += 1
            if scenarios[phase.data.scenario] > COVERAGE_PER_SCENARIO:
                return
        sent += 1
        with transaction.atomic():
            try:
                response = case.call_and_validate(headers=headers, checks=CHECKS)
            finally:
                transaction.set_rollback(True)
        statuses[response.status_code // 100] += 1
        if role == "anonymous" and response.status_code < 300 and _needs_sign_in(operation):
            raise AssertionError(
                f"{response.status_code} without signing in: {case.formatted_path}"
            )

    schema = operation.schema
    build_operation_test(
        config=schema.config,
        operation=operation,
        test_func=send,
        given_kwargs={},
        feedback=FeedbackSources(),
    )()
    return sent


@pytest.mark.parametrize("role", FUZZ_ROLES)
def test_api_answers_as_documented(role, fuzz_world, wsgi_in_test_transaction, record_property):
    schema = SCHEMAS["coverage" if role in COVERAGE_ROLES else "fuzzing"]
    headers = {"Authorization": fuzz_world["tokens"][role]} if role != "anonymous" else {}
    failures, statuses, sent = [], collections.Counter(), 0
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            sent += _fuzz(operation, role, headers, statuses)
        except (Exception, FailureGroup) as exc:  # every operation runs; all are reported
            failures.append(f"--- {operation.label} as {role}\n{exc}")
    record_property("fuzz_requests", (role, sent))
    assert not failures, f"{len(failures)} operations failed:\n" + "\n".join(failures)
    # The credentials worked: a signed-in role got answers other than refusals.
    assert role == "anonymous" or statuses[2] > 0, statuses
