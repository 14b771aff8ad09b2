"""Evidence fixtures: deposits made through the real service."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from evidence import services
from evidence.models import Category, EvidenceRecord

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
