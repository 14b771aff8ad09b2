"""The world the benchmark data is added to (``cases.benchdata``): the regions, organisations,
enterprises, handling organisations with their staff and courts, read once in a fixed order."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models

from alliance import demo as alliance_demo
from alliance.models import (
    CourtJurisdiction,
    IntellectualProperty,
    Membership,
    Organization,
    Region,
)
from cases.benchdata.common import BenchConfig, Kind, Role, _Days
from cases.models import DEFAULT_NUMBER_TEMPLATE, CaseNumbering

# ---------------------------------------------------------------------------------------------
# The world the data is added to
# ---------------------------------------------------------------------------------------------


@dataclass
class _Enterprise:
    org: Organization
    city_id: int
    point: Organization | None
    industry: str
    brand: str
    rights: list[IntellectualProperty] = field(default_factory=list)


@dataclass
class _Handler:
    """An organisation that handles cases, its staff and what its numbers look like."""

    org: Organization
    city_id: int
    since: dt.date
    weight: float
    lineage: set[int]
    member: Organization | None  # the member bureau that sends its collaboration requests
    template: str
    mediators: list[Any] = field(default_factory=list)
    clerks: list[Any] = field(default_factory=list)
    courts: dict[str, Organization] = field(default_factory=dict)  # scope → court


class _World:
    """Everything read from the database before generating, in a fixed order."""

    def __init__(self, config: BenchConfig, days: _Days) -> None:
        self.config = config
        self.days = days
        regions = list(Region.objects.order_by("code"))
        self.regions = {r.pk: r for r in regions}
        self.city_of = {r.pk: _city_id(r) for r in regions}
        orgs = Organization.objects.select_related("region__parent").order_by("pk")
        self.admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
        if self.admin is None:
            raise LookupError("No superuser: run load_demo (or create one) first.")
        self.members = list(
            orgs.filter(kind=Kind.BUREAU, alliance_joined_on__isnull=False, is_active=True)
        )
        handler_orgs = list(
            orgs.filter(
                models.Q(pk__in=[m.pk for m in self.members])
                | models.Q(kind__in=[Kind.MEDIATION_COMMITTEE, Kind.PROTECTION_CENTER])
            ).filter(is_active=True)
        )
        self.points = list(orgs.filter(kind=Kind.SERVICE_POINT, is_active=True))
        if not handler_orgs or not self.points:
            raise LookupError(
                "No member bureaus, committees or service points: run load_demo first."
            )
        self.all_orgs = {o.pk: o for o in orgs}
        self.courts = list(orgs.filter(kind=Kind.COURT))
        self.zz_counties = list(
            Region.objects.filter(
                parent__code="350600", level=Region.Level.COUNTY, valid_to__isnull=True
            ).order_by("code")
        )
        self.fujian_counties = list(
            Region.objects.filter(
                code__startswith="35", level=Region.Level.COUNTY, valid_to__isnull=True
            )
            .exclude(parent__code="350600")
            .order_by("code")
        )
        self.member_cities = sorted(
            {self.city_of[m.region_id] for m in self.members if self.city_of[m.region_id]}
        )
        self.used_usccs = set(Organization.objects.exclude(uscc="").values_list("uscc", flat=True))
        self.used_numbers = set(
            IntellectualProperty.objects.exclude(number="").values_list("number", flat=True)
        )
        self.used_names = set(Organization.objects.values_list("name", flat=True))
        self.handlers = self._handlers(handler_orgs)
        self.enterprises = self._enterprises()
        self.point_staff = self._point_staff()

    def _handlers(self, orgs: list[Organization]) -> list[_Handler]:
        templates = dict(CaseNumbering.objects.values_list("organization_id", "template"))
        rng = random.Random(self.config.seed)
        members = {m.pk for m in self.members}
        handlers = []
        for org in orgs:
            lineage, parent = {org.pk}, org.parent_id
            member = org if org.pk in members else None
            while parent is not None and parent in self.all_orgs:
                lineage.add(parent)
                if member is None and parent in members:
                    member = self.all_orgs[parent]
                parent = self.all_orgs[parent].parent_id
            zhangzhou = org.region.code.startswith("3506")
            weight = {Kind.MEDIATION_COMMITTEE: 24.0, Kind.PROTECTION_CENTER: 4.0}.get(
                org.kind, 10.0 if zhangzhou else rng.uniform(0.6, 3.0)
            )
            handlers.append(
                _Handler(
                    org=org,
                    city_id=self.city_of[org.region_id],
                    since=max(self.days.first, org.alliance_joined_on or self.days.first),
                    weight=weight,
                    lineage=lineage,
                    member=member,
                    template=templates.get(org.pk, DEFAULT_NUMBER_TEMPLATE),
                )
            )
        self._courts(handlers)
        return [h for h in handlers if h.since <= self.days.last]

    def _courts(self, handlers: list[_Handler]) -> None:
        """The court that confirms each group of disputes of a handler: the intermediate court
        of ``CourtJurisdiction`` (technical, design), the basic court where the organisation
        sits (general) — the connecting factors of ``cases.routing``."""
        routes = {
            (row.region_id, row.scope): row.court
            for row in CourtJurisdiction.objects.select_related("court").order_by("pk")
        }
        basic = defaultdict(list)
        for court in self.courts:
            if court.court_level == Organization.CourtLevel.BASIC:
                basic[court.region_id].append(court)
                basic[self.city_of[court.region_id]].append(court)
        for handler in handlers:
            region = handler.org.region
            city = self.regions.get(handler.city_id)
            for scope in (CourtJurisdiction.Scope.TECHNICAL, CourtJurisdiction.Scope.DESIGN):
                court = routes.get((handler.city_id, scope)) or (
                    routes.get((city.parent_id, scope)) if city else None
                )
                if court is not None:
                    handler.courts[scope] = court
            local = basic.get(region.pk) or basic.get(handler.city_id) or []
            if local:
                handler.courts["general"] = sorted(local, key=lambda c: c.court_code)[0]

    def _enterprises(self) -> list[_Enterprise]:
        specs = {
            s.uscc: s for s in alliance_demo.build_plan().organizations if s.kind == Kind.ENTERPRISE
        }
        rights = defaultdict(list)
        for ip in IntellectualProperty.objects.order_by("pk"):
            rights[ip.owner_id].append(ip)
        enterprises = []
        for org in self.all_orgs.values():
            if org.kind != Kind.ENTERPRISE:
                continue
            spec = specs.get(org.uscc)
            parent = self.all_orgs.get(org.parent_id) if org.parent_id else None
            enterprises.append(
                _Enterprise(
                    org=org,
                    city_id=self.city_of[org.region_id],
                    point=parent
                    if parent is not None and parent.kind == Kind.SERVICE_POINT
                    else None,
                    industry=(spec.industry if spec else "") or "food",
                    brand=(spec.brand if spec else "") or org.short_name or org.name[2:4],
                    rights=rights.get(org.pk, []),
                )
            )
        return enterprises

    def _point_staff(self) -> dict[int, Any]:
        staff: dict[int, Any] = {}
        for membership in (
            Membership.objects.filter(
                organization__in=self.points,
                role__in=[Role.CLERK, Role.ADMIN],
                is_active=True,
                user__is_active=True,
            )
            .select_related("user")
            .order_by("organization_id", "user__username")
        ):
            staff.setdefault(membership.organization_id, membership.user)
        return staff

    def region_for_person(self, rng: random.Random, near: int | None) -> Region:
        """Near the handling organisation half of the time, elsewhere in the alliance else."""
        if near is not None and rng.random() < 0.5:
            city = self.regions[near]
            counties = [c for c in self.zz_counties + self.fujian_counties if c.parent_id == near]
            return rng.choice(counties) if counties and rng.random() < 0.7 else city
        if rng.random() < 0.4:
            return rng.choice(self.zz_counties)
        return self.regions[rng.choice(self.member_cities)]


def _city_id(region: Region) -> int:
    """The prefecture-level city of a region (as ``cases.services.intake._city_id``)."""
    if region.level == Region.Level.COUNTY and region.parent_id:
        return region.parent_id
    return region.pk
