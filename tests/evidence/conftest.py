"""Evidence fixtures: deposits made through the real service."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from alliance.models import Membership, Organization
from evidence import retrieval, services
from evidence.models import Category, EvidenceRecord, RetrievalRequest

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def deposit(world):
    """``deposit(actor="servicepoint", depositor="ent_a", kind="text", text=…, **extra)``."""
    users, orgs = world["users"], world["orgs"]
    counter = {"n": 0}

    def make(actor="servicepoint", depositor="ent_a", kind="text", **extra) -> EvidenceRecord:
        counter["n"] += 1
        n = counter["n"]
        extra.setdefault("title", f"证据 {n}")
        extra.setdefault("category", Category.LISTING)
        if kind == "text":
            extra.setdefault("text", f"evidence text {n}")
        elif "upload" not in extra:
            extra["upload"] = SimpleUploadedFile(f"shot-{n}.png", PNG + str(n).encode())
        if kind == "web_capture":
            extra.setdefault("source_url", "https://shop.example.com/item/1")
        return services.deposit(
            actor=users[actor] if isinstance(actor, str) else actor,
            depositor=orgs[depositor] if isinstance(depositor, str) else depositor,
            kind=kind,
            **extra,
        )

    return make


# --- retrieval requests (test_retrieval_*.py) -------------------------------------------------


@pytest.fixture
def people(world, regions):
    """``world`` plus a second clerk at the service point (an assignee), another service point
    with its own clerk, and a user of ent_b (which has no service point of its own)."""
    User = get_user_model()
    orgs, users = dict(world["orgs"]), dict(world["users"])
    orgs["other_point"] = Organization.objects.create(
        kind=Organization.Kind.SERVICE_POINT,
        name="龙海服务网点",
        region=regions["zhangzhou"],
        parent=orgs["zz_bureau"],
    )
    for name, org in [
        ("colleague", "service_point"),
        ("otherpoint", "other_point"),
        ("enterprise_b", "ent_b"),
    ]:
        users[name] = User.objects.create_user(name, password="pw-test-123")
        Membership.objects.create(
            user=users[name], organization=orgs[org], role=Membership.Role.CLERK
        )
    return {**world, "orgs": orgs, "users": users}


@pytest.fixture
def ask(people):
    """``ask(actor="enterprise", enterprise="ent_a", **extra)``: a request through the service."""
    users, orgs = people["users"], people["orgs"]
    counter = {"n": 0}

    def make(actor="enterprise", enterprise="ent_a", service_point=None, **extra):
        counter["n"] += 1
        extra.setdefault("kind", RetrievalRequest.Kind.WEB_CAPTURE)
        extra.setdefault("subject", f"侵权网店截图 {counter['n']}")
        extra.setdefault("target_url", "https://shop.example.com/item/9")
        return retrieval.request_retrieval(
            actor=users[actor],
            enterprise=orgs[enterprise],
            service_point=orgs[service_point] if service_point else None,
            **extra,
        )

    return make


@pytest.fixture
def accepted(people, ask):
    return retrieval.accept(actor=people["users"]["servicepoint"], request=ask())
