"""Which courts may confirm a case's agreement (管辖) — DOMAIN §1.3, CPL 2023 art. 205.

* Court-invited mediation (委派 / 委托 / 邀请): only the court that invited it (art. 205(1)).
* Otherwise any basic court at a party's domicile, where the subject matter is, or where the
  mediation organisation is (art. 205(2) first clause) — the legal hook for 异地司法确认.
* When the dispute would belong to an intermediate court at first instance (technical IP and
  design patents, 法释〔2022〕13号), the corresponding intermediate court instead (art. 205(2)
  second clause); which one is data (``alliance.CourtJurisdiction``), to be confirmed by a
  lawyer, not code.

Each proposal carries the reason, so the user and the court see why a court is competent.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from alliance.models import CourtJurisdiction, IntellectualProperty, Organization, Region
from cases.choices import DisputeType
from cases.models import CourtReferral, MediationCase

TECHNICAL = CourtJurisdiction.Scope.TECHNICAL
DESIGN = CourtJurisdiction.Scope.DESIGN
GENERAL = "general"

_TECHNICAL_TYPES = {
    DisputeType.INVENTION_INFRINGEMENT,
    DisputeType.UTILITY_MODEL_INFRINGEMENT,
    DisputeType.TRADE_SECRET,
}
_PATENT_TYPES = {
    DisputeType.PATENT_OWNERSHIP,
    DisputeType.INVENTOR_REMUNERATION,
    DisputeType.PATENT_CONTRACT,
}
_TECHNICAL_RIGHTS = {
    IntellectualProperty.Kind.INVENTION_PATENT,
    IntellectualProperty.Kind.UTILITY_MODEL,
    IntellectualProperty.Kind.SOFTWARE_COPYRIGHT,
    IntellectualProperty.Kind.TRADE_SECRET,
}


@dataclass(frozen=True)
class CourtProposal:
    court: Organization
    reason: str


def jurisdiction_scope(case: MediationCase) -> str:
    """The first-instance group of the dispute: ``technical`` and ``design`` disputes belong
    to intermediate courts (法释〔2022〕13号 arts. 1–2); the rest to basic courts."""
    rights = {kind for kind in case.rights.values_list("kind", flat=True)}
    if case.dispute_type in _TECHNICAL_TYPES or rights & _TECHNICAL_RIGHTS:
        return TECHNICAL
    if case.dispute_type == DisputeType.DESIGN_INFRINGEMENT:
        return DESIGN
    if case.dispute_type in _PATENT_TYPES:
        # Ownership, remuneration and contracts of a design patent stay with design courts;
        # without a recorded right assume the stricter technical route.
        return DESIGN if rights == {IntellectualProperty.Kind.DESIGN_PATENT} else TECHNICAL
    return GENERAL


def _city(region: Region | None) -> Region | None:
    return region.city if region is not None else None


def _basic_courts(region: Region | None) -> list[Organization]:
    """Basic courts for a place: the county's court; for a city-level place, the courts of the
    city's districts (市辖区, codes xx01–xx20), where city-level bodies sit."""
    if region is None:
        return []
    courts = Organization.objects.filter(
        kind=Organization.Kind.COURT, court_level=Organization.CourtLevel.BASIC
    ).select_related("region__parent")
    if region.level == Region.Level.COUNTY:
        return list(courts.filter(region=region))
    if region.level == Region.Level.CITY:
        districts = [f"{region.code[:4]}{n:02d}" for n in range(1, 21)]
        return list(courts.filter(region__code__in=districts).order_by("court_code"))
    return []


def _intermediate_court(city: Region | None, scope: str) -> Organization | None:
    if city is None:
        return None
    route = (
        CourtJurisdiction.objects.filter(Q(region=city) | Q(region=city.parent_id), scope=scope)
        .select_related("court__region__parent")
        .order_by("-region__level")  # a city's own row before its province's
        .first()
    )
    return route.court if route else None


def _places(case: MediationCase) -> list[tuple[Region, str]]:
    """(region, reason) for each connecting factor of art. 205(2)."""
    places: list[tuple[Region, str]] = []
    for party in case.parties.select_related(
        "region__parent", "organization__region__parent"
    ).order_by("role", "pk"):
        region = party.region or (party.organization.region if party.organization else None)
        if region is not None:
            places.append(
                (
                    region,
                    _("domicile of %(role)s %(name)s")
                    % {"role": party.get_role_display(), "name": party.name},
                )
            )
    for right in case.rights.select_related("intellectual_property__owner__region__parent"):
        ip = right.intellectual_property
        if ip is not None and ip.owner_id:
            places.append(
                (
                    ip.owner.region,
                    _("where the subject matter is: %(right)s") % {"right": right.number or ip},
                )
            )
    org = case.handling_organization
    places.append(
        (
            org.region,
            _("where the mediation organisation is: %(org)s") % {"org": org.name},
        )
    )
    return places


def competent_courts(case: MediationCase) -> list[CourtProposal]:
    """The courts that may confirm the case's agreement, each with its reason, best first."""
    inviting = (
        CourtReferral.objects.filter(case=case, direction=CourtReferral.Direction.INBOUND)
        .select_related("court__region__parent")
        .order_by("-referred_on")
        .first()
    )
    if inviting is not None:
        return [
            CourtProposal(
                inviting.court,
                _("the court invited the mediation (%(kind)s; CPL art. 205(1))")
                % {"kind": inviting.get_kind_display()},
            )
        ]
    scope = jurisdiction_scope(case)
    proposals: dict[int, CourtProposal] = {}
    for region, why in _places(case):
        if scope == GENERAL:
            candidates = _basic_courts(region)
            rule = _("basic court, CPL art. 205(2)")
        else:
            court = _intermediate_court(_city(region), scope)
            candidates = [court] if court else []
            rule = _("intermediate court for %(scope)s disputes, CPL art. 205(2)") % {
                "scope": CourtJurisdiction.Scope(scope).label
            }
        for court in candidates:
            if court.pk in proposals:
                continue
            proposals[court.pk] = CourtProposal(court, f"{why} ({rule})")
    return list(proposals.values())


def is_remote(court: Organization, case: MediationCase) -> bool:
    """异地: the court's city differs from the handling organisation's city."""
    court_city = _city(court.region) or court.region
    home = _city(case.handling_organization.region) or case.handling_organization.region
    return court_city.pk != home.pk
