"""Permissions for cases (django-rules): the single policy used by services, views, API and
admin. ``selectors.case_visible_to`` is the same view policy as a queryset; tests assert, for
every user and case, ``case in case_visible_to(user)`` ⇔ ``has_perm('cases.view_mediationcase')``.

Who may do what (DESIGN §6):
* view — see ``selectors`` (handling organisation's staff, admins of its ancestors, the
  enterprise parties once submitted, platform admins);
* create — administrators, mediators and clerks of a bureau, mediation committee or
  protection centre, for that organisation;
* edit facts, parties, rights — the handling organisation's admins, the assigned mediators,
  and its clerks and mediators during intake (draft, submitted); never once finished;
* transitions — per transition below; assignment — the organisation's admins and mediators.
"""

from __future__ import annotations

import rules

from alliance import selectors as alliance_selectors
from alliance.models import Membership, Organization
from alliance.rules import has_membership, is_superuser
from cases.choices import FINISHED_STATUSES, Status
from cases.models import MediationCase

Role = Membership.Role
HANDLING_KINDS = (
    Organization.Kind.BUREAU,
    Organization.Kind.MEDIATION_COMMITTEE,
    Organization.Kind.PROTECTION_CENTER,
)
INTAKE_STATUSES = (Status.DRAFT, Status.SUBMITTED)


def _roles_in(user, org_id: int) -> set[str]:
    return {role for org, _kind, role in alliance_selectors._memberships(user) if org == org_id}


def _ancestor_ids(org: Organization) -> set[int]:
    ids: set[int] = set()
    node = org
    for _level in range(4):
        if node is None:
            break
        ids.add(node.pk)
        node = node.parent if node.parent_id else None
    return ids


def is_org_admin(user, case: MediationCase) -> bool:
    admin_of = alliance_selectors.organization_ids_of(user, roles=(Role.ADMIN,))
    return bool(admin_of & _ancestor_ids(case.handling_organization))


def is_assigned(user, case: MediationCase) -> bool:
    """An active mediator of the case. Pages that check many permissions prefetch
    ``Prefetch("assignments", <active ones>, to_attr="active_assignments")``."""
    if not case.pk:
        return False
    prefetched = getattr(case, "active_assignments", None)
    if prefetched is not None:
        return any(a.user_id == user.pk for a in prefetched)
    return case.assignments.filter(user=user, unassigned_at__isnull=True).exists()


@rules.predicate
def can_view_case_as_staff(user, case: MediationCase | None) -> bool:
    """A role in the handling organisation, or admin of one of its ancestors."""
    if case is None:
        return alliance_selectors.has_membership(user)
    return bool(_roles_in(user, case.handling_organization_id)) or is_org_admin(user, case)


def _court_ids(user) -> set[int]:
    from cases.selectors import court_ids_of  # one definition, shared with the querysets

    return court_ids_of(user)


def _is_party(user, case: MediationCase) -> bool:
    if case.status == Status.DRAFT:
        return False
    from cases.selectors import enterprise_ids_of

    enterprises = enterprise_ids_of(user)
    return bool(enterprises) and case.parties.filter(organization__in=enterprises).exists()


def _at_users_court(user, case: MediationCase) -> bool:
    courts = _court_ids(user)
    return bool(courts) and (
        case.confirmations.filter(court__in=courts).exists()
        or case.referrals.filter(court__in=courts).exists()
    )


def _is_shared_with(user, case: MediationCase, *, levels: tuple[str, ...] = ()) -> bool:
    """An active share of the case with one of the user's organisations (issue 5)."""
    if not case.pk:
        return False
    from cases.selectors import active_shares_to  # the one definition of "active, to us"

    orgs = alliance_selectors.organization_ids_of(user)
    if not orgs:
        return False
    # the case page prefetches the shares the user sees, which hold every active share with
    # the user's organisations (``selectors.share_visible_to``): no query per rule asked
    prefetched = getattr(case, "visible_shares", None)
    if prefetched is not None:
        return any(
            share.organization_id in orgs
            and share.in_force()
            and (not levels or share.level in levels)
            for share in prefetched
        )
    shares = active_shares_to(user).filter(case=case)
    if levels:
        shares = shares.filter(level__in=levels)
    return shares.exists()


@rules.predicate
def can_view_case(user, case: MediationCase | None) -> bool:
    if case is None:
        return alliance_selectors.has_membership(user)
    return (
        can_view_case_as_staff(user, case)
        or _is_party(user, case)
        or _at_users_court(user, case)
        or _is_shared_with(user, case)
    )


@rules.predicate
def can_view_case_in_full(user, case: MediationCase | None) -> bool:
    """The handling side or a partner the case is shared with (timeline, minutes,
    comments); parties and courts see a summary."""
    if case is None:
        return alliance_selectors.has_membership(user)
    return can_view_case_as_staff(user, case) or _is_shared_with(user, case)


@rules.predicate
def can_create_case(user, case: MediationCase | None) -> bool:
    staff = {
        org
        for org, kind, role in alliance_selectors._memberships(user)
        if kind in HANDLING_KINDS and role in (Role.ADMIN, Role.MEDIATOR, Role.CLERK)
    }
    if case is None:
        return bool(staff)
    return case.handling_organization_id in staff


@rules.predicate
def can_edit_case(user, case: MediationCase | None) -> bool:
    if case is None:
        return can_create_case(user, None)
    if case.status in FINISHED_STATUSES:
        return False
    if is_org_admin(user, case) or is_assigned(user, case):
        return True
    roles = _roles_in(user, case.handling_organization_id)
    return case.status in INTAKE_STATUSES and bool(roles & {Role.MEDIATOR, Role.CLERK})


@rules.predicate
def can_delete_case(user, case: MediationCase | None) -> bool:
    """Only drafts can be discarded, by their author or an organisation admin."""
    if case is None:
        return can_create_case(user, None)
    return case.status == Status.DRAFT and (
        case.created_by_id == user.pk or is_org_admin(user, case)
    )


@rules.predicate
def can_submit(user, case: MediationCase | None) -> bool:
    if case is None:
        return can_create_case(user, None)
    roles = _roles_in(user, case.handling_organization_id)
    return bool(roles & {Role.MEDIATOR, Role.CLERK, Role.ADMIN}) or is_org_admin(user, case)


@rules.predicate
def can_accept_or_decline(user, case: MediationCase | None) -> bool:
    if case is None:
        return can_create_case(user, None)
    roles = _roles_in(user, case.handling_organization_id)
    return Role.MEDIATOR in roles or is_org_admin(user, case)


@rules.predicate
def is_assigned_mediator_or_admin(user, case: MediationCase | None) -> bool:
    if case is None:
        return can_create_case(user, None)
    return is_assigned(user, case) or is_org_admin(user, case)


@rules.predicate
def can_assign(user, case: MediationCase | None) -> bool:
    if case is None:
        return can_create_case(user, None)
    if case.status in FINISHED_STATUSES:
        return False
    roles = _roles_in(user, case.handling_organization_id)
    return Role.MEDIATOR in roles or is_org_admin(user, case)


view_case = is_superuser | can_view_case
rules.add_perm("cases", is_superuser | has_membership)
rules.add_perm("cases.view_mediationcase", view_case)
rules.add_perm("cases.add_mediationcase", is_superuser | can_create_case)
rules.add_perm("cases.change_mediationcase", is_superuser | can_edit_case)
rules.add_perm("cases.delete_mediationcase", is_superuser | can_delete_case)
rules.add_perm("cases.assign_mediationcase", is_superuser | can_assign)

# One permission per workflow transition (DESIGN §5 "who").
TRANSITION_PERMISSIONS = {
    "submit": is_superuser | can_submit,
    "accept": is_superuser | can_accept_or_decline,
    "decline": is_superuser | can_accept_or_decline,
    "start_mediation": is_superuser | is_assigned_mediator_or_admin,
    "settle": is_superuser | is_assigned_mediator_or_admin,
    "fail": is_superuser | is_assigned_mediator_or_admin,
    "withdraw": is_superuser | is_assigned_mediator_or_admin,
    "close": is_superuser | is_assigned_mediator_or_admin,
}
for _name, _predicate in TRANSITION_PERMISSIONS.items():
    rules.add_perm(f"cases.{_name}_mediationcase", _predicate)
rules.add_perm(
    "cases.transition_mediationcase",
    is_superuser | can_submit | can_accept_or_decline | is_assigned_mediator_or_admin,
)


def transition_perm(name: str) -> str:
    return f"cases.{name}_mediationcase"


# Child objects follow their case: see it → see them; edit it → edit them.
def _case_of(obj):
    return getattr(obj, "case", None) if obj is not None else None


@rules.predicate
def can_view_child(user, obj) -> bool:
    case = _case_of(obj)
    return can_view_case(user, case) if case is not None else can_view_case(user, None)


@rules.predicate
def can_edit_child(user, obj) -> bool:
    case = _case_of(obj)
    return can_edit_case(user, case) if case is not None else can_edit_case(user, None)


@rules.predicate
def can_manage_sessions(user, obj) -> bool:
    case = _case_of(obj)
    if case is None:
        return can_create_case(user, None)
    if case.status not in (Status.ACCEPTED, Status.MEDIATING):
        return False
    return is_assigned_mediator_or_admin(user, case)


for _model in ("party", "caseright"):
    rules.add_perm(f"cases.view_{_model}", is_superuser | can_view_child)
    rules.add_perm(f"cases.add_{_model}", is_superuser | can_edit_child)
    rules.add_perm(f"cases.change_{_model}", is_superuser | can_edit_child)
    rules.add_perm(f"cases.delete_{_model}", is_superuser | can_edit_child)
for _model in ("mediationsession", "agreement"):
    rules.add_perm(f"cases.view_{_model}", is_superuser | can_view_child)
    rules.add_perm(f"cases.add_{_model}", is_superuser | can_manage_sessions)
    rules.add_perm(f"cases.change_{_model}", is_superuser | can_manage_sessions)
    rules.add_perm(f"cases.delete_{_model}", is_superuser)


@rules.predicate
def can_view_child_in_full(user, obj) -> bool:
    return can_view_case_in_full(user, _case_of(obj))


# The timeline is internal to the mediating side; a party's enterprise sees the summary.
rules.add_perm("cases.view_caseevent", is_superuser | can_view_child_in_full)
rules.add_perm("cases.view_caseassignment", is_superuser | can_view_child)
rules.add_perm("cases.view_casenumbering", rules.is_authenticated)
rules.add_perm("cases.change_casenumbering", is_superuser)
rules.add_perm("cases.add_casenumbering", is_superuser)


# --- judicial confirmation and court referrals (issue 4) -----------------------------------


@rules.predicate
def can_create_case_for(user, referral) -> bool:
    """Receiving a court's referral opens a draft: whoever may open cases there may do it."""
    return (
        referral is not None
        and referral.direction == "inbound"
        and can_create_case(user, referral.case)
    )


# The handling side (assigned mediators, organisation admins) prepares, files and withdraws;
# the court's liaisons — or the handling side, copying the court's paper — record the court's
# decisions. A court sees only the items at that court.


def _side_may_view(user, case: MediationCase) -> bool:
    return can_view_case_in_full(user, case) or _is_party(user, case)


@rules.predicate
def can_view_court_item(user, obj) -> bool:
    if obj is None:
        return alliance_selectors.has_membership(user)
    return _side_may_view(user, obj.case) or obj.court_id in _court_ids(user)


@rules.predicate
def handles_court_item(user, obj) -> bool:
    if obj is None:
        return can_create_case(user, None)
    return is_assigned_mediator_or_admin(user, obj.case)


@rules.predicate
def is_court_liaison_of(user, obj) -> bool:
    return obj is not None and obj.court_id in _court_ids(user)


@rules.predicate
def can_view_material(user, material) -> bool:
    """The package holds both parties' identity documents: only the handling side and the
    court it was filed with open it — the parties see the confirmation, not the files."""
    confirmation = getattr(material, "confirmation", None)
    if confirmation is None:
        return alliance_selectors.has_membership(user)
    return can_view_case_as_staff(user, confirmation.case) or is_court_liaison_of(
        user, confirmation
    )


@rules.predicate
def handles_material(user, material) -> bool:
    return handles_court_item(user, getattr(material, "confirmation", None))


rules.add_perm("cases.view_judicialconfirmation", is_superuser | can_view_court_item)
rules.add_perm("cases.add_judicialconfirmation", is_superuser | handles_court_item)
rules.add_perm("cases.change_judicialconfirmation", is_superuser | handles_court_item)
rules.add_perm("cases.file_judicialconfirmation", is_superuser | handles_court_item)
rules.add_perm(
    "cases.decide_judicialconfirmation", is_superuser | is_court_liaison_of | handles_court_item
)
rules.add_perm("cases.delete_judicialconfirmation", is_superuser)
rules.add_perm("cases.view_confirmationmaterial", is_superuser | can_view_material)
rules.add_perm("cases.add_confirmationmaterial", is_superuser | handles_material)
rules.add_perm("cases.change_confirmationmaterial", is_superuser)
rules.add_perm("cases.delete_confirmationmaterial", is_superuser)
rules.add_perm("cases.view_courtreferral", is_superuser | can_view_court_item)
rules.add_perm("cases.add_courtreferral", is_superuser | handles_court_item | can_create_case_for)
rules.add_perm(
    "cases.change_courtreferral", is_superuser | handles_court_item | is_court_liaison_of
)
rules.add_perm("cases.delete_courtreferral", is_superuser)


# --- sharing with partner cities (issue 5) ---------------------------------------------------
# The handling organisation's admins and the assigned mediators share and revoke; a partner
# with a `collaborate` share comments and replies; nobody gains edit or transition rights.


@rules.predicate
def can_share(user, case: MediationCase | None) -> bool:
    if case is None:
        return can_create_case(user, None)
    if case.status == Status.DRAFT:
        return False
    return is_org_admin(user, case) or is_assigned(user, case)


@rules.predicate
def can_view_share(user, share) -> bool:
    if share is None:
        return alliance_selectors.has_membership(user)
    if can_view_case_as_staff(user, share.case):
        return True
    from cases.models import CaseShare

    return (
        share.organization_id in alliance_selectors.organization_ids_of(user)
        and CaseShare.objects.filter(CaseShare.active_q(), pk=share.pk).exists()
    )


@rules.predicate
def can_comment(user, comment) -> bool:
    case = _case_of(comment)
    if case is None:
        return alliance_selectors.has_membership(user)
    return (
        bool(_roles_in(user, case.handling_organization_id))
        or is_org_admin(user, case)
        or (_is_shared_with(user, case, levels=("collaborate",)))
    )


rules.add_perm("cases.share_mediationcase", is_superuser | can_share)
rules.add_perm("cases.view_caseshare", is_superuser | can_view_share)
rules.add_perm("cases.add_caseshare", is_superuser | can_share)
rules.add_perm("cases.change_caseshare", is_superuser)
rules.add_perm("cases.delete_caseshare", is_superuser)
rules.add_perm("cases.view_casecomment", is_superuser | can_view_child_in_full)
rules.add_perm("cases.add_casecomment", is_superuser | can_comment)
rules.add_perm("cases.change_casecomment", is_superuser)
rules.add_perm("cases.delete_casecomment", is_superuser)
