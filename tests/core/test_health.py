"""/healthz and /readyz (issue 11 part 3): public JSON, 503 naming the failed check."""

from __future__ import annotations

import pytest
from django.test import Client

from zhangzhou_ip import health

pytestmark = pytest.mark.django_db


def test_healthz_is_public_and_touches_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_checks_every_dependency():
    response = Client().get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "cache", "storage", "ledger_key"}
    assert all(check["ok"] for check in body["checks"].values())


def test_readyz_names_the_failing_check_and_hides_why(monkeypatch, caplog):
    def broken() -> None:
        raise RuntimeError("secret://connection-string")

    monkeypatch.setitem(health.CHECKS, "cache", broken)
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    assert "secret" not in response.content.decode()
    assert "readiness check cache failed" in caplog.text


def test_only_get():
    assert Client().post("/healthz").status_code == 405
