"""Permissions for evidence (django-rules): the one policy for views, API and admin.

``selectors.py`` implements the same policy as querysets; tests assert, for every user and
object, ``obj in evidence_visible_to(user)`` ⇔ ``user.has_perm("evidence.view_evidencerecord",
obj)`` (and the same for retrieval requests and the custody log).
"""

from __future__ import annotations

import rules

from evidence import selectors
from evidence.models import EvidenceRecord, RetrievalRequest


@rules.predicate
def is_superuser(user) -> bool:
    return selectors.is_superuser(user)


@rules.predicate
def is_point_staff(user) -> bool:
    return bool(selectors.point_ids_of(user))


@rules.predicate
def is_enterprise_user(user) -> bool:
    return bool(selectors.enterprise_ids_of(user))


@rules.predicate
def may_deposit_for(user, enterprise) -> bool:
    """``enterprise=None`` asks "may this user deposit at all?"."""
    if enterprise is None:
        return bool(selectors.point_ids_of(user) or selectors.enterprise_ids_of(user))
    return selectors.depositable_enterprises(user).filter(pk=enterprise.pk).exists()


@rules.predicate
def can_see_record(user, record: EvidenceRecord | None) -> bool:
    if record is None:
        return user.is_authenticated
    return selectors.evidence_visible_to(user, few=True).filter(pk=record.pk).exists()


@rules.predicate
def manages_record(user, record: EvidenceRecord | None) -> bool:
    """Depositor's people and the service point's staff: withdraw, correct, custody log."""
    if record is None:
        return bool(selectors.point_ids_of(user) or selectors.enterprise_ids_of(user))
    return record.depositor_id in selectors.enterprise_ids_of(user) or (
        record.service_point_id is not None
        and record.service_point_id in selectors.point_ids_of(user)
    )


@rules.predicate
def can_see_retrieval(user, request: RetrievalRequest | None) -> bool:
    if request is None:
        return bool(selectors.point_ids_of(user) or selectors.enterprise_ids_of(user))
    return request.enterprise_id in selectors.enterprise_ids_of(
        user
    ) or request.service_point_id in selectors.point_ids_of(user)


@rules.predicate
def requests_for_enterprise(user, request: RetrievalRequest | None) -> bool:
    if request is None:
        return bool(selectors.enterprise_ids_of(user))
    return request.enterprise_id in selectors.enterprise_ids_of(user)


@rules.predicate
def serves_request(user, request: RetrievalRequest | None) -> bool:
    if request is None:
        return bool(selectors.point_ids_of(user))
    return request.service_point_id in selectors.point_ids_of(user)


rules.add_perm("evidence.view_evidencerecord", is_superuser | can_see_record)
rules.add_perm("evidence.add_evidencerecord", is_superuser | may_deposit_for)
rules.add_perm("evidence.withdraw_evidencerecord", is_superuser | manages_record)
rules.add_perm("evidence.view_accessevent", is_superuser | manages_record)
# Records, withdrawals, the ledger and the custody log are append-only: nobody changes them.
rules.add_perm("evidence.change_evidencerecord", rules.always_deny)
rules.add_perm("evidence.delete_evidencerecord", rules.always_deny)

rules.add_perm("evidence.view_retrievalrequest", is_superuser | can_see_retrieval)
rules.add_perm("evidence.add_retrievalrequest", is_superuser | requests_for_enterprise)
rules.add_perm("evidence.cancel_retrievalrequest", is_superuser | requests_for_enterprise)
rules.add_perm("evidence.handle_retrievalrequest", is_superuser | serves_request)
