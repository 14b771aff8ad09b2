"""Who sees which case, and business reads over cases (DESIGN §6, STYLE rule 5).

Every list, detail lookup, child object, filter dropdown, export and admin queryset of the
cases app starts from ``case_visible_to``. ``rules.py`` states the same policy per object;
tests assert the two agree for every user and case.

A user sees a case when:
* they are a platform administrator;
* they hold any role in the handling organisation, or are an administrator of one of its
  ancestors (a bureau's admins see the cases of its committee);
* their enterprise is a party to it and it has been submitted (enterprise users see their
  own cases, never drafts).
(Partner shares and court liaison visibility are added by issues 4–5 here and in rules.py.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from alliance import selectors as alliance_selectors
from alliance.models import Membership, Organization
from cases.choices import OPEN_STATUSES, PartyRole, Status
from cases.models import (
    CaseAssignment,
    CaseComment,
    CaseEvent,
    CaseRight,
    CaseShare,
    ConfirmationMaterial,
    CourtReferral,
    JudicialConfirmation,
    MediationCase,
    MediationSession,
    Party,
)
from zhangzhou_ip.core.lookups import id_array_size, pk_in, union_of
from zhangzhou_ip.core.request_memo import per_user

Role = Membership.Role


def _ancestor_admin_q(admin_of: set[int], prefix: str) -> Q:
    q = Q()
    path = prefix
    for _level in range(4):
        q |= Q(**{f"{path}__in": admin_of})
        path += "__parent"
    return q


def enterprise_ids_of(user) -> set[int]:
    return alliance_selectors.organization_ids_of(user, kinds=(Organization.Kind.ENTERPRISE,))


# The visibility predicates below test the case's own columns, or its id against the ids of
# the cases shared with the user's organisations, where their enterprise is a party or their
# court handles a confirmation or referral. Correlated EXISTS per case (the first version)
# cost 0.5–2 s per query at 100k cases. On PostgreSQL those ids are read once per request
# and written into the query as constants: PostgreSQL then hashes them when it tests many
# rows (a mediator of a large bureau) and uses the primary key index when the user sees few
# (a partner city) — a subquery gets only one of the two (``_case_ids``; decision 0020).
# SQLite keeps the subquery.


def _case_ids_q(kind: str, user, *subqueries: QuerySet, few: bool = False) -> Q:
    """``pk IN`` the case ids the subqueries (``values_list("case_id", flat=True)``) give —
    or, when the caller looks at a few cases only (``few``: one case's page, a rule), an
    EXISTS per case: cheaper for one row than reading every id (and parsing them: 7,900 ids
    cost PostgreSQL ~10 ms per query to read)."""
    if few:
        q = Q()
        for subquery in subqueries:
            q |= Q(Exists(subquery.filter(case=OuterRef("pk"))))
        return q
    return pk_in(_array_key(kind, user), *subqueries)


def _array_key(kind: str, user) -> tuple:
    return ("visible-case-ids", kind, user.pk)


#: The ways of seeing a case whose ids alone make it visible: a party's cases exclude
#: drafts on top of their array (``_party_q``), so its array is no lower bound.
WHOLE_ARRAY_KINDS = ("share", "court")


def visible_at_least(user, kinds: Iterable[str] = WHOLE_ARRAY_KINDS) -> int:
    """How many cases the user sees at least through ``kinds``, known without a query once
    ``case_visible_to(user)`` (or ``shared_with``) has read their id arrays in this request:
    the largest array (each id is a foreign key to a case: shares, confirmations and
    referrals go when their case goes). 0 when unknown (SQLite, outside a request, not read
    yet). A list with no filter needs no count when this passes its limit."""
    if not user.is_authenticated or user.is_superuser:
        return 0
    return max((id_array_size(_array_key(kind, user)) for kind in kinds), default=0)


@per_user
def staff_organization_ids(user) -> set[int] | QuerySet[Organization] | None:
    """Organisations whose cases the user's roles reach: where they hold a role, and below
    any organisation they administer (a bureau's admins see its committee's cases);
    ``None`` when the user has no membership at all. Built once per request: a case page
    asks seven times (its visibility, its badges' and its rules')."""
    member_of = alliance_selectors.organization_ids_of(user)
    if not member_of:
        return None
    admin_of = alliance_selectors.organization_ids_of(user, roles=(Role.ADMIN,))
    if not admin_of:
        return member_of
    below = alliance_selectors.descendants_q(admin_of) | Q(pk__in=member_of)
    return Organization.objects.filter(below).values("pk")


def _staff_q(user) -> Q | None:
    """Cases seen through a role in the handling organisation or an ancestor's admin role;
    ``None`` when the user has no membership at all."""
    orgs = staff_organization_ids(user)
    return None if orgs is None else Q(handling_organization__in=orgs)


def court_ids_of(user) -> set[int]:
    """Courts where the user holds a role (court liaisons)."""
    return alliance_selectors.organization_ids_of(user, kinds=(Organization.Kind.COURT,))


def _party_q(user, few: bool = False) -> Q | None:
    """Submitted cases where the user's enterprise is a party."""
    enterprises = enterprise_ids_of(user)
    if not enterprises:
        return None
    as_party = Party.objects.filter(organization__in=enterprises).values_list("case_id", flat=True)
    return _case_ids_q("party", user, as_party, few=few) & ~Q(status=Status.DRAFT)


def court_case_ids(user) -> tuple[QuerySet, ...]:
    """Ids of the cases with a confirmation or a referral at the user's court (DESIGN §6), as
    querysets (``values_list("case_id")``); none when the user holds no court role."""
    courts = court_ids_of(user)
    if not courts:
        return ()
    return (
        JudicialConfirmation.objects.filter(court__in=courts).values_list("case_id", flat=True),
        CourtReferral.objects.filter(court__in=courts).values_list("case_id", flat=True),
    )


def _court_q(user, few: bool = False) -> Q | None:
    """Cases with a confirmation or a referral at the user's court."""
    ids = court_case_ids(user)
    return _case_ids_q("court", user, *ids, few=few) if ids else None


@per_user
def shared_case_ids(user) -> QuerySet | None:
    """Ids of the cases actively shared with an organisation where the user holds a role
    (issue 5), as a queryset (``values_list("case_id")``); ``None`` without a membership.
    Built once per request, like ``staff_organization_ids``."""
    orgs = alliance_selectors.organization_ids_of(user)
    if not orgs:
        return None
    return CaseShare.objects.filter(_shares_to_q(orgs)).values_list("case_id", flat=True)


def _share_q(user, few: bool = False) -> Q | None:
    """Cases actively shared with the user's organisations."""
    ids = shared_case_ids(user)
    return None if ids is None else _case_ids_q("share", user, ids, few=few)


def _any(*qs: Q | None) -> Q | None:
    result = None
    for q in qs:
        if q is not None:
            result = q if result is None else result | q
    return result


def case_visible_to(user, *, few: bool = False) -> QuerySet[MediationCase]:
    """The cases the user sees. ``few=True`` when the caller narrows to one or a handful of
    cases (a detail page, a rule, a child object's case): each case is then tested with
    EXISTS instead of reading the ids of every shared case first (``_case_ids_q``)."""
    qs = MediationCase.objects.select_related("handling_organization")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    q = _any(_staff_q(user), _party_q(user, few), _court_q(user, few), _share_q(user, few))
    return qs.none() if q is None else qs.filter(q)


def case_full_visible_to(user, *, few: bool = False) -> QuerySet[MediationCase]:
    """Cases the user sees in full — as the handling side or a partner the case is shared
    with — not merely as a party's enterprise or a court: the timeline, session minutes and
    comments are shown only for these (DESIGN §6: a party sees a summary)."""
    qs = MediationCase.objects.select_related("handling_organization")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    q = _any(_staff_q(user), _share_q(user, few))
    return qs.none() if q is None else qs.filter(q)


@per_user
def handling_organizations_visible_to(user) -> QuerySet[Organization]:
    """Organisations handling cases the user sees (the list's organisation filter), without
    reading those cases: the user's own reach (``staff_organization_ids``) plus the
    handling organisations of the cases seen through a share, a party or a court. Built
    once per request: the organisation and mediator filters both start from it."""
    from cases.rules import HANDLING_KINDS

    handled = MediationCase.objects.filter(handling_organization=OuterRef("pk"))
    orgs = alliance_selectors.organization_visible_to(user).filter(
        Exists(handled), kind__in=HANDLING_KINDS
    )
    if not user.is_authenticated:
        return orgs.none()
    if user.is_superuser:
        return orgs
    q = Q()
    staff = staff_organization_ids(user)
    if staff is not None:
        q |= Q(pk__in=staff)
    others = _any(_party_q(user), _court_q(user), _share_q(user))
    if others is not None:
        q |= Q(pk__in=MediationCase.objects.filter(others).values("handling_organization"))
    return orgs.filter(q) if q else orgs.none()


def sees_summary_only(user, case: MediationCase) -> bool:
    """True when the user sees the case only as a party's enterprise or a court."""
    from cases.rules import can_view_case_in_full

    return not (user.is_superuser or can_view_case_in_full(user, case))


def case_ids_seen_in_full(user, case_ids: Iterable[int]) -> set[int]:
    """Of ``case_ids``, those the user sees in full (``case_full_visible_to``), in one query:
    ``sees_summary_only`` for a page of rows at once."""
    ids = set(case_ids)
    if not ids or not user.is_authenticated:
        return set()
    if user.is_superuser:
        return ids
    return set(case_full_visible_to(user, few=True).filter(pk__in=ids).values_list("pk", flat=True))


def case_list(user, *, mine: bool = False, few: bool = False) -> QuerySet[MediationCase]:
    """The case list: visible cases with what the list shows, in one query per page."""
    qs = case_visible_to(user, few=few).select_related("handling_organization__region")
    if mine:
        qs = qs.filter(assignments__user=user, assignments__unassigned_at__isnull=True)
    return qs


def party_visible_to(user) -> QuerySet[Party]:
    return Party.objects.filter(case__in=case_visible_to(user)).select_related(
        "case", "organization", "region"
    )


def case_right_visible_to(user) -> QuerySet[CaseRight]:
    return CaseRight.objects.filter(case__in=case_visible_to(user)).select_related(
        "case", "intellectual_property"
    )


def session_visible_to(user) -> QuerySet[MediationSession]:
    return MediationSession.objects.filter(case__in=case_visible_to(user)).select_related("case")


def event_visible_to(user) -> QuerySet[CaseEvent]:
    """The timeline is internal to the mediating side: parties see the case summary only."""
    return CaseEvent.objects.filter(case__in=case_full_visible_to(user)).select_related("actor")


def may_see_full_id_numbers(user, case: MediationCase) -> bool:
    """Resident ID numbers are shown in full only to the handling organisation's mediators."""
    return any(
        org == case.handling_organization_id and role == Role.MEDIATOR
        for org, _kind, role in alliance_selectors._memberships(user)
    )


def active_mediator_ids(case: MediationCase) -> set[int]:
    return set(
        case.assignments.filter(unassigned_at__isnull=True).values_list("user_id", flat=True)
    )


def eligible_mediators(organization: Organization) -> QuerySet:
    """Users who may be assigned to the organisation's cases: its mediators and admins."""
    return (
        get_user_model()
        .objects.filter(
            memberships__organization=organization,
            memberships__is_active=True,
            memberships__role__in=[Role.MEDIATOR, Role.ADMIN],
            is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def mediator_workload(organization: Organization) -> QuerySet:
    """Each eligible mediator with their open, assigned cases (one query)."""
    return eligible_mediators(organization).annotate(
        open_cases=Count(
            "caseassignment",
            filter=Q(
                caseassignment__unassigned_at__isnull=True,
                caseassignment__case__status__in=OPEN_STATUSES,
                caseassignment__case__handling_organization=organization,
            ),
            distinct=True,
        ),
        mediating=Count(
            "caseassignment",
            filter=Q(
                caseassignment__unassigned_at__isnull=True,
                caseassignment__case__status=Status.MEDIATING,
                caseassignment__case__handling_organization=organization,
            ),
            distinct=True,
        ),
    )


def mediator_workloads(organizations: Iterable[Organization]) -> dict[int, list]:
    """``mediator_workload`` for several organisations in two queries, however many there
    are: organisation id → its eligible mediators (ordered by name), each with
    ``open_cases`` and ``mediating``."""
    org_ids = [org.pk for org in organizations]
    memberships = (
        Membership.objects.filter(
            organization_id__in=org_ids,
            is_active=True,
            role__in=[Role.MEDIATOR, Role.ADMIN],
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    counts = {
        (row["user_id"], row["case__handling_organization_id"]): row
        for row in CaseAssignment.objects.filter(
            unassigned_at__isnull=True,
            case__handling_organization_id__in=org_ids,
            case__status__in=OPEN_STATUSES,
        )
        .values("user_id", "case__handling_organization_id")
        .annotate(
            open_cases=Count("pk", distinct=True),
            mediating=Count("pk", filter=Q(case__status=Status.MEDIATING), distinct=True),
        )
    }
    workloads: dict[int, list] = {org_id: [] for org_id in org_ids}
    seen: set[tuple[int, int]] = set()
    for membership in memberships:
        key = (membership.user_id, membership.organization_id)
        if key in seen:  # an admin who also mediates there
            continue
        seen.add(key)
        user = membership.user
        row = counts.get(key, {})
        user.open_cases = row.get("open_cases", 0)
        user.mediating = row.get("mediating", 0)
        workloads[membership.organization_id].append(user)
    return workloads


@dataclass(frozen=True)
class RelatedDisputes:
    visible: list[MediationCase]
    hidden_count: int
    hidden_cities: int

    @property
    def total(self) -> int:
        return len(self.visible) + self.hidden_count


# what the "Related disputes" box shows of a case, and the city it counts hidden ones by
RELATED_FIELDS = (
    "number",
    "title",
    "status",
    "received_on",
    "handling_organization__name",
    "handling_organization__short_name",
    "handling_organization__region",
)


def related_disputes(
    case: MediationCase,
    user,
    *,
    rights: Iterable[CaseRight] | None = None,
    parties: Iterable[Party] | None = None,
) -> RelatedDisputes:
    """Other cases anywhere in the alliance about the same right number, or between the same
    applicant and respondent (by USCC, in either direction). Linked where the user may see
    them, only counted where not — a count reveals no names. ``rights`` and ``parties``
    (with their organisations) when the caller has them already, as the case page does."""
    if rights is None:
        rights = CaseRight.objects.filter(case=case)
    if parties is None:
        parties = Party.objects.filter(case=case, organization__isnull=False).select_related(
            "organization"
        )
    # Each way of being related is an id query its own index answers (a right's kind and
    # number, its registered right, a party's organisation and role); one OR over the case
    # row, its rights and EXISTS of parties joined every case to every right instead.
    right_q = Q()
    for right in rights:
        if right.number:
            right_q |= Q(kind=right.kind, number=right.number)
        if right.intellectual_property_id:
            right_q |= Q(intellectual_property=right.intellectual_property_id)
    id_queries: list[QuerySet] = []
    if right_q:
        id_queries.append(CaseRight.objects.filter(right_q).values("case_id"))
    parties = [
        (party.role, party.organization.uscc)
        for party in parties
        if party.organization_id and party.organization.uscc
    ]
    applicants = {uscc for role, uscc in parties if role == PartyRole.APPLICANT}
    respondents = {uscc for role, uscc in parties if role == PartyRole.RESPONDENT}
    for a in applicants:
        for r in respondents:
            for first, second in ((a, r), (r, a)):
                id_queries.append(
                    Party.objects.filter(
                        role=PartyRole.APPLICANT,
                        organization__uscc=first,
                        case__in=Party.objects.filter(
                            role=PartyRole.RESPONDENT, organization__uscc=second
                        ).values("case_id"),
                    ).values("case_id")
                )
    if not id_queries:
        return RelatedDisputes([], 0, 0)
    # each related case with its handling city and whether the user sees it: linked where
    # seen, counted (never named) where not — one query
    related = list(
        MediationCase.objects.filter(pk__in=union_of(*id_queries))
        .exclude(pk=case.pk)
        .exclude(status=Status.DRAFT)
        .select_related("handling_organization")
        .only(*RELATED_FIELDS)
        .annotate(seen=Exists(case_visible_to(user, few=True).filter(pk=OuterRef("pk"))))
    )
    seen = [c for c in related if c.seen]
    seen.sort(key=lambda c: (c.received_on or dt.date.min, c.pk), reverse=True)
    hidden = [c for c in related if not c.seen]
    hidden_cities = len({c.handling_organization.region_id for c in hidden})
    return RelatedDisputes(seen[:20], len(hidden), hidden_cities)


def _side_q(user, prefix: str = "case__", few: bool = False) -> Q | None:
    """Staff, partner or party access to the case of a child object (not the court
    clause)."""
    q = _any(_staff_q(user), _party_q(user, few), _share_q(user, few))
    return None if q is None else Q(**{f"{prefix}in": MediationCase.objects.filter(q)})


def confirmation_visible_to(user, *, few: bool = False) -> QuerySet[JudicialConfirmation]:
    """Confirmations of cases the user sees as staff or party, and those at the user's court —
    a court liaison sees only the applications made to their court."""
    qs = JudicialConfirmation.objects.select_related("case", "court", "agreement")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    courts = court_ids_of(user)
    q = _any(_side_q(user, few=few), Q(court__in=courts) if courts else None)
    return qs.none() if q is None else qs.filter(q)


def material_visible_to(user) -> QuerySet[ConfirmationMaterial]:
    """Materials of the application package: the handling side and the court only (they hold
    both parties' identity documents)."""
    qs = ConfirmationMaterial.objects.select_related("confirmation")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    courts = court_ids_of(user)
    staff = _staff_q(user)
    q = _any(
        Q(confirmation__case__in=MediationCase.objects.filter(staff)) if staff else None,
        Q(confirmation__court__in=courts) if courts else None,
    )
    return qs.none() if q is None else qs.filter(q)


def may_open_materials(user, confirmation: JudicialConfirmation) -> bool:
    return user.has_perm(
        "cases.view_confirmationmaterial", ConfirmationMaterial(confirmation=confirmation)
    )


def referral_visible_to(user, *, few: bool = False) -> QuerySet[CourtReferral]:
    """Referrals of cases the user sees as staff or party, and those with the user's court."""
    qs = CourtReferral.objects.select_related("case", "court")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    courts = court_ids_of(user)
    q = _any(_side_q(user, few=few), Q(court__in=courts) if courts else None)
    return qs.none() if q is None else qs.filter(q)


# --- sharing (issue 5) ---------------------------------------------------------------------


def share_visible_to(user) -> QuerySet[CaseShare]:
    """Shares of cases the user handles, and the active shares made to the user's
    organisations."""
    qs = CaseShare.objects.select_related("case", "organization", "request")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    staff, orgs = staff_organization_ids(user), alliance_selectors.organization_ids_of(user)
    q = _any(
        # on the share's own case (a join), not ``case IN (all the staff's cases)``: a case
        # page reads the shares of one case
        Q(case__handling_organization__in=staff) if staff is not None else None,
        _shares_to_q(orgs) if orgs else None,
    )
    return qs.none() if q is None else qs.filter(q)


def _shares_to_q(orgs) -> Q:
    """A partner sees only its active shares: a revoked one is gone at once."""
    return Q(organization__in=orgs) & CaseShare.active_q()


def active_shares_to(user) -> QuerySet[CaseShare]:
    """The active shares made to the user's organisations: the shares the "shared with us"
    inbox lists, and the part of ``share_visible_to`` a partner has (without its join to the
    case, which a handling bureau's branch needs)."""
    orgs = alliance_selectors.organization_ids_of(user) if user.is_authenticated else ()
    return CaseShare.objects.filter(_shares_to_q(orgs)) if orgs else CaseShare.objects.none()


def comment_visible_to(user, *, few: bool = False) -> QuerySet[CaseComment]:
    """``few``: the caller reads the comments of one case (``case_visible_to``)."""
    cases = case_full_visible_to(user, few=few)
    return CaseComment.objects.filter(case__in=cases).select_related("author", "organization")


def shared_with(user) -> QuerySet[MediationCase]:
    """The "shared with us" inbox: cases actively shared with the user's organisations."""
    q = _share_q(user)
    qs = MediationCase.objects.select_related("handling_organization")
    return qs.none() if q is None else qs.filter(q)


def workload_organizations(user) -> QuerySet[Organization]:
    """Handling organisations whose mediators' workload the user sees: where they mediate or
    administer, and — for an administrator — the organisations below theirs."""
    from cases.rules import HANDLING_KINDS

    handling = Organization.objects.filter(kind__in=HANDLING_KINDS, is_active=True)
    if user.is_superuser:
        return handling.filter(handled_cases__isnull=False).distinct().order_by("name")
    staff = alliance_selectors.organization_ids_of(user, roles=(Role.ADMIN, Role.MEDIATOR))
    admin_of = alliance_selectors.organization_ids_of(user, roles=(Role.ADMIN,))
    q = Q(pk__in=staff)
    path = "parent"
    for _level in range(3):
        q |= Q(**{f"{path}__in": admin_of})
        path += "__parent"
    return handling.filter(q).order_by("name")
