"""A cache of computed statistics, invalidated explicitly (issue 7 part 7: measured necessary —
at 100,000 cases and 1,000,000 evidence records a cold computation takes 1.5–6 s on this
machine, see bench/README.md).

Entries are keyed by a *generation* number, the reader (a superuser sees everything; anyone
else has their own entry, because figures follow their visibility), the scope and the
language. Any write to a model the figures count or the visibility depends on bumps the
generation (``post_save``/``post_delete``/``m2m_changed`` receivers and evidence's
``records_deposited``, connected in ``StatsConfig.ready``), so the next request recomputes;
bulk writers that bypass signals call :func:`invalidate` or clear the cache
(``generate_bench_data`` does). ``STATS_CACHE_SECONDS`` bounds an entry's life as a safety
net (0 turns the cache off). The cache is Django's default cache: per process with the
local-memory backend, shared by every node with Redis (issue 11)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import get_language

GENERATION_KEY = "stats:generation"


def _seconds() -> int:
    return int(getattr(settings, "STATS_CACHE_SECONDS", 600))


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return int(value)


def invalidate(*args: Any, **kwargs: Any) -> None:
    """Every cached statistic is stale (also a signal receiver)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or evicted): start a new generation
        cache.set(GENERATION_KEY, generation() + 1, timeout=None)


def cached(user: Any, scope_key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    seconds = _seconds()
    if seconds <= 0:
        return compute()
    reader = "all" if user.is_superuser else f"user:{user.pk}"
    key = ":".join(["stats", str(generation()), reader, get_language() or "", *map(str, scope_key)])
    result = cache.get(key)
    if result is None:
        result = compute()
        cache.set(key, result, timeout=seconds)
    return result


def watched_models() -> list[type]:
    """The models whose rows the figures count or whose rows decide who sees what."""
    from alliance.models import (
        CollaborationRequest,
        IndicatorValue,
        Membership,
        Organization,
        Region,
    )
    from cases.models import (
        Agreement,
        CaseShare,
        CourtReferral,
        JudicialConfirmation,
        MediationCase,
        Party,
        ProtectionAction,
    )
    from evidence.models import EvidenceRecord, EvidenceWithdrawal, RetrievalRequest

    return [
        Organization, Region, Membership, CollaborationRequest, IndicatorValue,
        MediationCase, Party, Agreement, CaseShare, JudicialConfirmation, CourtReferral,
        ProtectionAction, EvidenceRecord, EvidenceWithdrawal, RetrievalRequest,
    ]  # fmt: skip


def connect() -> None:
    for model in watched_models():
        uid = f"stats-invalidate-{model._meta.label}"
        post_save.connect(invalidate, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(invalidate, sender=model, dispatch_uid=uid + "-delete")
    from cases.models import MediationCase, ProtectionAction
    from evidence.services import records_deposited

    records_deposited.connect(invalidate, dispatch_uid="stats-invalidate-deposits")
    for through in (MediationCase.evidence.through, ProtectionAction.evidence.through):
        m2m_changed.connect(invalidate, sender=through, dispatch_uid=f"stats-m2m-{through}")
