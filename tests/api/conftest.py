"""The world the API fuzzer runs against: the case world (tests/cases/conftest.py) plus one
object of each kind the API serves, so that generated ids sometimes name a real object, and an
API token per role.

The builders are those of the authorization matrix (tests/cases/test_authorization_matrix.py),
kept here so that the fuzzer does not depend on a test module."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework.authtoken.models import Token

from alliance import collaboration, indicators
from alliance.models import CollaborationRequest, Indicator, Organization
from cases import services
from cases.models import ConfirmationMaterial
from evidence import retrieval as evidence_retrieval
from evidence import services as evidence_services
from tests.cases.conftest import _holiday_calendar_ahead, advance, case_world, make_case, org_party
from zhangzhou_ip.core.models import Notification

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
    users, orgs = case_world["users"], case_world["orgs"]
    mediating = case_world["cases"]["mediating"]
    shared = case_world["cases"]["submitted"]
    share = services.share_grant(
        actor=users["org_admin"], case=shared, organization=orgs["partner"], level="view",
        reason="协查",
    )  # fmt: skip
    parties = [org_party("applicant", orgs["ent_a"]), org_party("respondent", orgs["ent_b"])]
    settled = advance(
        make_case(users["clerk"], orgs["committee"], parties=parties),
        users["clerk"], users["mediator"], "settled",
    )  # fmt: skip
    court = Organization.objects.get(court_code="闽06")
    confirmation = services.confirmation_prepare(
        actor=users["mediator"], case=settled, court=court, joint_application=True
    )
    material = services.confirmation_material_add(
        actor=users["mediator"],
        confirmation=confirmation,
        kind=ConfirmationMaterial.Kind.APPLICATION,
        file=SimpleUploadedFile("a.pdf", b"%PDF-1.4 x", "application/pdf"),
    )
    failed = services.case_fail(
        actor=users["mediator"],
        case=advance(
            make_case(users["clerk"], orgs["committee"], parties=parties),
            users["clerk"], users["mediator"], "mediating",
        ),
        reason="分歧过大",
    )  # fmt: skip
    referral = services.referral_to_litigation(actor=users["mediator"], case=failed, court=court)
    comment = services.comment_add(actor=users["mediator"], case=mediating, body="请注意期限")
    request = collaboration.collaboration_send(
        actor=users["org_admin"],
        from_organization=orgs["zz_bureau"],
        to_organization=orgs["partner"],
        kind=CollaborationRequest.Kind.EVIDENCE,
        subject="协查",
    )
    reply = collaboration.collaboration_reply(
        actor=users["partner"],
        request=request,
        body="已收到",
        attachment=SimpleUploadedFile("r.pdf", b"%PDF-1.4 y", "application/pdf"),
    )
    notification = Notification.objects.create(
        recipient=users["mediator"], verb="case.accepted", title="x", url="/cases/"
    )
    record = evidence_services.deposit(
        actor=users["servicepoint"],
        depositor=orgs["ent_a"],
        kind="text",
        title="网店销售页面说明",
        category="listing",
        text="fuzz evidence",
    )
    services.evidence_link(actor=users["superuser"], case=mediating, record=record)
    retrieval = evidence_retrieval.request_retrieval(
        actor=users["enterprise"],
        enterprise=orgs["ent_a"],
        service_point=orgs["service_point"],
        kind="web_capture",
        subject="网店侵权页面取证",
        target_url="https://shop.example.com/item/1",
    )
    protection = services.action_record(
        actor=users["enterprise"],
        enterprise=orgs["ent_a"],
        kind="platform_takedown",
        title="电商平台投诉下架仿冒商品",
        counterparty="某网店",
        started_on=dt.date(2024, 3, 1),
        outcome="ongoing",
        evidence=[record],
    )
    indicator_value = indicators.indicator_value_create(
        actor=users["superuser"],
        indicator=Indicator.objects.get(code="patents_granted"),
        region=orgs["zz_bureau"].region,
        year=2024,
        value=Decimal("5448"),
        source="漳州市知识产权局",
    )
    right = services.right_add(actor=users["mediator"], case=mediating, kind="trademark",
                               number="12345678")  # fmt: skip
    tokens = {
        role: f"Token {Token.objects.create(user=users[role]).key}"
        for role in FUZZ_ROLES
        if role != "anonymous"
    }
    return {
        **case_world,
        "tokens": tokens,
        "objects": {
            "share": share,
            "settled": settled,
            "confirmation": confirmation,
            "material": material,
            "failed": failed,
            "referral": referral,
            "comment": comment,
            "request": request,
            "reply": reply,
            "notification": notification,
            "record": record,
            "retrieval": retrieval,
            "protection": protection,
            "indicator_value": indicator_value,
            "right": right,
            "session": mediating.sessions.get(),
        },
    }


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
