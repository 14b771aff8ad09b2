"""Opening and editing a case: drafts, facts, parties and rights in dispute."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from alliance.models import Organization
from cases.choices import (
    PartyKind,
    Status,
)
from cases.errors import InvalidTransition
from cases.models import (
    CaseRight,
    MediationCase,
    Party,
)
from cases.services._base import (
    EDITABLE_FIELDS,
    User,
    _lock,
    _require,
    _save,
    record_event,
)

# --- creating and editing ---------------------------------------------------------------


@transaction.atomic
def case_create(
    *, actor: User, handling_organization: Organization, title: str, dispute_type: str, **fields
) -> MediationCase:
    """Open a draft. It gets a number only when submitted (DESIGN §5)."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    case = MediationCase(
        handling_organization=handling_organization,
        title=title,
        dispute_type=dispute_type,
        created_by=actor,
        **fields,
    )
    _require(actor, "cases.add_mediationcase", case)
    case.full_clean(exclude=["created_by"])
    case._history_user = actor
    case.save()
    record_event(case, actor, "case.created", to_status=Status.DRAFT)
    return case


@transaction.atomic
def case_update(
    *, actor: User, case: MediationCase, expected_version: int | None = None, **fields
) -> MediationCase:
    """Edit the non-workflow fields."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    case = _lock(case, expected_version)
    _require(actor, "cases.change_mediationcase", case)
    changed = {k: v for k, v in fields.items() if getattr(case, k) != v}
    if not changed:
        return case
    for name, value in changed.items():
        setattr(case, name, value)
    case.full_clean()
    _save(case, actor, list(changed))
    record_event(case, actor, "case.updated", fields=sorted(changed))
    return case


@transaction.atomic
def case_delete_draft(*, actor: User, case: MediationCase) -> None:
    case = _lock(case, None)
    _require(actor, "cases.delete_mediationcase", case)
    if case.status != Status.DRAFT:
        raise InvalidTransition(_("Only drafts can be deleted."), code="not_draft")
    case._history_user = actor
    case.delete()


def _refresh_cross_region(case: MediationCase) -> None:
    """A case is cross-region when a party's city differs from the handling
    organisation's (DESIGN §4)."""
    home = _city_id(case.handling_organization.region)
    cities = set()
    for party in case.parties.select_related("region__parent", "organization__region__parent"):
        region = party.region or (party.organization.region if party.organization else None)
        if region is not None:
            cities.add(_city_id(region))
    value = any(city != home for city in cities if city is not None)
    if value != case.is_cross_region:
        MediationCase.objects.filter(pk=case.pk).update(is_cross_region=value)
        case.is_cross_region = value


def _city_id(region) -> int | None:
    if region is None:
        return None
    if region.level == "county" and region.parent_id:
        return region.parent_id
    return region.pk


@transaction.atomic
def party_add(*, actor: User, case: MediationCase, **fields) -> Party:
    """Add a party; an organisation party takes the organisation's name."""
    case = _lock(case, None)
    party = Party(case=case, **fields)
    _require(actor, "cases.add_party", party)
    if party.kind == PartyKind.ORGANIZATION and party.organization is not None:
        party.name = party.organization.name
        party.id_number = ""
    _validate_party(party)
    party.full_clean()
    party._history_user = actor
    party.save()
    _refresh_cross_region(case)
    record_event(case, actor, "party.added", role=party.role, name=party.name)
    return party


def _validate_party(party: Party) -> None:
    from alliance.validators import normalize_resident_id, validate_resident_id

    if party.kind == PartyKind.PERSON and party.id_number:
        party.id_number = normalize_resident_id(party.id_number)
        try:
            validate_resident_id(party.id_number)
        except Exception as exc:
            from django.core.exceptions import ValidationError

            if isinstance(exc, ValidationError):
                raise ValidationError({"id_number": exc.error_list}) from exc
            raise


@transaction.atomic
def party_update(*, actor: User, party: Party, **fields) -> Party:
    case = _lock(party.case, None)
    party = Party.objects.select_for_update().get(pk=party.pk)
    _require(actor, "cases.change_party", party)
    for name, value in fields.items():
        setattr(party, name, value)
    if party.kind == PartyKind.ORGANIZATION and party.organization is not None:
        party.name = party.organization.name
        party.id_number = ""
    _validate_party(party)
    party.full_clean()
    party._history_user = actor
    party.save()
    _refresh_cross_region(case)
    record_event(case, actor, "party.updated", role=party.role, name=party.name)
    return party


@transaction.atomic
def party_remove(*, actor: User, party: Party) -> None:
    case = _lock(party.case, None)
    _require(actor, "cases.delete_party", party)
    name, role = party.name, party.role
    party._history_user = actor
    party.delete()
    _refresh_cross_region(case)
    record_event(case, actor, "party.removed", role=role, name=name)


@transaction.atomic
def right_add(*, actor: User, case: MediationCase, **fields) -> CaseRight:
    """Add a right in dispute: a registered right (its kind and number are copied) or a
    number of the given kind, validated and normalised (DOMAIN §5)."""
    from django.core.exceptions import ValidationError

    from alliance.validators import (
        normalize_identifier_for_ip_kind,
        validate_identifier_for_ip_kind,
    )

    case = _lock(case, None)
    right = CaseRight(case=case, **fields)
    _require(actor, "cases.add_caseright", right)
    ip = right.intellectual_property
    if ip is not None:
        right.kind, right.number = ip.kind, ip.number
    elif right.number:
        right.number = normalize_identifier_for_ip_kind(right.kind, right.number)
        try:
            validate_identifier_for_ip_kind(right.kind, right.number)
        except ValidationError as exc:
            raise ValidationError({"number": exc.error_list}) from exc
    right.full_clean()
    right.save()
    record_event(case, actor, "right.added", kind=right.kind, number=right.number)
    return right


@transaction.atomic
def right_remove(*, actor: User, right: CaseRight) -> None:
    case = _lock(right.case, None)
    _require(actor, "cases.delete_caseright", right)
    kind, number = right.kind, right.number
    right.delete()
    record_event(case, actor, "right.removed", kind=kind, number=number)
