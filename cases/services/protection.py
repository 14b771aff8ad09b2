"""Recording and updating protection actions (issue 7 part 1).

Like the case services: one transaction, the permission from ``cases.protection`` (imported
here, so its rules are registered whenever the services are), validation with a message per
field, optimistic concurrency through ``version``, and a timeline event on the linked case.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.models import Organization
from cases import protection as policy
from cases.models import MediationCase, Party, ProtectionAction
from cases.services._base import User, record_event
from evidence.models import EvidenceRecord
from evidence.selectors import evidence_visible_to
from zhangzhou_ip.core.errors import ConflictError, PermissionDenied

#: Fields a caller may set; ``enterprise`` is fixed once recorded.
FIELDS = (
    "kind",
    "title",
    "description",
    "counterparty",
    "started_on",
    "concluded_on",
    "outcome",
    "amount_recovered",
    "evidence_cost_saved",
    "alliance_cost_saved",
    "cost_saved_basis",
    "case",
    "handled_by",
)
TEXT_FIELDS = ("title", "description", "counterparty", "cost_saved_basis")


def _field_error(field: str, message: str, code: str) -> ValidationError:
    """A refusal on one field, keeping its code (a dict of plain messages would drop it)."""
    return ValidationError({field: ValidationError(message, code=code)})


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(FIELDS) - {"evidence"}
    if unknown:
        raise TypeError(f"Unknown protection action fields: {', '.join(sorted(unknown))}")


def _records(actor: User, enterprise: Organization, evidence: Iterable[Any]) -> set[int]:
    """Ids of the cited records; each must be the enterprise's and visible to the actor."""
    wanted = {getattr(item, "pk", item) for item in evidence}
    if not wanted:
        return set()
    found = dict(evidence_visible_to(actor).filter(pk__in=wanted).values_list("pk", "depositor_id"))
    unknown = wanted - set(found)
    if unknown:
        raise _field_error(
            "evidence",
            _("You may not cite evidence record(s) %(ids)s.")
            % {"ids": ", ".join(str(pk) for pk in sorted(unknown))},
            "evidence_forbidden",
        )
    foreign = sorted(pk for pk, depositor in found.items() if depositor != enterprise.pk)
    if foreign:
        numbers = EvidenceRecord.objects.filter(pk__in=foreign).values_list("number", flat=True)
        raise _field_error(
            "evidence",
            _("Cite only records deposited by %(enterprise)s (not %(numbers)s).")
            % {"enterprise": enterprise.name, "numbers": ", ".join(numbers)},
            "evidence_other_enterprise",
        )
    withdrawn = EvidenceRecord.objects.filter(pk__in=wanted, withdrawal__isnull=False)
    numbers = list(withdrawn.values_list("number", flat=True))
    if numbers:
        raise _field_error(
            "evidence",
            _("Withdrawn records cannot be cited: %(numbers)s.") % {"numbers": ", ".join(numbers)},
            "evidence_withdrawn",
        )
    return wanted


def _check_case(actor: User, enterprise: Organization, case: MediationCase | None) -> None:
    if case is None:
        return
    from cases.selectors import case_visible_to

    if not case_visible_to(actor, few=True).filter(pk=case.pk).exists():
        raise _field_error("case", _("You may not link this mediation case."), "case_forbidden")
    if not Party.objects.filter(case=case, organization=enterprise).exists():
        raise _field_error(
            "case",
            _("%(enterprise)s is not a party to case %(case)s.")
            % {"enterprise": enterprise.name, "case": case},
            "case_not_party",
        )


def _check_helper(actor: User, action: ProtectionAction) -> None:
    """Alliance staff record on behalf of their own organisation, so they keep sight of it."""
    if actor.is_superuser or action.enterprise_id in policy.enterprises_of(
        actor, roles=policy.ACTING_ROLES
    ):
        return
    own = policy.helper_orgs_of(actor)
    if action.handled_by_id is None and len(own) == 1:
        action.handled_by = Organization.objects.get(pk=next(iter(own)))
    if action.handled_by_id not in own:
        raise _field_error(
            "handled_by",
            _("Name the organisation of yours that helped the enterprise."),
            "handled_by_required",
        )


def _validate(action: ProtectionAction) -> None:
    for name in TEXT_FIELDS:
        setattr(action, name, (getattr(action, name) or "").strip())
    errors: dict[str, list[str]] = {}
    if action.started_on and action.started_on > timezone.localdate():
        errors["started_on"] = [_("The start date cannot be in the future.")]
    if action.concluded_on and action.concluded_on > timezone.localdate():
        errors["concluded_on"] = [_("The conclusion date cannot be in the future.")]
    try:
        action.full_clean(exclude=["recorded_by", "evidence"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _event(action: ProtectionAction, actor: User, verb: str) -> None:
    if action.case_id is not None:
        record_event(
            action.case,
            actor,
            verb,
            action=action.pk,
            name=action.title,
            kind=action.kind,
            outcome=action.outcome,
        )


@transaction.atomic
def action_record(*, actor: User, enterprise: Organization, **fields: Any) -> ProtectionAction:
    """Record an enterprise's protection action. ``evidence`` is an iterable of records (or
    ids) of the enterprise that the actor may see."""
    _check_fields(fields)
    evidence = fields.pop("evidence", ())
    action = ProtectionAction(enterprise=enterprise, recorded_by=actor, **fields)
    if not actor.has_perm("cases.add_protectionaction", action):
        raise PermissionDenied(
            _("You are not allowed to record protection actions for %(enterprise)s.")
            % {"enterprise": enterprise.name},
            code="forbidden",
        )
    _check_helper(actor, action)
    _validate(action)
    _check_case(actor, enterprise, action.case)
    records = _records(actor, enterprise, evidence)
    action._history_user = actor
    action.save()
    if records:
        action.evidence.set(records)
    _event(action, actor, "protection.recorded")
    return action


@transaction.atomic
def action_update(
    *,
    actor: User,
    action: ProtectionAction,
    expected_version: int | None = None,
    **fields: Any,
) -> ProtectionAction:
    """Change an action. Records the actor may not see stay cited whatever ``evidence``
    says: a helper cannot drop what only the enterprise sees."""
    _check_fields(fields)
    action = (
        ProtectionAction.objects.select_for_update(of=("self",))
        .select_related("enterprise", "handled_by", "case")
        .get(pk=action.pk)
    )
    if not actor.has_perm("cases.change_protectionaction", action):
        raise PermissionDenied(
            _("You are not allowed to change this protection action."), code="forbidden"
        )
    if expected_version is not None and action.version != expected_version:
        raise ConflictError(
            _("This protection action was changed by someone else. Reload it and try again."),
            code="conflict",
        )
    old_case = action.case
    evidence = fields.pop("evidence", None)
    for name, value in fields.items():
        setattr(action, name, value)
    if "handled_by" in fields and not actor.has_perm("cases.change_protectionaction", action):
        raise _field_error(
            "handled_by",
            _(
                "You would lose the right to change this action: keep your "
                "organisation as the one that helped."
            ),
            "handled_by_required",
        )
    _validate(action)
    if "case" in fields and action.case_id != getattr(old_case, "pk", None):
        _check_case(actor, action.enterprise, action.case)
    if evidence is not None:
        current = set(action.evidence.values_list("pk", flat=True))
        visible = set(
            evidence_visible_to(actor).filter(pk__in=current).values_list("pk", flat=True)
        )
        wanted = {getattr(item, "pk", item) for item in evidence}
        new = _records(actor, action.enterprise, wanted - current) if wanted - current else set()
        action.evidence.set((wanted & current) | new | (current - visible))
    action.version += 1
    action._history_user = actor
    action.save()
    _event(action, actor, "protection.updated")
    if old_case is not None and old_case.pk != action.case_id:
        record_event(old_case, actor, "protection.unlinked", action=action.pk, name=action.title)
    return action
