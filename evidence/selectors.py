"""Reads that encode who may see which evidence (DESIGN §6); ``rules.py`` states the same
policy per object and the tests assert the two agree.

Policy:
* platform administrators (superusers) see everything;
* enterprise users see their enterprise's records and retrieval requests;
* service-point staff see what was deposited at, or requested from, their point, and may
  deposit for any enterprise;
* anyone else sees a record only through a registered provider (``visibility.py``): the
  handling organisation of a case that cites it, partners of a shared case, the court.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from alliance.models import Organization
from alliance.selectors import organization_ids_of
from evidence import visibility
from evidence.models import AccessEvent, Checkpoint, EvidenceRecord, RetrievalRequest
from zhangzhou_ip.core.lookups import id_array_size, pk_in

User = AbstractBaseUser | AnonymousUser
Kind = Organization.Kind


def point_ids_of(user: User) -> set[int]:
    """Service points the user staffs."""
    return organization_ids_of(user, kinds=(Kind.SERVICE_POINT,))


def enterprise_ids_of(user: User) -> set[int]:
    """Enterprises the user belongs to."""
    return organization_ids_of(user, kinds=(Kind.ENTERPRISE,))


def is_superuser(user: User) -> bool:
    return bool(user.is_authenticated and user.is_superuser)


def own_records_q(user: User, prefix: str = "") -> Q:
    """The evidence app's own policy: the depositor's people and the service point's staff.
    ``prefix`` names the record from another model (``"evidencerecord__"``)."""
    return Q(**{f"{prefix}depositor_id__in": enterprise_ids_of(user)}) | Q(
        **{f"{prefix}service_point_id__in": point_ids_of(user)}
    )


def evidence_visible_to(user: User, *, few: bool = False) -> QuerySet[EvidenceRecord]:
    """The records the user may see. ``few=True`` when the caller narrows the result to a
    handful of records (one record's page, a case's citations, a permission check): each
    record is then tested with EXISTS against the providers instead of reading every id the
    providers give (which lists need, ``pk_in``)."""
    records = EvidenceRecord.objects.all()
    if not user.is_authenticated:
        return records.none()
    if is_superuser(user):
        return records
    query = own_records_q(user)
    for provider in visibility.providers():
        id_querysets = visibility.id_querysets(provider, user, few)
        if few:
            for ids in id_querysets:
                (field,) = ids.query.values_select
                query |= Q(Exists(ids.filter(**{field: OuterRef("pk")})))
        else:
            # Read once per request and passed as an array on PostgreSQL: as a subquery it
            # was tested against each record while walking the deposit-time index (~0.3 s
            # for a mediator's evidence list at 1M records, where they see 0.5 %).
            query |= pk_in(_array_key(provider, user), *id_querysets)
    return records.filter(query)


def _array_key(provider: visibility.Provider, user: User) -> tuple:
    return ("visible-evidence", provider.__qualname__, user.pk)


def visible_at_least(user: User) -> int:
    """How many records the user sees at least, known without a query once
    ``evidence_visible_to(user)`` has read its id arrays in this request: the largest array
    (each id names a record: providers give foreign keys, and records are never deleted).
    0 when unknown. A list with no filter needs no count when this passes its limit."""
    if not user.is_authenticated or is_superuser(user):
        return 0
    sizes = (id_array_size(_array_key(provider, user)) for provider in visibility.providers())
    return max(sizes, default=0)


def evidence_managed_by(user: User) -> QuerySet[EvidenceRecord]:
    """Records the user may withdraw or correct, and whose custody log they see."""
    records = EvidenceRecord.objects.all()
    if is_superuser(user):
        return records
    return records.filter(own_records_q(user)) if user.is_authenticated else records.none()


def access_events_visible_to(user: User) -> QuerySet[AccessEvent]:
    return AccessEvent.objects.filter(record__in=evidence_managed_by(user))


def depositable_enterprises(user: User) -> QuerySet[Organization]:
    """Enterprises the user may deposit for."""
    enterprises = Organization.objects.filter(kind=Kind.ENTERPRISE, is_active=True)
    if is_superuser(user) or point_ids_of(user):
        return enterprises
    return enterprises.filter(pk__in=enterprise_ids_of(user))


def retrieval_visible_to(user: User) -> QuerySet[RetrievalRequest]:
    requests = RetrievalRequest.objects.all()
    if not user.is_authenticated:
        return requests.none()
    if is_superuser(user):
        return requests
    return requests.filter(
        Q(enterprise_id__in=enterprise_ids_of(user)) | Q(service_point_id__in=point_ids_of(user))
    )


def service_points() -> QuerySet[Organization]:
    return Organization.objects.filter(kind=Kind.SERVICE_POINT, is_active=True)


def public_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-tree_size", "-pk").first()
