"""The authorization matrix: every named URL pattern and API route × role × method, with the
status each role must get (issue 5 part 7; issue 8 part 1 extends it).

``MATRIX`` is the specification, reviewed row by row: a new route without a row fails
``test_every_route_has_a_row``. Objects belong to the Zhangzhou committee unless the row says
otherwise; out-of-scope objects must be 404, never 403, so that guessing ids reveals nothing.
The Django admin (``admin:``) is covered model by model in the admin tests.

Each cell is the status for one role, in ``ROLES`` order. A request that may change data runs
inside a savepoint that is rolled back, so the roles do not see each other's effects.
"""

from __future__ import annotations

import os
import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from drf_spectacular.generators import SchemaGenerator

from tests.world import build_objects

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "nobody",
    "superuser",
    "org_admin",
    "mediator",
    "clerk",
    "partner",
    "court",
    "enterprise",
    "servicepoint",
]


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield namespace, (namespace + pattern.name) if pattern.name else str(pattern.pattern)


def route_names() -> set[str]:
    """Every route outside the admin, by name (unnamed ones by their pattern)."""
    return {name for namespace, name in _walk(get_resolver().url_patterns) if namespace != "admin:"}


# --- the world every row is checked against -------------------------------------------------


@pytest.fixture
def objects(case_world):
    return build_objects(case_world)


def _client(role: str, users) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    if role != "anonymous":
        client.force_login(users[role])
    return client


def _status(client: Client, method: str, url: str) -> int:
    with transaction.atomic():
        response = getattr(client, method.lower())(url)
        transaction.set_rollback(True)
    return response.status_code


def _codes(spec: str) -> list[int]:
    codes = [int(code) for code in spec.split()]
    assert len(codes) == len(ROLES), spec
    return codes


# --- the specification ------------------------------------------------------------------------
# route name → (kwargs builder, {method: "status per role in ROLES order"})
# anonymous · nobody · superuser · org_admin · mediator · clerk · partner · court · enterprise ·
# servicepoint


def _pk(key):
    return lambda o: {"pk": o[key].pk}


NONE = lambda o: {}  # noqa: E731


def _download(o):
    """A ready prepared download of ``mediator`` (issue 11): only its owner sees it."""
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from zhangzhou_ip.core.models import PreparedDownload

    if "download" not in o:
        o["download"] = PreparedDownload.objects.create(
            owner=o["users"]["mediator"],
            kind="export",
            title="x",
            file_format="csv",
            source_url="/cases/mine/?format=csv",
            site="http://testserver",
            language="en",
            time_zone="Asia/Shanghai",
            status="done",
            file_name="x.csv",
            content_type="text/csv",
            expires_at=timezone.now() + dt.timedelta(hours=1),
        )
        o["download"].file.save("x.csv", ContentFile(b"a\r\n"))
    return {"pk": o["download"].pk}


CASE = _pk("case")
CONF = _pk("confirmation")

MATRIX: dict[str, tuple] = {
    # --- project pages
    "home": (NONE, ("GET",)),
    "healthz": (NONE, ("GET",)),
    "readyz": (NONE, ("GET",)),
    "login": (NONE, ("GET",)),
    "logout": (NONE, ("POST",)),
    "password_change": (NONE, ("GET",)),
    "password_change_done": (NONE, ("GET",)),
    "set_language": (NONE, ("POST",)),
    "accounts:two-factor-setup": (NONE, ("GET", "POST")),
    "accounts:two-factor-verify": (NONE, ("GET", "POST")),
    "accounts:two-factor-disable": (NONE, ("GET", "POST")),
    "notifications:list": (NONE, ("GET",)),
    "notifications:open": (_pk("notification"), ("GET", "POST")),
    "notifications:read-all": (NONE, ("POST",)),
    "downloads:list": (NONE, ("GET",)),
    "downloads:file": (_download, ("GET",)),
    # --- directory
    "alliance:organization-list": (NONE, ("GET",)),
    "alliance:organization-create": (NONE, ("GET", "POST")),
    "alliance:organization-detail": (_pk("organization"), ("GET",)),
    "alliance:organization-update": (_pk("organization"), ("GET", "POST")),
    "alliance:enterprise-list": (NONE, ("GET",)),
    "alliance:ip-list": (NONE, ("GET",)),
    "alliance:ip-create": (NONE, ("GET", "POST")),
    "alliance:region-list": (NONE, ("GET",)),
    "alliance:indicator-list": (NONE, ("GET",)),
    "alliance:indicator-value-create": (NONE, ("GET", "POST")),
    "alliance:indicator-value-edit": (_pk("indicator_value"), ("GET", "POST")),
    "alliance:indicator-import": (NONE, ("GET", "POST")),
    "alliance:collaboration-inbox": (NONE, ("GET",)),
    "alliance:collaboration-outbox": (NONE, ("GET",)),
    "alliance:collaboration-overdue": (NONE, ("GET",)),
    "alliance:collaboration-list": (NONE, ("GET",)),
    "alliance:collaboration-reciprocity": (NONE, ("GET",)),
    "alliance:collaboration-create": (NONE, ("GET", "POST")),
    "alliance:collaboration-detail": (_pk("request"), ("GET",)),
    "alliance:collaboration-reply": (_pk("request"), ("POST",)),
    "alliance:collaboration-attachment": (
        lambda o: {"pk": o["request"].pk, "reply_pk": o["reply"].pk},
        ("GET",),
    ),
    "alliance:collaboration-action": (
        lambda o: {"pk": o["request"].pk, "action": "accept"},
        ("POST",),
    ),
    # --- evidence (益企证)
    "evidence:list": (NONE, ("GET",)),
    "evidence:deposit": (NONE, ("GET", "POST")),
    "evidence:verify": (NONE, ("GET",)),
    "evidence:detail": (_pk("record"), ("GET",)),
    "evidence:content": (_pk("record"), ("GET",)),
    "evidence:certificate": (_pk("record"), ("GET",)),
    "evidence:receipt": (_pk("record"), ("GET",)),
    "evidence:withdraw": (_pk("record"), ("GET", "POST")),
    "evidence:access-log": (_pk("record"), ("GET",)),
    "evidence:retrieval-list": (NONE, ("GET",)),
    "evidence:retrieval-new": (NONE, ("GET", "POST")),
    "evidence:retrieval-detail": (_pk("retrieval"), ("GET",)),
    "evidence:retrieval-accept": (_pk("retrieval"), ("GET", "POST")),
    "evidence:retrieval-complete": (_pk("retrieval"), ("GET", "POST")),
    "evidence:retrieval-decline": (_pk("retrieval"), ("GET", "POST")),
    "evidence:retrieval-cancel": (_pk("retrieval"), ("GET", "POST")),
    "cases:case-evidence": (CASE, ("GET", "POST")),
    "cases:case-evidence-unlink": (
        lambda o: {"pk": o["case"].pk, "record_pk": o["record"].pk},
        ("POST",),
    ),
    "cases:protection-list": (NONE, ("GET",)),
    "cases:protection-export": (NONE, ("GET",)),
    "cases:protection-create": (NONE, ("GET", "POST")),
    "cases:protection-detail": (_pk("protection"), ("GET",)),
    "cases:protection-edit": (_pk("protection"), ("GET", "POST")),
    # --- cases
    "cases:case-list": (NONE, ("GET",)),
    "cases:my-cases": (NONE, ("GET",)),
    "cases:case-export": (NONE, ("GET",)),
    "cases:workload": (NONE, ("GET",)),
    "cases:case-create": (NONE, ("GET", "POST")),
    "cases:enterprise-autocomplete": (NONE, ("GET",)),
    "cases:ip-autocomplete": (NONE, ("GET",)),
    "cases:case-detail": (CASE, ("GET",)),
    # one pane of the case page stands for all (tests/cases/test_case_panes.py checks each)
    "cases:case-pane": (lambda o: {"pk": o["case"].pk, "name": "timeline"}, ("GET",)),
    "cases:case-edit": (CASE, ("GET", "POST")),
    "cases:case-delete": (CASE, ("GET", "POST")),
    "cases:case-transition": (
        lambda o: {"pk": o["case"].pk, "name": "fail"},
        ("GET", "POST"),
    ),
    "cases:case-assign": (CASE, ("GET", "POST")),
    "cases:case-unassign": (
        lambda o: {"pk": o["case"].pk, "user_pk": o["mediator_user"].pk},
        ("POST",),
    ),
    "cases:case-parties": (CASE, ("GET", "POST")),
    "cases:party-edit": (
        lambda o: {"pk": o["case"].pk, "party_pk": o["party"].pk},
        ("GET", "POST"),
    ),
    "cases:party-delete": (
        lambda o: {"pk": o["case"].pk, "party_pk": o["party"].pk},
        ("GET", "POST"),
    ),
    "cases:right-delete": (
        lambda o: {"pk": o["case"].pk, "right_pk": o["right"].pk},
        ("GET", "POST"),
    ),
    "cases:session-create": (CASE, ("GET", "POST")),
    "cases:session-record": (
        lambda o: {"pk": o["case"].pk, "session_pk": o["session"].pk},
        ("GET", "POST"),
    ),
    "cases:session-ics": (
        lambda o: {"pk": o["case"].pk, "session_pk": o["session"].pk},
        ("GET",),
    ),
    "cases:agreement-edit": (CASE, ("GET", "POST")),
    "cases:agreement-pdf": (_pk("settled"), ("GET",)),
    "cases:agreement-document": (_pk("settled"), ("GET",)),
    # --- court
    "cases:court-desk": (NONE, ("GET",)),
    "cases:confirmation-list": (NONE, ("GET",)),
    "cases:referral-list": (NONE, ("GET",)),
    "cases:confirmation-create": (_pk("settled"), ("GET", "POST")),
    "cases:confirmation-detail": (CONF, ("GET",)),
    "cases:confirmation-material": (CONF, ("POST",)),
    "cases:material-download": (
        lambda o: {"pk": o["confirmation"].pk, "material_pk": o["material"].pk},
        ("GET",),
    ),
    "cases:confirmation-ruling": (CONF, ("GET",)),
    "cases:confirmation-action": (
        lambda o: {"pk": o["confirmation"].pk, "action": "withdraw"},
        ("POST",),
    ),
    "cases:confirmation-pdf": (CONF, ("GET",)),
    "cases:confirmation-zip": (CONF, ("GET",)),
    "cases:referral-receive": (NONE, ("GET", "POST")),
    "cases:referral-detail": (_pk("referral"), ("GET",)),
    "cases:referral-action": (lambda o: {"pk": o["referral"].pk, "action": "close"}, ("POST",)),
    "cases:referral-to-litigation": (_pk("failed"), ("GET", "POST")),
    # --- API
    "api:api-root": (NONE, ("GET",)),
    "api:auth-token": (NONE, ("POST",)),
    "api:schema": (NONE, ("GET",)),
    "api:swagger-ui": (NONE, ("GET",)),
    "api:redoc": (NONE, ("GET",)),
    "api:region-list": (NONE, ("GET",)),
    "api:region-detail": (lambda o: {"pk": o["organization"].region_id}, ("GET",)),
    "api:organization-list": (NONE, ("GET", "POST")),
    "api:organization-detail": (_pk("organization"), ("GET", "PUT", "PATCH")),
    "api:enterprise-list": (NONE, ("GET",)),
    "api:enterprise-detail": (_pk("organization"), ("GET",)),
    "api:membership-list": (NONE, ("GET", "POST")),
    "api:membership-detail": (
        lambda o: {"pk": o["mediator_user"].memberships.first().pk},
        ("GET", "DELETE"),
    ),
    "api:ip-right-list": (NONE, ("GET", "POST")),
    "api:ip-right-detail": (_pk("ip"), ("GET", "PUT", "PATCH")),
    "api:mediation-case-list": (NONE, ("GET", "POST")),
    "api:mediation-case-detail": (CASE, ("GET", "PUT", "PATCH", "DELETE")),
    "api:mediation-case-timeline": (CASE, ("GET",)),
    "api:mediation-case-related": (CASE, ("GET",)),
    "api:mediation-case-submit": (CASE, ("POST",)),
    "api:mediation-case-accept": (CASE, ("POST",)),
    "api:mediation-case-decline": (CASE, ("POST",)),
    "api:mediation-case-start_mediation": (CASE, ("POST",)),
    "api:mediation-case-settle": (CASE, ("POST",)),
    "api:mediation-case-fail": (CASE, ("POST",)),
    "api:mediation-case-withdraw": (CASE, ("POST",)),
    "api:mediation-case-close": (CASE, ("POST",)),
    "api:mediation-case-assign": (CASE, ("POST",)),
    "api:mediation-case-unassign": (CASE, ("POST",)),
    "api:case-party-list": (NONE, ("GET", "POST")),
    "api:case-party-detail": (_pk("party"), ("GET", "PUT", "PATCH", "DELETE")),
    "api:case-right-list": (NONE, ("GET", "POST")),
    "api:case-right-detail": (_pk("right"), ("GET", "DELETE")),
    "api:mediation-session-list": (NONE, ("GET", "POST")),
    "api:mediation-session-detail": (_pk("session"), ("GET",)),
    "api:mediation-session-record": (_pk("session"), ("POST",)),
    "api:agreement-list": (NONE, ("GET", "POST")),
    "api:agreement-detail": (
        lambda o: {"pk": o["settled"].agreement.pk},
        ("GET", "PUT", "PATCH"),
    ),
    "api:case-event-list": (NONE, ("GET",)),
    "api:case-event-detail": (_pk("event"), ("GET",)),
    "api:judicial-confirmation-list": (NONE, ("GET", "POST")),
    "api:judicial-confirmation-proposed-courts": (NONE, ("GET",)),
    "api:judicial-confirmation-detail": (CONF, ("GET", "PATCH")),
    "api:judicial-confirmation-file": (CONF, ("POST",)),
    "api:judicial-confirmation-accept": (CONF, ("POST",)),
    "api:judicial-confirmation-extend": (CONF, ("POST",)),
    "api:judicial-confirmation-decide": (CONF, ("POST",)),
    "api:judicial-confirmation-not-accept": (CONF, ("POST",)),
    "api:judicial-confirmation-withdraw": (CONF, ("POST",)),
    "api:judicial-confirmation-materials": (CONF, ("GET", "POST")),
    "api:judicial-confirmation-material-download": (
        lambda o: {"pk": o["confirmation"].pk, "material_pk": o["material"].pk},
        ("GET",),
    ),
    "api:judicial-confirmation-ruling-document": (CONF, ("GET",)),
    "api:court-referral-list": (NONE, ("GET", "POST")),
    "api:court-referral-litigation": (NONE, ("POST",)),
    "api:court-referral-detail": (_pk("referral"), ("GET",)),
    "api:court-referral-extend": (_pk("referral"), ("POST",)),
    "api:court-referral-close": (_pk("referral"), ("POST",)),
    "api:mediation-case-evidence": (CASE, ("GET", "POST")),
    "api:mediation-case-uncite-evidence": (
        lambda o: {"pk": o["case"].pk, "record_pk": o["record"].pk},
        ("DELETE",),
    ),
    "api:evidence-record-list": (NONE, ("GET", "POST")),
    "api:evidence-record-detail": (_pk("record"), ("GET", "PATCH", "DELETE")),
    "api:evidence-record-content": (_pk("record"), ("GET",)),
    "api:evidence-record-receipt": (_pk("record"), ("GET",)),
    "api:evidence-record-withdraw": (_pk("record"), ("POST",)),
    "api:evidence-record-access-events": (_pk("record"), ("GET",)),
    "api:evidence-checkpoint": (NONE, ("GET",)),
    "api:evidence-public-key": (NONE, ("GET",)),
    "api:evidence-verify": (NONE, ("GET",)),
    "api:stats": (NONE, ("GET",)),
    # --- statistics
    "stats:page": (NONE, ("GET",)),
    "stats:export": (NONE, ("GET",)),
    "stats:report": (NONE, ("GET",)),
    "api:retrieval-request-list": (NONE, ("GET", "POST")),
    "api:retrieval-request-detail": (_pk("retrieval"), ("GET", "PATCH", "DELETE")),
    "api:retrieval-request-accept": (_pk("retrieval"), ("POST",)),
    "api:retrieval-request-complete": (_pk("retrieval"), ("POST",)),
    "api:retrieval-request-decline": (_pk("retrieval"), ("POST",)),
    "api:retrieval-request-cancel": (_pk("retrieval"), ("POST",)),
    "api:indicator-list": (NONE, ("GET",)),
    "api:indicator-detail": (lambda o: {"code": "patents_granted"}, ("GET",)),
    "api:indicator-value-list": (NONE, ("GET",)),
    "api:indicator-value-detail": (_pk("indicator_value"), ("GET",)),
    "api:protection-action-list": (NONE, ("GET", "POST")),
    "api:protection-action-detail": (_pk("protection"), ("GET", "PATCH", "PUT", "DELETE")),
    "api:notification-list": (NONE, ("GET",)),
    "api:notification-read-all": (NONE, ("POST",)),
    "api:notification-detail": (_pk("notification"), ("GET",)),
    "api:notification-read": (_pk("notification"), ("POST",)),
    "api:prepared-download-list": (NONE, ("GET",)),
    "api:prepared-download-detail": (_download, ("GET",)),
    # --- sharing and collaboration (issue 5)
    "cases:shared-with-us": (NONE, ("GET",)),
    "cases:case-share": (_pk("shared"), ("GET", "POST")),
    "cases:share-revoke": (
        lambda o: {"pk": o["shared"].pk, "share_pk": o["share"].pk},
        ("POST",),
    ),
    "cases:case-comment": (CASE, ("POST",)),
    "cases:case-collaboration": (_pk("shared"), ("GET", "POST")),
    "api:case-share-list": (NONE, ("GET", "POST")),
    "api:case-share-detail": (_pk("share"), ("GET",)),
    "api:case-share-revoke": (_pk("share"), ("POST",)),
    "api:case-share-collaboration-request": (NONE, ("POST",)),
    "api:case-comment-list": (NONE, ("GET", "POST")),
    "api:case-comment-detail": (_pk("comment"), ("GET",)),
    "api:collaboration-request-list": (NONE, ("GET", "POST")),
    "api:collaboration-request-detail": (_pk("request"), ("GET",)),
    "api:collaboration-request-accept": (_pk("request"), ("POST",)),
    "api:collaboration-request-decline": (_pk("request"), ("POST",)),
    "api:collaboration-request-complete": (_pk("request"), ("POST",)),
    "api:collaboration-request-cancel": (_pk("request"), ("POST",)),
    "api:collaboration-request-replies": (_pk("request"), ("GET", "POST")),
    "api:collaboration-request-reply-attachment": (
        lambda o: {"pk": o["request"].pk, "reply_pk": o["reply"].pk},
        ("GET",),
    ),
}

# Expected status per role, in ROLES order:
# anonymous · nobody · superuser · org_admin · mediator · clerk · partner · court · enterprise ·
# servicepoint
# Requests carry no body: 400 means "allowed to try, the input is missing"; 403 "may see the
# object but not do this"; 404 "may not see it". Anonymous web requests go to the login page
# (302); anonymous API requests are refused (403).
EXPECTED: dict[str, str] = {
    # deliberately public: load balancers probe them without a session
    # two-factor: anyone may set it up; verify and disable need a device (none here), so
    # they send back to setup / home
    "accounts:two-factor-setup GET": "302 200 200 200 200 200 200 200 200 200",
    "accounts:two-factor-setup POST": "302 200 200 200 200 200 200 200 200 200",
    "accounts:two-factor-verify GET": "302 302 302 302 302 302 302 302 302 302",
    "accounts:two-factor-verify POST": "302 302 302 302 302 302 302 302 302 302",
    "accounts:two-factor-disable GET": "302 302 302 302 302 302 302 302 302 302",
    "accounts:two-factor-disable POST": "302 302 302 302 302 302 302 302 302 302",
    "healthz GET": "200 200 200 200 200 200 200 200 200 200",
    "readyz GET": "200 200 200 200 200 200 200 200 200 200",
    "alliance:collaboration-list GET": "302 200 200 200 200 200 200 200 200 200",
    "cases:confirmation-list GET": "302 200 200 200 200 200 200 200 200 200",
    "cases:referral-list GET": "302 200 200 200 200 200 200 200 200 200",
    # statistics: alliance staff and administrators; an enterprise or a user without a
    # membership is refused (the export without ?format= is a 400 for those allowed)
    "stats:page GET": "302 403 200 200 200 200 200 200 403 200",
    "stats:export GET": "302 403 400 400 400 400 400 400 403 400",
    # the report is built by a task into "My downloads": the allowed are sent to the file
    "stats:report GET": "302 403 302 302 302 302 302 302 403 302",
    "api:stats GET": "403 403 200 200 200 200 200 200 403 200",
    "alliance:collaboration-action POST": "302 404 200 403 404 403 200 404 404 404",
    "alliance:collaboration-attachment GET": "302 404 200 200 404 200 200 404 404 404",
    "alliance:collaboration-create GET": "302 403 200 200 403 200 200 403 403 403",
    "alliance:collaboration-create POST": "302 403 200 200 403 200 200 403 403 403",
    "alliance:collaboration-detail GET": "302 404 200 200 404 200 200 404 404 404",
    "alliance:collaboration-inbox GET": "302 200 200 200 200 200 200 200 200 200",
    "alliance:collaboration-outbox GET": "302 200 200 200 200 200 200 200 200 200",
    "alliance:collaboration-overdue GET": "302 200 200 200 200 200 200 200 200 200",
    "alliance:collaboration-reciprocity GET": "302 403 200 200 403 200 200 403 403 403",
    "alliance:collaboration-reply POST": "302 404 200 200 404 200 200 404 404 404",
    "alliance:enterprise-list GET": "302 200 200 200 200 200 200 200 200 200",
    "alliance:indicator-import GET": "302 403 200 403 403 403 403 403 403 403",
    "alliance:indicator-import POST": "302 403 200 403 403 403 403 403 403 403",
    "alliance:indicator-list GET": "302 403 200 200 200 200 200 200 200 200",
    "alliance:indicator-value-create GET": "302 403 200 200 403 403 403 403 403 403",
    "alliance:indicator-value-create POST": "302 403 200 200 403 403 403 403 403 403",
    "alliance:indicator-value-edit GET": "302 404 200 200 403 403 403 403 403 403",
    "alliance:indicator-value-edit POST": "302 404 200 200 403 403 403 403 403 403",
    "alliance:ip-create GET": "302 403 200 200 200 200 200 200 200 200",
    "alliance:ip-create POST": "302 403 200 200 200 200 200 200 200 200",
    "alliance:ip-list GET": "302 200 200 200 200 200 200 200 200 200",
    "alliance:organization-create GET": "302 403 200 200 200 200 200 200 403 200",
    "alliance:organization-create POST": "302 403 200 200 200 200 200 200 403 200",
    "alliance:organization-detail GET": "302 404 200 200 200 200 200 200 200 200",
    "alliance:organization-list GET": "302 200 200 200 200 200 200 200 200 200",
    "alliance:organization-update GET": "302 404 200 200 403 403 403 403 200 403",
    "alliance:organization-update POST": "302 404 200 200 403 403 403 403 200 403",
    "alliance:region-list GET": "302 200 200 200 200 200 200 200 200 200",
    "api:agreement-detail GET": "403 404 200 200 200 200 404 200 200 404",
    "api:agreement-detail PUT": "403 404 400 403 403 403 404 403 403 404",
    "api:agreement-detail PATCH": "403 404 409 403 403 403 404 403 403 404",
    "api:agreement-list GET": "403 200 200 200 200 200 200 200 200 200",
    "api:agreement-list POST": "403 403 400 400 400 400 400 403 403 403",
    "api:api-root GET": "403 200 200 200 200 200 200 200 200 200",
    "api:auth-token POST": "400 400 400 400 400 400 400 400 400 400",
    "api:case-comment-detail GET": "403 404 200 200 200 200 404 404 404 404",
    "api:case-comment-list GET": "403 200 200 200 200 200 200 200 200 200",
    "api:case-comment-list POST": "403 403 400 400 400 400 400 400 400 400",
    "api:case-event-detail GET": "403 404 200 200 200 200 404 404 404 404",
    "api:case-event-list GET": "403 200 200 200 200 200 200 200 200 200",
    "api:case-party-detail DELETE": "403 404 204 204 204 403 404 404 403 404",
    "api:case-party-detail GET": "403 404 200 200 200 200 404 404 200 404",
    "api:case-party-detail PUT": "403 404 400 400 400 403 404 404 403 404",
    "api:case-party-detail PATCH": "403 404 200 200 200 403 404 404 403 404",
    "api:case-party-list GET": "403 200 200 200 200 200 200 200 200 200",
    "api:case-party-list POST": "403 403 400 400 400 400 400 403 403 403",
    "api:case-right-detail DELETE": "403 404 204 204 204 403 404 404 403 404",
    "api:case-right-detail GET": "403 404 200 200 200 200 404 404 200 404",
    "api:case-right-list GET": "403 200 200 200 200 200 200 200 200 200",
    "api:case-right-list POST": "403 403 400 400 400 400 400 403 403 403",
    "api:case-share-collaboration-request POST": "403 400 400 400 400 400 400 400 400 400",
    "api:case-share-detail GET": "403 404 200 200 200 200 200 404 404 404",
    "api:case-share-list GET": "403 200 200 200 200 200 200 200 200 200",
    "api:case-share-list POST": "403 403 400 400 400 400 400 403 403 403",
    "api:case-share-revoke POST": "403 404 400 400 403 403 403 404 404 404",
    "api:collaboration-request-accept POST": "403 404 200 403 404 403 200 404 404 404",
    "api:collaboration-request-cancel POST": "403 404 400 400 404 400 403 404 404 404",
    "api:collaboration-request-complete POST": "403 404 400 403 404 403 400 404 404 404",
    "api:collaboration-request-decline POST": "403 404 400 403 404 403 400 404 404 404",
    "api:collaboration-request-detail GET": "403 404 200 200 404 200 200 404 404 404",
    "api:collaboration-request-list GET": "403 200 200 200 200 200 200 200 200 200",
    "api:collaboration-request-list POST": "403 403 400 400 400 400 400 400 400 400",
    "api:collaboration-request-replies GET": "403 404 200 200 404 200 200 404 404 404",
    "api:collaboration-request-replies POST": "403 404 400 400 404 400 400 404 404 404",
    "api:collaboration-request-reply-attachment GET": "403 404 200 200 404 200 200 404 404 404",
    "api:court-referral-close POST": "403 404 400 400 400 400 404 400 400 404",
    "api:court-referral-detail GET": "403 404 200 200 200 200 404 200 200 404",
    "api:court-referral-extend POST": "403 404 400 400 400 400 404 400 400 404",
    "api:court-referral-list GET": "403 200 200 200 200 200 200 200 200 200",
    "api:court-referral-list POST": "403 403 400 400 400 400 400 403 403 403",
    "api:court-referral-litigation POST": "403 400 400 400 400 400 400 400 400 400",
    "api:enterprise-detail GET": "403 404 200 200 200 200 200 200 200 200",
    "api:enterprise-list GET": "403 200 200 200 200 200 200 200 200 200",
    "api:evidence-checkpoint GET": "200 200 200 200 200 200 200 200 200 200",
    "api:evidence-public-key GET": "200 200 200 200 200 200 200 200 200 200",
    "api:evidence-record-access-events GET": "403 404 200 403 403 403 404 404 200 200",
    "api:evidence-record-content GET": "403 404 200 200 200 200 404 404 200 200",
    "api:evidence-record-detail DELETE": "403 405 405 405 405 405 405 405 405 405",
    "api:evidence-record-detail GET": "403 404 200 200 200 200 404 404 200 200",
    "api:evidence-record-detail PATCH": "403 405 405 405 405 405 405 405 405 405",
    "api:evidence-record-list GET": "403 200 200 200 200 200 200 200 200 200",
    "api:evidence-record-list POST": "403 403 400 403 403 403 403 403 400 400",
    "api:evidence-record-receipt GET": "403 404 200 200 200 200 404 404 200 200",
    "api:evidence-record-withdraw POST": "403 404 400 403 403 403 404 404 400 400",
    "api:evidence-verify GET": "400 400 400 400 400 400 400 400 400 400",
    "api:indicator-detail GET": "403 404 200 200 200 200 200 200 200 200",
    "api:indicator-list GET": "403 200 200 200 200 200 200 200 200 200",
    "api:indicator-value-detail GET": "403 404 200 200 200 200 200 200 200 200",
    "api:indicator-value-list GET": "403 200 200 200 200 200 200 200 200 200",
    "api:ip-right-detail GET": "403 404 200 200 200 200 200 200 200 200",
    "api:ip-right-detail PUT": "403 404 400 400 400 400 400 400 400 400",
    "api:ip-right-detail PATCH": "403 404 200 200 200 200 200 200 200 200",
    "api:ip-right-list GET": "403 200 200 200 200 200 200 200 200 200",
    "api:ip-right-list POST": "403 403 400 400 400 400 400 400 400 400",
    "api:judicial-confirmation-accept POST": "403 404 400 400 400 400 404 400 400 404",
    "api:judicial-confirmation-decide POST": "403 404 400 400 400 400 404 400 400 404",
    "api:judicial-confirmation-detail GET": "403 404 200 200 200 200 404 200 200 404",
    "api:judicial-confirmation-detail PATCH": "403 404 200 200 200 403 404 403 403 404",
    "api:judicial-confirmation-extend POST": "403 404 409 409 409 403 404 409 403 404",
    "api:judicial-confirmation-file POST": "403 404 400 400 400 403 404 403 403 404",
    "api:judicial-confirmation-list GET": "403 200 200 200 200 200 200 200 200 200",
    "api:judicial-confirmation-list POST": "403 403 400 400 400 400 400 403 403 403",
    "api:judicial-confirmation-material-download GET": "403 404 200 200 200 200 404 200 404 404",
    "api:judicial-confirmation-materials GET": "403 404 200 200 200 200 404 200 200 404",
    "api:judicial-confirmation-materials POST": "403 404 400 400 400 400 404 400 400 404",
    "api:judicial-confirmation-not-accept POST": "403 404 400 400 400 400 404 400 400 404",
    "api:judicial-confirmation-proposed-courts GET": "403 400 400 400 400 400 400 400 400 400",
    "api:judicial-confirmation-ruling-document GET": "403 404 404 404 404 404 404 404 404 404",
    "api:judicial-confirmation-withdraw POST": "403 404 400 400 400 400 404 400 400 404",
    "api:mediation-case-accept POST": "403 404 409 409 409 403 404 404 403 404",
    "api:mediation-case-assign POST": "403 404 400 400 400 400 404 404 400 404",
    "api:mediation-case-close POST": "403 404 400 400 400 400 404 404 400 404",
    "api:mediation-case-decline POST": "403 404 400 400 400 400 404 404 400 404",
    "api:mediation-case-detail DELETE": "403 404 409 403 403 403 404 404 403 404",
    "api:mediation-case-detail GET": "403 404 200 200 200 200 404 404 200 404",
    "api:mediation-case-detail PUT": "403 404 400 400 400 403 404 404 403 404",
    "api:mediation-case-detail PATCH": "403 404 200 200 200 403 404 404 403 404",
    "api:mediation-case-evidence GET": "403 404 200 200 200 200 404 404 200 404",
    "api:mediation-case-evidence POST": "403 404 400 400 400 403 404 404 403 404",
    "api:mediation-case-fail POST": "403 404 400 400 400 400 404 404 400 404",
    "api:mediation-case-list GET": "403 200 200 200 200 200 200 200 200 200",
    "api:mediation-case-list POST": "403 403 400 400 400 400 400 403 403 403",
    "api:mediation-case-related GET": "403 404 200 200 200 200 404 404 200 404",
    "api:mediation-case-settle POST": "403 404 400 400 400 403 404 404 403 404",
    "api:mediation-case-start_mediation POST": "403 404 409 409 409 403 404 404 403 404",
    "api:mediation-case-submit POST": "403 404 409 409 409 409 404 404 403 404",
    "api:mediation-case-timeline GET": "403 404 200 200 200 200 404 404 200 404",
    "api:mediation-case-unassign POST": "403 404 400 400 400 400 404 404 400 404",
    "api:mediation-case-uncite-evidence DELETE": "403 404 204 204 204 403 404 404 403 404",
    "api:mediation-case-withdraw POST": "403 404 400 400 400 400 404 404 400 404",
    "api:mediation-session-detail GET": "403 404 200 200 200 200 404 404 200 404",
    "api:mediation-session-list GET": "403 200 200 200 200 200 200 200 200 200",
    "api:mediation-session-list POST": "403 403 400 400 400 400 400 403 403 403",
    "api:mediation-session-record POST": "403 404 400 400 400 400 404 404 400 404",
    "api:membership-detail GET": "403 404 200 200 200 404 404 404 404 404",
    "api:membership-detail DELETE": "403 404 204 204 403 404 404 404 404 404",
    "api:membership-list GET": "403 200 200 200 200 200 200 200 200 200",
    "api:membership-list POST": "403 403 400 400 403 403 403 403 400 403",
    "api:notification-detail GET": "403 404 404 404 200 404 404 404 404 404",
    "api:notification-list GET": "403 200 200 200 200 200 200 200 200 200",
    "api:notification-read POST": "403 404 404 404 200 404 404 404 404 404",
    "api:notification-read-all POST": "403 200 200 200 200 200 200 200 200 200",
    # prepared downloads (issue 11): the mediator's own; nobody else, superusers included
    "api:prepared-download-detail GET": "403 404 404 404 200 404 404 404 404 404",
    "api:prepared-download-list GET": "403 200 200 200 200 200 200 200 200 200",
    "api:organization-detail GET": "403 404 200 200 200 200 200 200 200 200",
    "api:organization-detail PUT": "403 404 400 400 403 403 403 403 400 403",
    "api:organization-detail PATCH": "403 404 200 200 403 403 403 403 200 403",
    "api:organization-list GET": "403 200 200 200 200 200 200 200 200 200",
    "api:organization-list POST": "403 403 400 400 400 400 400 400 403 400",
    "api:protection-action-detail DELETE": "403 405 405 405 405 405 405 405 405 405",
    "api:protection-action-detail GET": "403 404 200 404 404 404 404 404 200 404",
    "api:protection-action-detail PATCH": "403 404 200 404 404 404 404 404 200 404",
    "api:protection-action-detail PUT": "403 405 405 405 405 405 405 405 405 405",
    "api:protection-action-list GET": "403 200 200 200 200 200 200 200 200 200",
    "api:protection-action-list POST": "403 403 400 400 400 400 400 403 400 400",
    "api:redoc GET": "200 200 200 200 200 200 200 200 200 200",
    "api:region-detail GET": "403 200 200 200 200 200 200 200 200 200",
    "api:region-list GET": "403 200 200 200 200 200 200 200 200 200",
    "api:retrieval-request-accept POST": "403 404 400 404 404 404 404 404 403 200",
    "api:retrieval-request-cancel POST": "403 404 400 404 404 404 404 404 400 403",
    "api:retrieval-request-complete POST": "403 404 400 404 404 404 404 404 403 400",
    "api:retrieval-request-decline POST": "403 404 400 404 404 404 404 404 403 400",
    "api:retrieval-request-detail DELETE": "403 405 405 405 405 405 405 405 405 405",
    "api:retrieval-request-detail GET": "403 404 200 404 404 404 404 404 200 200",
    "api:retrieval-request-detail PATCH": "403 405 405 405 405 405 405 405 405 405",
    "api:retrieval-request-list GET": "403 200 200 200 200 200 200 200 200 200",
    "api:retrieval-request-list POST": "403 403 400 403 403 403 403 403 400 403",
    "api:schema GET": "200 200 200 200 200 200 200 200 200 200",
    "api:swagger-ui GET": "200 200 200 200 200 200 200 200 200 200",
    "cases:agreement-document GET": "302 404 404 404 404 404 404 404 404 404",
    "cases:agreement-edit GET": "302 404 200 200 200 403 404 404 403 404",
    "cases:agreement-edit POST": "302 404 400 400 400 403 404 404 403 404",
    "cases:agreement-pdf GET": "302 404 200 200 200 200 404 200 200 404",
    "cases:case-assign GET": "302 404 200 200 200 403 404 404 403 404",
    "cases:case-assign POST": "302 404 200 200 200 403 404 404 403 404",
    "cases:case-collaboration GET": "302 404 200 200 403 403 403 404 403 404",
    "cases:case-collaboration POST": "302 404 200 200 403 403 403 404 403 404",
    "cases:case-comment POST": "302 404 400 400 400 400 404 404 403 404",
    "cases:case-create GET": "302 403 200 200 200 200 200 403 403 403",
    "cases:case-create POST": "302 403 400 400 400 400 400 403 403 403",
    "cases:case-delete GET": "302 404 302 302 302 403 404 404 403 404",
    "cases:case-delete POST": "302 404 302 302 302 403 404 404 403 404",
    "cases:case-detail GET": "302 404 200 200 200 200 404 404 200 404",
    "cases:case-pane GET": "302 404 200 200 200 200 404 404 403 404",
    "cases:case-edit GET": "302 404 200 200 200 403 404 404 403 404",
    "cases:case-edit POST": "302 404 200 200 200 403 404 404 403 404",
    "cases:case-evidence GET": "302 404 200 200 200 200 404 404 200 404",
    "cases:case-evidence POST": "302 404 400 400 400 403 404 404 403 404",
    "cases:case-evidence-unlink POST": "302 404 302 302 302 403 404 404 403 404",
    "cases:case-export GET": "302 400 400 400 400 400 400 400 400 400",
    "cases:case-list GET": "302 200 200 200 200 200 200 200 200 200",
    "cases:case-parties GET": "302 404 200 200 200 403 404 404 403 404",
    "cases:case-parties POST": "302 404 400 400 400 403 404 404 403 404",
    "cases:case-share GET": "302 404 200 200 403 403 403 404 403 404",
    "cases:case-share POST": "302 404 200 200 403 403 403 404 403 404",
    "cases:case-transition GET": "302 404 200 200 200 403 404 404 403 404",
    "cases:case-transition POST": "302 404 200 200 200 403 404 404 403 404",
    "cases:case-unassign POST": "302 404 302 302 302 403 404 404 403 404",
    "cases:confirmation-action POST": "302 404 400 400 400 403 404 403 403 404",
    "cases:confirmation-create GET": "302 404 200 200 200 403 404 403 403 404",
    "cases:confirmation-create POST": "302 404 400 400 400 403 404 403 403 404",
    "cases:confirmation-detail GET": "302 404 200 200 200 200 404 200 200 404",
    "cases:confirmation-material POST": "302 404 400 400 400 403 404 403 403 404",
    "cases:confirmation-pdf GET": "302 404 200 200 200 200 404 200 200 404",
    "cases:confirmation-ruling GET": "302 404 404 404 404 404 404 404 404 404",
    "cases:confirmation-zip GET": "302 404 200 200 200 200 404 200 404 404",
    "cases:court-desk GET": "302 200 200 200 200 200 200 200 200 200",
    "cases:enterprise-autocomplete GET": "302 200 200 200 200 200 200 200 200 200",
    "cases:ip-autocomplete GET": "302 200 200 200 200 200 200 200 200 200",
    "cases:material-download GET": "302 404 200 200 200 200 404 200 404 404",
    "cases:my-cases GET": "302 200 200 200 200 200 200 200 200 200",
    "cases:party-delete GET": "302 404 200 200 200 403 404 404 403 404",
    "cases:party-delete POST": "302 404 302 302 302 403 404 404 403 404",
    "cases:party-edit GET": "302 404 200 200 200 403 404 404 403 404",
    "cases:party-edit POST": "302 404 400 400 400 403 404 404 403 404",
    "cases:protection-create GET": "302 403 200 200 200 200 200 403 200 200",
    "cases:protection-create POST": "302 403 200 200 200 200 200 403 200 200",
    "cases:protection-detail GET": "302 404 200 404 404 404 404 404 200 404",
    "cases:protection-edit GET": "302 404 200 404 404 404 404 404 200 404",
    "cases:protection-edit POST": "302 404 200 404 404 404 404 404 200 404",
    "cases:protection-export GET": "302 400 400 400 400 400 400 400 400 400",
    "cases:protection-list GET": "302 200 200 200 200 200 200 200 200 200",
    "cases:referral-action POST": "302 404 400 400 400 403 404 400 403 404",
    "cases:referral-detail GET": "302 404 200 200 200 200 404 200 200 404",
    "cases:referral-receive GET": "302 403 200 200 200 200 200 403 403 403",
    "cases:referral-receive POST": "302 403 400 400 400 400 400 403 403 403",
    "cases:referral-to-litigation GET": "302 404 200 200 200 403 404 403 403 404",
    "cases:referral-to-litigation POST": "302 404 400 400 400 403 404 403 403 404",
    "cases:right-delete GET": "302 404 200 200 200 403 404 404 403 404",
    "cases:right-delete POST": "302 404 302 302 302 403 404 404 403 404",
    "cases:session-create GET": "302 404 200 200 200 403 404 404 403 404",
    "cases:session-create POST": "302 404 400 400 400 403 404 404 403 404",
    "cases:session-ics GET": "302 404 200 200 200 200 404 404 200 404",
    "cases:session-record GET": "302 404 200 200 200 403 404 404 403 404",
    "cases:session-record POST": "302 404 400 400 400 403 404 404 403 404",
    "cases:share-revoke POST": "302 404 200 200 403 403 403 404 403 404",
    "cases:shared-with-us GET": "302 200 200 200 200 200 200 200 200 200",
    "cases:workload GET": "302 200 200 200 200 200 200 200 200 200",
    "evidence:access-log GET": "302 404 200 403 403 403 404 404 200 200",
    "evidence:certificate GET": "302 404 200 200 200 200 404 404 200 200",
    "evidence:content GET": "302 404 200 200 200 200 404 404 200 200",
    "evidence:deposit GET": "302 403 200 403 403 403 403 403 200 200",
    "evidence:deposit POST": "302 403 200 403 403 403 403 403 200 200",
    "evidence:detail GET": "302 404 200 200 200 200 404 404 200 200",
    "evidence:list GET": "302 200 200 200 200 200 200 200 200 200",
    "evidence:receipt GET": "302 404 200 200 200 200 404 404 200 200",
    "evidence:retrieval-accept GET": "302 404 200 404 404 404 404 404 403 200",
    "evidence:retrieval-accept POST": "302 404 200 404 404 404 404 404 403 200",
    "evidence:retrieval-cancel GET": "302 404 200 404 404 404 404 404 200 403",
    "evidence:retrieval-cancel POST": "302 404 200 404 404 404 404 404 200 403",
    "evidence:retrieval-complete GET": "302 404 302 404 404 404 404 404 403 302",
    "evidence:retrieval-complete POST": "302 404 200 404 404 404 404 404 403 200",
    "evidence:retrieval-decline GET": "302 404 200 404 404 404 404 404 403 200",
    "evidence:retrieval-decline POST": "302 404 200 404 404 404 404 404 403 200",
    "evidence:retrieval-detail GET": "302 404 200 404 404 404 404 404 200 200",
    "evidence:retrieval-list GET": "302 200 200 200 200 200 200 200 200 200",
    "evidence:retrieval-new GET": "302 403 200 403 403 403 403 403 200 403",
    "evidence:retrieval-new POST": "302 403 200 403 403 403 403 403 200 403",
    "evidence:verify GET": "200 200 200 200 200 200 200 200 200 200",
    "evidence:withdraw GET": "302 404 200 403 403 403 404 404 200 200",
    "evidence:withdraw POST": "302 404 200 403 403 403 404 404 200 200",
    "home GET": "302 200 200 200 200 200 200 200 200 200",
    "login GET": "200 302 302 302 302 302 302 302 302 302",
    "logout POST": "302 302 302 302 302 302 302 302 302 302",
    "notifications:list GET": "302 200 200 200 200 200 200 200 200 200",
    "notifications:open GET": "302 405 405 405 405 405 405 405 405 405",
    "notifications:open POST": "302 404 404 404 302 404 404 404 404 404",
    "notifications:read-all POST": "302 302 302 302 302 302 302 302 302 302",
    "downloads:list GET": "302 200 200 200 200 200 200 200 200 200",
    "downloads:file GET": "302 404 404 404 200 404 404 404 404 404",
    "password_change GET": "302 200 200 200 200 200 200 200 200 200",
    "password_change_done GET": "302 200 200 200 200 200 200 200 200 200",
    "set_language POST": "302 302 302 302 302 302 302 302 302 302",
}


def test_every_route_has_a_row():
    routes = route_names()
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    assert missing == [], f"routes without a row in MATRIX: {missing}"
    assert stale == [], f"rows for routes that no longer exist: {stale}"
    cells = {f"{name} {method}" for name, (_build, methods) in MATRIX.items() for method in methods}
    assert cells == set(EXPECTED), sorted(cells ^ set(EXPECTED))


def test_every_api_operation_has_a_cell():
    """The OpenAPI schema is the API's contract: each documented operation (path × method)
    resolves to a route whose cell for that method is in the matrix."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [
        (path, method.upper())
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert len(operations) > 100
    missing = []
    for path, method in operations:
        match = resolve(re.sub(r"\{[^}]+\}", "1", path))
        if f"{match.view_name} {method}" not in EXPECTED:
            missing.append(f"{method} {path} ({match.view_name})")
    assert missing == [], f"API operations without a cell in EXPECTED: {missing}"


def test_uploads_are_never_served_by_path():
    with pytest.raises(Resolver404):
        resolve("/media/cases/1/agreement.pdf")


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_route(name, objects):
    build, methods = MATRIX[name]
    url = reverse(name, kwargs=build(objects))
    observed = {
        (method, role): _status(_client(role, objects["users"]), method, url)
        for method in methods
        for role in ROLES
    }
    if os.environ.get("MATRIX_PRINT"):  # to draft rows for review: MATRIX_PRINT=1 pytest -s
        for method in methods:
            print("MATRIX", name, method, " ".join(str(observed[(method, r)]) for r in ROLES))
    expected = {
        (method, role): code
        for method in methods
        for role, code in zip(ROLES, _codes(EXPECTED[f"{name} {method}"]), strict=True)
    }
    assert observed == expected, url
