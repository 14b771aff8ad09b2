"""Health and readiness for load balancers and orchestrators (issue 11 part 3).

``/healthz``: the process answers (no dependency is touched, so a slow database never makes a
load balancer kill healthy workers). ``/readyz``: every dependency a request needs is
reachable — the database (a ``SELECT 1``), the cache (a write and a read back), the evidence
storage (a lookup of one name) and the ledger signing key (loaded and parsed) — 200 when all
are, 503 naming the failing checks otherwise. Both are public, answer JSON and reveal no
configuration (a failure says which check failed, not why)."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from evidence.keys import ledger_signer
from evidence.services import evidence_storage

logger = logging.getLogger(__name__)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not return what was written")
    cache.delete(key)


def _storage() -> None:
    # A lookup, not a listing: an empty file-system store has no root directory yet, and an
    # object store answers a HEAD without listing a bucket of millions of blobs.
    evidence_storage().exists("readyz-probe")


def _ledger_key() -> None:
    ledger_signer()


CHECKS: dict[str, Callable[[], None]] = {
    "database": _database,
    "cache": _cache,
    "storage": _storage,
    "ledger_key": _ledger_key,
}


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        start = time.perf_counter()
        try:
            check()
        except Exception:
            logger.exception("readiness check %s failed", name)
            ok = False
        else:
            ok = True
        results[name] = {"ok": ok, "ms": round((time.perf_counter() - start) * 1000, 1)}
    ready = all(result["ok"] for result in results.values())
    return JsonResponse(
        {"status": "ready" if ready else "unavailable", "checks": results},
        status=200 if ready else 503,
    )
