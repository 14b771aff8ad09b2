"""Shared steps of every case service: lock, permission, state check, save, timeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import rules as case_rules
from cases.choices import (
    TRANSITIONS,
)
from cases.errors import InvalidTransition
from cases.models import (
    CaseEvent,
    MediationCase,
)
from cases.notifications import notify_case_event
from zhangzhou_ip.core.errors import ConflictError, PermissionDenied

User = AbstractBaseUser

# Fields a user may edit outside the workflow (everything else is set by transitions).
EDITABLE_FIELDS = (
    "title",
    "facts",
    "dispute_type",
    "mediation_kind",
    "source",
    "claim_amount",
    "settled_amount",
    "is_online",
)


# --- helpers -----------------------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def _require(actor: User, perm: str, obj: Any) -> None:
    if not actor.has_perm(perm, obj):
        raise PermissionDenied(_("You are not allowed to do this on this case."), code="forbidden")


def _lock(case: MediationCase, expected_version: int | None) -> MediationCase:
    locked = (
        MediationCase.objects.select_for_update(of=("self",))
        .select_related("handling_organization__region__parent")
        .get(pk=case.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            _("This case was changed by someone else. Reload the page and try again."),
            code="conflict",
        )
    return locked


def _check_state(case: MediationCase, transition: str) -> None:
    sources, _target = TRANSITIONS[transition]
    if case.status not in sources:
        raise InvalidTransition(
            _('A case that is "%(status)s" cannot be moved by "%(transition)s".')
            % {"status": case.get_status_display(), "transition": transition},
            code="invalid_transition",
        )


def record_event(
    case: MediationCase,
    actor: User | None,
    verb: str,
    *,
    from_status: str = "",
    to_status: str = "",
    **data: Any,
) -> CaseEvent:
    """Append to the case's timeline (services only)."""
    return CaseEvent.objects.create(
        case=case,
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        from_status=from_status,
        to_status=to_status,
        data=data,
    )


def _save(case: MediationCase, actor: User, fields: list[str]) -> None:
    case.version += 1
    case._history_user = actor
    case.save(update_fields=[*fields, "version", "updated_at"])


def _transition(
    case: MediationCase,
    actor: User,
    name: str,
    expected_version: int | None,
) -> tuple[MediationCase, str]:
    """Lock, check permission and state; returns the locked case and its old status."""
    case = _lock(case, expected_version)
    _require(actor, case_rules.transition_perm(name), case)
    _check_state(case, name)
    return case, case.status


def _finish(
    case: MediationCase,
    actor: User,
    name: str,
    old: str,
    fields: list[str],
    **data: Any,
) -> MediationCase:
    case.status = TRANSITIONS[name][1]
    _save(case, actor, ["status", *fields])
    verb = f"case.{case.status}"
    record_event(case, actor, verb, from_status=old, to_status=case.status, **data)
    notify_case_event(case_id=case.pk, verb=verb, actor_id=actor.pk)
    return case
