"""Who else may see a record: providers registered by apps that cite evidence.

``evidence`` never imports ``cases`` (DESIGN §2), yet a mediator must see the records cited
in the cases they handle. ``cases`` registers a provider in ``AppConfig.ready()``; the
selector ``evidence_visible_to`` unions the providers' record-id querysets with the evidence
app's own policy, so there is still one entry point for every list, detail, export and API.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db.models import QuerySet

Provider = Callable[[object, bool], QuerySet | Sequence[QuerySet]]
"""``provider(user, few)`` → a queryset of ``EvidenceRecord`` primary keys, or several whose
union is meant: ``values_list(field, flat=True)`` over any model, ``field`` naming the
record (``"evidencerecord"``) by a foreign key, so that every id names a record
(``selectors.visible_at_least`` counts on it). ``few``: the caller tests a handful of
records (see ``evidence_visible_to``)."""


def id_querysets(provider: Provider, user, few: bool) -> tuple[QuerySet, ...]:
    """What the provider gives, as a tuple of querysets."""
    ids = provider(user, few)
    return (ids,) if isinstance(ids, QuerySet) else tuple(ids)


_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def providers() -> tuple[Provider, ...]:
    return tuple(_providers)
