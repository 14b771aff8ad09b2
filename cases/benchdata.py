"""Benchmark data at alliance scale: ``python manage.py generate_bench_data`` (issue 9 part 1).

It runs on top of the demo (``load_demo``: member bureaus, the committee, courts, service
points, key enterprises, users) and *adds* rows — by default 100,000 mediation cases and
1,000,000 益企证 evidence records over 2022 to today — so the lists, details, statistics and
API can be measured at the size a national alliance reaches (``bench/README.md``).

What it writes, and how it stays what the services would have written:

* **Directory** — a few thousand enterprises (checksum-valid USCCs, ``alliance.demo.make_uscc``),
  some of them key enterprises under a Zhangzhou service point, with patents (valid check
  digits), trademarks and copyrights; mediators and a clerk for every handling organisation
  and a clerk for every service point without staff (no usable password).
* **Evidence** — records of the key enterprises through their service points, in time order:
  numbered by ``evidence.services._allocate_numbers`` and appended to the ledger with
  ``evidence.ledger.append`` under the head lock, one transaction per batch, exactly as
  ``evidence.services.deposit_many`` does, with the leaves of ``evidence.leaves`` (a few are
  withdrawn, as ``services.withdraw`` would). Blobs are *rows only*: each has a SHA-256 and a
  size that the leaf commits to, but no stored content (a million files would be terabytes), so
  ``audit_ledger --skip-blobs`` verifies every leaf, number, node and checkpoint, while a full
  audit reports the bench blobs as missing and their downloads fail.
* **Cases** — received on working days from the first year to ``as_of`` (growing year on year,
  quiet at the Spring Festival), at the committee, the protection centres and the member
  bureaus (from the day they joined). Each case's story is drawn (declined, withdrawn, failed,
  settled, closed) and cut at ``as_of``, so statuses, dates, sessions, agreements, assignments
  and timeline events agree with each other and with the check constraints; old cases are
  finished, recent ones open. Numbers continue each organisation's ``CaseNumberCounter`` per
  year (``services.format_case_number`` with the organisation's template) and the counters are
  set, so later submissions continue gaplessly. Parties are enterprises and natural persons
  (valid resident IDs); ``is_cross_region`` is computed as ``services`` computes it. Added:
  shares with the member bureaus of parties' cities, collaboration requests (about cases, which
  share them, and between bureaus), judicial confirmations at the competent Fujian courts,
  records cited in cases, and protection actions citing earlier records.

Rows are written in batches with ``COPY`` on PostgreSQL and ``executemany`` elsewhere, not with
``bulk_create``: ``bulk_create`` stamps ``auto_now_add`` columns (``created_at``) with the time
of the run, which would put every case of 2022 at the top of a list ordered by creation, and
``COPY`` is several times faster (the ledger writes its nodes the same way). Primary keys of
rows that others refer to are allocated from the table's maximum and the sequences reset at
the end. No history (simple_history) rows and no notifications are written.

Deterministic: one ``random.Random(seed)`` draws everything in a fixed order over rows read in
a fixed order, and dates are relative to ``as_of``, not the clock: the same seed on the same
database gives the same rows. Meant for PostgreSQL (``DATABASE_URL``); it works, slowly, on
SQLite. Running it again adds another set (the identifiers continue).
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import mimetypes
import random
import time
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max

from alliance import deadlines
from alliance import demo as alliance_demo
from alliance import demo_collaboration as collab_demo
from alliance.models import (
    CollaborationRequest,
    CourtJurisdiction,
    IntellectualProperty,
    Membership,
    Organization,
    Region,
)
from cases import demo as case_demo
from cases import demo_sharing
from cases.choices import (
    OWNERSHIP_DISPUTES,
    DisputeType,
    MediationKind,
    PartyKind,
    PartyRole,
    SessionOutcome,
    Source,
    Status,
)
from cases.models import (
    DEFAULT_NUMBER_TEMPLATE,
    Agreement,
    CaseAssignment,
    CaseEvent,
    CaseNumberCounter,
    CaseNumbering,
    CaseRight,
    CaseShare,
    JudicialConfirmation,
    MediationCase,
    MediationSession,
    Party,
    ProtectionAction,
)
from cases.services.workflow import format_case_number
from evidence import demo as evidence_demo
from evidence import leaves, ledger
from evidence.models import Category, EvidenceBlob, EvidenceRecord, EvidenceWithdrawal
from evidence.services import _allocate_numbers

Kind = Organization.Kind
IPKind = IntellectualProperty.Kind
Role = Membership.Role
CStatus = JudicialConfirmation.Status
D = DisputeType
TZ = ZoneInfo(settings.TIME_ZONE)
ZERO = Decimal("0.00")

#: Share of cases left as drafts, and the paths of the others (weights).
DRAFT_SHARE = 0.03
PATHS = {"settle": 70, "fail": 15, "withdraw": 9, "decline": 6}
#: Settled / failed cases that are never formally closed (the close step is often skipped).
NEVER_CLOSED = {"settle": 0.25, "fail": 0.3}
#: Month weights: quiet at the Spring Festival, busy before 618 and Double 11.
MONTH_WEIGHTS = evidence_demo._MONTH_WEIGHTS
#: Yearly growth of the alliance's volume (the weight rises by this per year).
GROWTH_PER_YEAR = 0.5
#: Per case: shares, collaboration requests, cited evidence, confirmations (probabilities).
SHARE_CROSS_REGION = 0.3
SHARE_LOCAL = 0.02
CASE_REQUEST = 0.04
EVIDENCE_CITED = 0.5
CONFIRMATION = 0.3
#: Collaboration requests not about a case, and protection actions, per case.
REQUESTS_PER_CASE = 0.03
ACTIONS_PER_CASE = 0.1
#: Applicants and enterprise respondents from the handling organisation's own city.
LOCAL_SHARE = 0.5
#: Enterprises added per case (at least 50), and the share of key enterprises among them.
CASES_PER_ENTERPRISE = 25
KEY_SHARE = 0.08
#: Evidence records withdrawn, and re-deposits of content already stored.
WITHDRAWN_SHARE = 0.0005
DUPLICATE_SHARE = 0.01

_DISPUTE_BY_KIND = {
    **case_demo._INFRINGEMENT_BY_KIND,
    IPKind.TRADE_SECRET: D.TRADE_SECRET,
}
_CAUSE = {
    **case_demo._CAUSE,
    D.COPYRIGHT_OWNERSHIP: "著作权权属纠纷",
    D.TRADEMARK_CONTRACT: "商标使用许可合同纠纷",
    D.COPYRIGHT_CONTRACT: "著作权许可使用合同纠纷",
    D.OTHER: "知识产权纠纷",
}
_CONTRACT_BY_KIND = {
    IPKind.INVENTION_PATENT: D.PATENT_CONTRACT,
    IPKind.UTILITY_MODEL: D.PATENT_CONTRACT,
    IPKind.DESIGN_PATENT: D.PATENT_CONTRACT,
    IPKind.TRADEMARK: D.TRADEMARK_CONTRACT,
    IPKind.COPYRIGHT: D.COPYRIGHT_CONTRACT,
    IPKind.SOFTWARE_COPYRIGHT: D.COPYRIGHT_CONTRACT,
}
_OWNERSHIP_BY_KIND = {
    IPKind.INVENTION_PATENT: D.PATENT_OWNERSHIP,
    IPKind.UTILITY_MODEL: D.PATENT_OWNERSHIP,
    IPKind.DESIGN_PATENT: D.PATENT_OWNERSHIP,
    IPKind.TRADEMARK: D.TRADEMARK_OWNERSHIP,
    IPKind.COPYRIGHT: D.COPYRIGHT_OWNERSHIP,
    IPKind.SOFTWARE_COPYRIGHT: D.COPYRIGHT_OWNERSHIP,
}
# The first-instance groups of ``cases.routing.jurisdiction_scope`` by dispute type.
_TECHNICAL = {
    D.INVENTION_INFRINGEMENT,
    D.UTILITY_MODEL_INFRINGEMENT,
    D.TRADE_SECRET,
    D.PATENT_OWNERSHIP,
    D.INVENTOR_REMUNERATION,
    D.PATENT_CONTRACT,
}
_IP_KINDS = [
    (IPKind.TRADEMARK, 45),
    (IPKind.DESIGN_PATENT, 20),
    (IPKind.UTILITY_MODEL, 18),
    (IPKind.INVENTION_PATENT, 10),
    (IPKind.COPYRIGHT, 4),
    (IPKind.SOFTWARE_COPYRIGHT, 3),
]
_INDUSTRIES = {
    "machinery": "机械",
    "electronics": "电子科技",
    "optics": "光学",
    "furniture": "家具",
    "ceramics": "陶瓷",
    "stone": "石材",
    "food": "食品",
    "pomelo": "柚业",
    "tea": "茶业",
    "seafood": "水产",
    "flowers": "花卉",
}
_BRAND_FIRST = "鑫佳恒优万顺金惠福百华宏泰盛达源隆兴茂丰嘉瑞祥和"
_BRAND_SECOND = "源禾达品家发盛民满汇辉宇信诚通美康安泰丰昌"
_PATENT_SUFFIX = {
    IPKind.INVENTION_PATENT: ["一种{p}的制备方法", "一种{p}加工工艺", "一种{p}检测方法"],
    IPKind.UTILITY_MODEL: ["一种{p}固定装置", "一种{p}包装结构", "一种{p}生产设备"],
    IPKind.DESIGN_PATENT: ["{p}", "{p}（礼盒）", "{p}包装盒"],
}
_SOURCES_LOCAL = [
    (Source.DIRECT, 60),
    (Source.COURT_DELEGATION, 12),
    (Source.COURT_ENTRUSTMENT, 4),
    (Source.ADMINISTRATIVE_REFERRAL, 10),
    (Source.ALLIANCE_COLLABORATION, 14),
]
_SOURCES_ELSEWHERE = [
    (Source.DIRECT, 55),
    (Source.ADMINISTRATIVE_REFERRAL, 15),
    (Source.ALLIANCE_COLLABORATION, 30),
]
_CASE_REQUEST_KINDS = [
    CollaborationRequest.Kind.EVIDENCE,
    CollaborationRequest.Kind.EVIDENCE,
    CollaborationRequest.Kind.SERVICE,
    CollaborationRequest.Kind.INVESTIGATION,
    CollaborationRequest.Kind.JOINT_MEDIATION,
    CollaborationRequest.Kind.CONFIRMATION,
]
_CLOSE_WAIVERS = {
    "settle": "协议已履行完毕，双方书面声明不申请司法确认。",
    "fail": "申请人已向人民法院提起诉讼，不再申请诉调对接转办。",
}
_ACTION_KINDS = [
    (ProtectionAction.Kind.PLATFORM_TAKEDOWN, 20),
    (ProtectionAction.Kind.REGULATOR_COMPLAINT, 14),
    (ProtectionAction.Kind.MEDIATION, 12),
    (ProtectionAction.Kind.NEGOTIATION, 9),
    (ProtectionAction.Kind.LITIGATION, 6),
]
_ACTION_TITLES = {
    ProtectionAction.Kind.PLATFORM_TAKEDOWN: "{platform}平台投诉下架仿冒“{brand}”{product}链接",
    ProtectionAction.Kind.REGULATOR_COMPLAINT: "向{city}市场监管部门举报假冒“{brand}”{product}",
    ProtectionAction.Kind.MEDIATION: "“{brand}”{product}侵权纠纷调解",
    ProtectionAction.Kind.NEGOTIATION: "与{shop}协商停止销售仿冒{product}",
    ProtectionAction.Kind.LITIGATION: "起诉{shop}侵害“{brand}”商标权",
}
_ACTION_OUTCOMES = [
    (ProtectionAction.Outcome.SUCCEEDED, 60),
    (ProtectionAction.Outcome.PARTIALLY_SUCCEEDED, 20),
    (ProtectionAction.Outcome.UNSUCCESSFUL, 12),
    (ProtectionAction.Outcome.WITHDRAWN, 8),
]
_CONFIRMATION_ENDS = [("confirmed", 85), ("rejected", 5), ("not_accepted", 5), ("withdrawn", 5)]
_COLLAB_ENDS = [("completed", 82), ("declined", 8), ("cancelled", 10)]


# ---------------------------------------------------------------------------------------------
# Configuration, report, progress
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchConfig:
    cases: int = 100_000
    evidence: int = 1_000_000
    seed: int = 2026
    first_year: int = 2022
    as_of: dt.date | None = None  # the last day of the data; default yesterday
    batch_size: int = 10_000

    def end(self) -> dt.date:
        """The last day with data: yesterday unless given, so no time lies in the future."""
        return self.as_of or dt.datetime.now(TZ).date() - dt.timedelta(days=1)


@dataclass
class BenchReport:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


Progress = Callable[[str], None]


def _choice(rng: random.Random, weighted: Sequence[tuple[Any, int]]) -> Any:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _money(rng: random.Random, low: int, high: int, step: int = 1000) -> Decimal:
    return Decimal(rng.randrange(low, high + 1, step)).quantize(ZERO)


# ---------------------------------------------------------------------------------------------
# Writing rows in bulk
# ---------------------------------------------------------------------------------------------


class _Rows:
    """The rows of one table, written in batches: ``COPY`` on PostgreSQL, ``executemany``
    (with each field's own database preparation) elsewhere. Values are given per attname."""

    def __init__(self, model: type[models.Model], names: Sequence[str], batch: int) -> None:
        meta = model._meta
        self.fields = [meta.get_field(name) for name in names]
        self.table = meta.db_table
        self.batch = batch
        self.rows: list[tuple] = []
        self.count = 0
        quote = connection.ops.quote_name
        self.columns = ", ".join(quote(f.column) for f in self.fields)
        self.json = [i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)]

    def add(self, *values: Any) -> None:
        self.rows.append(values)

    def flush(self) -> None:
        if not self.rows:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                sql = f"COPY {connection.ops.quote_name(self.table)} ({self.columns}) FROM STDIN"
                with cursor.cursor.copy(sql) as copy:
                    for row in self.rows:
                        if self.json:
                            row = list(row)
                            for i in self.json:
                                row[i] = json.dumps(row[i], ensure_ascii=False)
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.fields))
                sql = f"INSERT INTO {connection.ops.quote_name(self.table)} ({self.columns}) "
                params = [
                    [
                        f.get_db_prep_save(v, connection)
                        for f, v in zip(self.fields, row, strict=True)
                    ]
                    for row in self.rows
                ]
                for start in range(0, len(params), self.batch):
                    cursor.executemany(
                        sql + f"VALUES ({marks})", params[start : start + self.batch]
                    )
        self.count += len(self.rows)
        self.rows = []


def _next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def _reset_sequences(models_: Iterable[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# ---------------------------------------------------------------------------------------------
# Days: working days, weights, statutory periods (the holiday tables, read once a year)
# ---------------------------------------------------------------------------------------------


class _Days:
    """The working days of the period with their weights, and the statutory period ends of
    ``alliance.deadlines`` computed once per start day (one query per year)."""

    def __init__(self, first: dt.date, last: dt.date) -> None:
        self.first, self.last = first, last
        self._rest: dict[dt.date, bool] = {}
        self.days = [d for d in _dates(first, last) if not self.rest(d)]
        weights = [
            MONTH_WEIGHTS[d.month] * (1 + GROWTH_PER_YEAR * (d - first).days / 365.25)
            for d in self.days
        ]
        self.cum = list(accumulate(weights))
        self._ends: dict[tuple[int, int], dict[dt.date, dt.date | None]] = {}

    def rest(self, day: dt.date) -> bool:
        """``deadlines.is_rest_day``, read for a year at a time: a one-day period from the day
        before ends on ``day`` exactly when ``day`` is not a rest day."""
        if day not in self._rest:
            year = [
                d - dt.timedelta(days=1)
                for d in _dates(dt.date(day.year, 1, 1), dt.date(day.year, 12, 31))
            ]
            for start, end in deadlines.statutory_period_ends(year, days=1).items():
                following = start + dt.timedelta(days=1)
                self._rest[following] = (
                    following.weekday() >= 5 if end is None else end != following
                )
        return self._rest[day]

    def pick(self, rng: random.Random, since: dt.date | None = None) -> dt.date:
        """A working day, weighted by season and growth, on or after ``since``."""
        low = 0.0
        if since is not None and since > self.first:
            index = bisect.bisect_left(self.days, since)
            if index >= len(self.days):
                return self.days[-1]
            low = self.cum[index - 1] if index else 0.0
        return self.days[
            min(
                bisect.bisect_left(self.cum, low + rng.random() * (self.cum[-1] - low)),
                len(self.days) - 1,
            )
        ]

    def after(self, day: dt.date, n: int) -> dt.date:
        """``n`` working days after ``day`` (``0``: the day itself, or the next working day)."""
        while self.rest(day):
            day += dt.timedelta(days=1)
        while n > 0:
            day += dt.timedelta(days=1)
            if not self.rest(day):
                n -= 1
        return day

    def period_end(self, start: dt.date, *, days: int = 0, months: int = 0) -> dt.date | None:
        """``deadlines.statutory_period_end`` (``None`` where no calendar covers the end)."""
        key = (days, months)
        if key not in self._ends:
            starts = list(
                _dates(self.first - dt.timedelta(days=10), self.last + dt.timedelta(days=400))
            )
            kwargs = {"days": days} if days else {"months": months}
            self._ends[key] = deadlines.statutory_period_ends(starts, **kwargs)
        if start not in self._ends[key]:
            kwargs = {"days": days} if days else {"months": months}
            try:
                self._ends[key][start] = deadlines.statutory_period_end(start, **kwargs)
            except deadlines.CalendarUnavailable:
                self._ends[key][start] = None
        return self._ends[key][start]


def _dates(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def _at(rng: random.Random, day: dt.date, earliest: dt.datetime | None = None) -> dt.datetime:
    """A moment in the working hours of ``day``, not before ``earliest`` (plus a few minutes)."""
    minutes = rng.choice([8 * 60 + 30, 9 * 60, 10 * 60, 11 * 60, 14 * 60 + 30, 15 * 60, 16 * 60])
    moment = dt.datetime.combine(day, dt.time(), TZ) + dt.timedelta(
        minutes=minutes + rng.randrange(60), seconds=rng.randrange(60)
    )
    if earliest is not None and moment <= earliest:
        moment = earliest + dt.timedelta(minutes=rng.randint(3, 15), seconds=rng.randrange(60))
    return moment


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


# ---------------------------------------------------------------------------------------------
# Directory: enterprises, their rights, staff
# ---------------------------------------------------------------------------------------------


def _add_directory(world: _World, rng: random.Random, report: BenchReport) -> None:
    config = world.config
    count = max(50, config.cases // CASES_PER_ENTERPRISE)
    points_by_county = defaultdict(list)
    for point in world.points:
        points_by_county[point.region_id].append(point)
    industries = list(_INDUSTRIES)
    new_orgs, meta = [], []
    for _index in range(count):
        roll = rng.random()
        if roll < 0.55:
            region = rng.choice(world.zz_counties)
        elif roll < 0.7 and world.fujian_counties:
            region = rng.choice(world.fujian_counties)
        else:
            region = world.regions[rng.choice(world.member_cities)]
        industry = rng.choice(industries)
        city = world.regions[world.city_of[region.pk]]
        place = city.name.removesuffix("市")
        while True:
            brand = rng.choice(_BRAND_FIRST) + rng.choice(_BRAND_SECOND)
            name = f"{place}{brand}{_INDUSTRIES[industry]}有限公司"
            if name not in world.used_names:
                break
            place = region.name.removesuffix("区").removesuffix("县").removesuffix("市")
            if rng.random() < 0.5:
                place = city.name.removesuffix("市") + rng.choice("东西南北新")
        world.used_names.add(name)
        while True:
            uscc = alliance_demo.make_uscc(rng, "91", region.code, "MA" + rng.choice("23458"))
            if uscc not in world.used_usccs:
                break
        world.used_usccs.add(uscc)
        points = points_by_county.get(region.pk, [])
        point = rng.choice(points) if points else None
        is_key = point is not None and rng.random() < KEY_SHARE
        new_orgs.append(
            Organization(
                kind=Kind.ENTERPRISE,
                name=name,
                short_name=f"{brand}{_INDUSTRIES[industry]}",
                region=region,
                parent=point,
                uscc=uscc,
                is_key_enterprise=is_key,
                contact_name=rng.choice(case_demo._SURNAMES) + rng.choice(case_demo._MALE),
                phone=case_demo._phone(rng),
            )
        )
        meta.append((industry, brand, point))
    Organization.objects.bulk_create(new_orgs, batch_size=config.batch_size)
    new_rights = []
    added = []
    for org, (industry, brand, point) in zip(new_orgs, meta, strict=True):
        world.all_orgs[org.pk] = org
        enterprise = _Enterprise(org, world.city_of[org.region_id], point, industry, brand)
        added.append(enterprise)
        for _n in range(rng.choice([1, 1, 2, 2, 3, 4])):
            new_rights.append((enterprise, _new_right(rng, world, enterprise)))
    IntellectualProperty.objects.bulk_create([ip for _e, ip in new_rights], batch_size=5000)
    for enterprise, ip in new_rights:
        enterprise.rights.append(ip)
    world.enterprises.extend(added)
    report.counts["enterprises"] = len(new_orgs)
    report.counts["key_enterprises"] = sum(1 for o in new_orgs if o.is_key_enterprise)
    report.counts["ip_rights"] = len(new_rights)
    _add_staff(world, rng, report)


def _new_right(rng: random.Random, world: _World, enterprise: _Enterprise) -> IntellectualProperty:
    kind = _choice(rng, _IP_KINDS)
    year = rng.randint(2012, min(2025, world.days.last.year))
    filed = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
    product = rng.choice(evidence_demo._PRODUCTS.get(enterprise.industry) or ["产品"])
    nice_class = None
    if kind in IntellectualProperty.PATENT_KINDS:
        number = alliance_demo.make_patent_number(rng, kind, year, world.used_numbers)
        title = rng.choice(_PATENT_SUFFIX[kind]).format(p=product)
        delay = {IPKind.INVENTION_PATENT: (540, 1300)}.get(kind, (90, 330))
    else:
        while True:
            if kind == IPKind.TRADEMARK:
                number = str(rng.randrange(10_000_000, 80_000_000))
            elif kind == IPKind.COPYRIGHT:
                number = f"闽作登字-{year}-F-{rng.randint(1, 99_999_999):08d}"
            else:
                number = f"{year}SR{rng.randint(100_000, 2_999_999):07d}"
            if number not in world.used_numbers:
                break
        world.used_numbers.add(number)
        if kind == IPKind.TRADEMARK:
            title, nice_class = enterprise.brand, rng.choice([9, 20, 21, 29, 30, 31, 32, 35])
            delay = (210, 600)
        else:
            title = f"{enterprise.brand}{product}" + (
                "包装图案" if kind == IPKind.COPYRIGHT else "管理系统V1.0"
            )
            delay = (20, 90)
    granted = filed + dt.timedelta(days=rng.randint(*delay))
    if granted > world.days.last:
        granted = None
    return IntellectualProperty(
        owner=enterprise.org,
        kind=kind,
        number=number,
        title=title,
        nice_class=nice_class,
        filed_on=filed,
        granted_on=granted,
    )


def _add_staff(world: _World, rng: random.Random, report: BenchReport) -> None:
    """Mediators and a clerk per handling organisation, a clerk per service point without
    staff; existing mediators of the organisation act too."""
    User = get_user_model()
    wanted: list[tuple[str, Organization, str]] = []
    for handler in world.handlers:
        n = 2 + round(handler.weight / 3)
        wanted += [(f"bench{handler.org.pk}m{i}", handler.org, Role.MEDIATOR) for i in range(n)]
        wanted.append((f"bench{handler.org.pk}c", handler.org, Role.CLERK))
    for point in world.points:
        if point.pk not in world.point_staff:
            wanted.append((f"bench{point.pk}c", point, Role.CLERK))
    existing = {u.username: u for u in User.objects.filter(username__in=[w[0] for w in wanted])}
    new_users = []
    for username, _org, _role in wanted:
        if username not in existing:
            male = rng.random() < 0.5
            user = User(
                username=username,
                first_name=rng.choice(case_demo._MALE if male else case_demo._FEMALE),
                last_name=rng.choice(case_demo._SURNAMES),
                password=make_password(None),
            )
            new_users.append(user)
            existing[username] = user
    User.objects.bulk_create(new_users)
    memberships = set(
        Membership.objects.filter(
            organization__in=[h.org for h in world.handlers] + world.points
        ).values_list("user_id", "organization_id", "role")
    )
    new_memberships = [
        Membership(user=existing[username], organization=org, role=role)
        for username, org, role in wanted
        if (existing[username].pk, org.pk, role) not in memberships
    ]
    Membership.objects.bulk_create(new_memberships)
    acting = defaultdict(lambda: defaultdict(list))
    for membership in (
        Membership.objects.filter(
            organization__in=[h.org for h in world.handlers] + world.points, is_active=True
        )
        .select_related("user")
        .order_by("organization_id", "user__username")
    ):
        acting[membership.organization_id][membership.role].append(membership.user)
    for handler in world.handlers:
        roles = acting[handler.org.pk]
        # The organisation's own (demo) mediators first: they lead the most cases.
        mediators = sorted(
            roles[Role.MEDIATOR], key=lambda u: (u.username.startswith("bench"), u.username)
        )
        handler.mediators = mediators or roles[Role.ADMIN] or [world.admin]
        handler.clerks = roles[Role.CLERK] or handler.mediators
    for point in world.points:
        staff = acting[point.pk][Role.CLERK] or acting[point.pk][Role.ADMIN]
        world.point_staff.setdefault(point.pk, staff[0] if staff else world.admin)
    report.counts["users"] = len(new_users)
    report.counts["memberships"] = len(new_memberships)


# ---------------------------------------------------------------------------------------------
# Evidence: records in time order, numbered and appended to the ledger batch by batch
# ---------------------------------------------------------------------------------------------


@dataclass
class _Evidence:
    """What the cases need of the records: per enterprise, ids and deposit days (ascending)."""

    ids: dict[int, array] = field(default_factory=lambda: defaultdict(lambda: array("q")))
    days: dict[int, array] = field(default_factory=lambda: defaultdict(lambda: array("l")))
    withdrawn: set[int] = field(default_factory=set)

    def before(self, rng: random.Random, enterprise: int, day: dt.date, n: int) -> list[int]:
        """Up to ``n`` of the enterprise's records deposited before ``day``, not withdrawn."""
        ids = self.ids.get(enterprise)
        if not ids:
            return []
        end = bisect.bisect_left(self.days[enterprise], day.toordinal())
        if not end:
            return []
        picked = {ids[rng.randrange(max(0, end - 200), end)] for _ in range(n)}
        return sorted(picked - self.withdrawn)


def _deposit_times(rng: random.Random, days: _Days, count: int) -> list[dt.datetime]:
    periods = [(8 * 3600 + 1800, 12 * 3600), (14 * 3600 + 1800, 17 * 3600 + 1800)]
    span = sum(end - start for start, end in periods)
    times = []
    for _n in range(count):
        day = days.pick(rng)
        offset = rng.randrange(span)
        seconds = (
            periods[0][0] + offset
            if offset < periods[0][1] - periods[0][0]
            else (periods[1][0] + offset - (periods[0][1] - periods[0][0]))
        )
        times.append(
            dt.datetime.combine(day, dt.time(), TZ)
            + dt.timedelta(seconds=seconds, microseconds=rng.randrange(1_000_000))
        )
    times.sort()
    return times


_MEDIA: dict[str, str] = {}


def _media_type(name: str) -> str:
    extension = name.rsplit(".", 1)[-1]
    if extension not in _MEDIA:
        _MEDIA[extension] = (
            "application/json"
            if extension == "har"
            else mimetypes.guess_type(name)[0] or "application/octet-stream"
        )
    return _MEDIA[extension]


def _record_fields(
    rng: random.Random, enterprise: _Enterprise, point: Organization, at: dt.datetime
) -> dict[str, Any]:
    """Kind, title, file and size of one deposit, as the deposit form and upload give them."""
    product = rng.choice(evidence_demo._PRODUCTS.get(enterprise.industry) or ["产品"])
    brand = enterprise.brand
    platform, url = evidence_demo._listing(rng)
    stamp = at.astimezone(TZ)
    roll = rng.random()
    fields: dict[str, Any] = {"description": "", "source_url": "", "captured_at": None}
    if roll < 0.55:
        category, title, extension = rng.choice(
            [
                (
                    Category.PRODUCT,
                    f"{brand}{product}正品实物照片（{rng.choice(evidence_demo._VIEWS)}）",
                    "png",
                ),
                (
                    Category.OTHER,
                    f"{rng.choice(evidence_demo._CITIES)}市场疑似侵权{product}现场照片",
                    "png",
                ),
                (Category.TRANSACTION, f"{platform}试购{product}收货开箱照片", "png"),
                (Category.TRANSACTION, f"{platform}试购{product}订单及付款凭证", "pdf"),
                (Category.PROMOTION, f"{brand}{product}宣传册", "pdf"),
                (Category.DESIGN, f"{product}外观设计图稿", "pdf"),
                (Category.CONTRACT, f"{product}委托加工合同", "pdf"),
                (Category.CERTIFICATE, f"“{brand}”商标注册证扫描件", "pdf"),
            ]
        )
        name = f"IMG_{stamp:%Y%m%d_%H%M%S}.png" if extension == "png" else f"{title}.pdf"
        size = int(rng.lognormvariate(13.5 if extension == "png" else 12.8, 0.9))
        fields.update(kind=EvidenceRecord.Kind.FILE, original_name=name)
        if rng.random() < 0.3:
            fields["description"] = f"{point.short_name or point.name}工作人员陪同企业现场取证。"
    elif roll < 0.9:
        shop = rng.choice(evidence_demo._SHOP_WORDS) + rng.choice(evidence_demo._SHOP_KINDS)
        category, title = rng.choice(
            [
                (Category.LISTING, f"{platform}店铺“{shop}”疑似仿冒“{brand}”{product}商品页面"),
                (Category.LISTING, f"{platform}店铺“{shop}”{product}销量及评价页面"),
                (Category.PROMOTION, f"{platform}使用“{brand}”标识推广{product}页面"),
            ]
        )
        extension = rng.choices(["png", "mhtml", "har"], [6, 3, 1])[0]
        captured = at - dt.timedelta(minutes=rng.randint(5, 180), seconds=rng.randrange(60))
        name = f"capture_{captured.astimezone(TZ):%Y%m%d_%H%M%S}.{extension}"
        size = int(rng.lognormvariate(13.0, 1.0))
        fields.update(
            kind=EvidenceRecord.Kind.WEB_CAPTURE,
            original_name=name,
            source_url=url,
            captured_at=captured,
        )
        if rng.random() < 0.4:
            fields["description"] = (
                f"取证环境：{rng.choice(evidence_demo._BROWSERS)}，取证前已清除缓存。"
            )
    else:
        category, title = rng.choice(
            [
                (Category.TRANSACTION, f"{platform}客服聊天记录摘录（{product}）"),
                (Category.LISTING, f"侵权线索记录：{platform}“{brand}”{product}"),
                (Category.OTHER, f"经销商关于{product}货源的陈述"),
            ]
        )
        fields.update(kind=EvidenceRecord.Kind.TEXT, original_name="")
        size = rng.randint(200, 4000)
        fields["media_type"] = "text/plain; charset=utf-8"
    fields.setdefault("media_type", _media_type(fields["original_name"] or "x.txt"))
    fields.update(category=category, title=title[:200], size=max(1, size))
    return fields


def _add_evidence(
    world: _World, rng: random.Random, report: BenchReport, progress: Progress
) -> _Evidence:
    config = world.config
    found = _Evidence()
    keys = [e for e in world.enterprises if e.org.is_key_enterprise]
    if config.evidence and not keys:
        raise LookupError("No key enterprises: run load_demo first.")
    # A few enterprises deposit most (a Zipf-like spread), each through its own point.
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(keys))]
    rng.shuffle(weights)
    spare = sorted(world.points, key=lambda p: p.pk)
    for index, enterprise in enumerate(keys):
        if enterprise.point is None:
            enterprise.point = spare[index % len(spare)]
    cum = list(accumulate(weights))
    times = _deposit_times(rng, world.days, config.evidence)
    next_id = _next_id(EvidenceRecord)
    blob_fields = ["sha256", "size", "sm3", "created_at"]
    record_fields = [
        "id", "number", "kind", "depositor_id", "service_point_id", "deposited_by_id", "title",
        "description", "category", "blob_id", "size", "media_type", "original_name",
        "source_url", "captured_at", "deposited_at", "ledger_index", "salt", "corrects_id",
    ]  # fmt: skip
    withdrawal_fields = [
        "record_id",
        "reason",
        "withdrawn_by_id",
        "withdrawn_at",
        "ledger_index",
        "salt",
    ]
    blobs = _Rows(EvidenceBlob, blob_fields, config.batch_size)
    records = _Rows(EvidenceRecord, record_fields, config.batch_size)
    withdrawals = _Rows(EvidenceWithdrawal, withdrawal_fields, config.batch_size)
    attnames = [EvidenceRecord._meta.get_field(n).attname for n in record_fields]
    recent: list[tuple[str, int]] = []  # blobs a re-deposit may repeat
    started = time.perf_counter()
    end_of_data = dt.datetime.combine(world.days.last, dt.time(23, 59), TZ)
    for start in range(0, len(times), config.batch_size):
        chunk = times[start : start + config.batch_size]
        with transaction.atomic():
            head = ledger.lock_head()
            numbers = _allocate_numbers(chunk)
            made: list[EvidenceRecord] = []
            for offset, (at, number) in enumerate(zip(chunk, numbers, strict=True)):
                enterprise = keys[bisect.bisect_left(cum, rng.random() * cum[-1])]
                point = enterprise.point
                fields = _record_fields(rng, enterprise, point, at)
                if recent and rng.random() < DUPLICATE_SHARE:
                    sha256, size = rng.choice(recent)  # the same file deposited again
                    fields["size"] = size
                else:
                    label = f"zhangzhou-ip bench {config.seed} {next_id + start + offset}"
                    sha256 = hashlib.sha256(label.encode()).hexdigest()
                    blobs.add(sha256, fields["size"], "", at)
                    recent.append((sha256, fields["size"]))
                    if len(recent) > 1000:
                        del recent[:500]
                made.append(
                    EvidenceRecord(
                        id=next_id + start + offset,
                        number=number,
                        depositor_id=enterprise.org.pk,
                        service_point_id=point.pk,
                        deposited_by_id=world.point_staff[point.pk].pk,
                        blob_id=sha256,
                        deposited_at=at,
                        ledger_index=head.size + offset,
                        salt=f"{rng.getrandbits(128):032x}",
                        **fields,
                    )
                )
            leaf_inputs = [leaves.record_leaf(record) for record in made]
            gone = []
            for record in made:
                if rng.random() < WITHDRAWN_SHARE:
                    withdrawal = EvidenceWithdrawal(
                        record_id=record.pk,
                        reason=rng.choice(evidence_demo._WITHDRAW_REASONS),
                        withdrawn_by_id=record.deposited_by_id,
                        withdrawn_at=min(
                            record.deposited_at + dt.timedelta(days=rng.randint(1, 20)),
                            end_of_data,
                        ),
                        ledger_index=head.size + len(made) + len(gone),
                        salt=f"{rng.getrandbits(128):032x}",
                    )
                    gone.append(withdrawal)
                    leaf_inputs.append(leaves.withdrawal_leaf(withdrawal, record.number))
                    found.withdrawn.add(record.pk)
            ledger.append(leaf_inputs, head=head)
            blobs.flush()
            for record in made:
                records.add(*(getattr(record, name) for name in attnames))
                found.ids[record.depositor_id].append(record.pk)
                found.days[record.depositor_id].append(
                    record.deposited_at.astimezone(TZ).toordinal()
                )
            records.flush()
            for withdrawal in gone:
                withdrawals.add(
                    withdrawal.record_id,
                    withdrawal.reason,
                    withdrawal.withdrawn_by_id,
                    withdrawal.withdrawn_at,
                    withdrawal.ledger_index,
                    withdrawal.salt,
                )
            withdrawals.flush()
        done = start + len(chunk)
        progress(f"  evidence {done:,} of {len(times):,} ({time.perf_counter() - started:.0f} s)")
    report.counts["evidence_records"] = records.count
    report.counts["evidence_blobs"] = blobs.count
    report.counts["evidence_withdrawals"] = withdrawals.count
    if records.count:
        _reset_sequences([EvidenceRecord, EvidenceWithdrawal])
        ledger.sign_checkpoint()
    return found


# ---------------------------------------------------------------------------------------------
# Cases: a story per case, cut at ``as_of``
# ---------------------------------------------------------------------------------------------


@dataclass
class _Story:
    """The days of one case's steps that happened by ``as_of`` and its status then."""

    path: str
    created: dt.date
    steps: list[tuple[str, dt.date]]  # (status reached, day), in order
    session: dt.date | None = None  # the first session (may lie ahead for an accepted case)
    second_session: dt.date | None = None
    confirmation: dict[str, Any] | None = None

    @property
    def status(self) -> str:
        return self.steps[-1][0] if self.steps else Status.DRAFT

    def day(self, status: str) -> dt.date | None:
        for reached, day in self.steps:
            if reached == status:
                return day
        return None


def _story(rng: random.Random, days: _Days, received: dt.date, *, confirmable: bool) -> _Story:
    """Draw a case's path and the days of its steps; keep the steps up to ``days.last``."""
    last, after = days.last, days.after
    if rng.random() < DRAFT_SHARE:
        return _Story("draft", received, [])
    path = _choice(rng, list(PATHS.items()))
    created = received - dt.timedelta(days=rng.choice([0, 0, 0, 1, 2]))
    planned: list[tuple[str, dt.date]] = [(Status.SUBMITTED, received)]
    accepted = after(received, rng.randint(1, 8))
    mediating = after(accepted, rng.randint(2, 15))
    story = _Story(path, created, [])
    if path == "decline":
        planned.append((Status.DECLINED, after(received, rng.randint(1, 6))))
    elif path == "withdraw":
        stage = rng.random()
        if stage >= 0.4:
            planned.append((Status.ACCEPTED, accepted))
        if stage >= 0.7:
            planned.append((Status.MEDIATING, mediating))
            story.session = mediating
        base = planned[-1][1]
        planned.append((Status.WITHDRAWN, after(base, rng.randint(1, 15))))
    else:
        planned += [(Status.ACCEPTED, accepted), (Status.MEDIATING, mediating)]
        story.session = mediating
        if path == "settle":
            settled = after(mediating, rng.choice([0, 0, 2, 5, 10, 20, 30]))
            if settled > mediating:
                story.second_session = settled
            planned.append((Status.SETTLED, settled))
            finished = settled
            if confirmable and rng.random() < CONFIRMATION:
                # A case is closed only once the court has decided (``case_close``).
                story.confirmation = _confirmation_days(rng, days, settled)
                finished = story.confirmation["end_day"]
        else:
            story.second_session = after(mediating, rng.randint(5, 15))
            failed = after(story.second_session, rng.randint(1, 10))
            planned.append((Status.FAILED, failed))
            finished = failed
        if rng.random() >= NEVER_CLOSED[path]:
            closed = after(max(finished, planned[-1][1]), rng.randint(10, 60))
            planned.append((Status.CLOSED, closed))
    story.steps = [(status, day) for status, day in planned if day <= last]
    if story.session is not None and story.session > last:
        # An accepted case has its first session booked half of the time.
        booked = story.status == Status.ACCEPTED and rng.random() < 0.5
        story.session = story.session if booked else None
    if story.second_session is not None and story.second_session > last:
        story.second_session = None
    if story.confirmation is not None:
        settled_day = story.day(Status.SETTLED)
        if settled_day is None:
            story.confirmation = None
        else:
            story.confirmation = _confirmation_cut(story.confirmation, last)
    return story


def _confirmation_days(rng: random.Random, days: _Days, settled: dt.date) -> dict[str, Any]:
    """Prepared, filed (within the 30-day window), accepted, decided — and how it ended."""
    window = days.period_end(settled, days=30) or settled + dt.timedelta(days=30)
    prepared = days.after(settled, rng.randint(1, 8))
    filed = min(days.after(prepared, rng.randint(0, 5)), window)
    end = _choice(rng, _CONFIRMATION_ENDS)
    plan: dict[str, Any] = {"window": window, "prepared": prepared, "filed": filed, "end": end}
    if end == "not_accepted":
        plan["end_day"] = days.after(filed, rng.randint(2, 5))
    elif end == "withdrawn":
        plan["end_day"] = days.after(filed, rng.randint(1, 10))
    else:
        plan["accepted"] = days.after(filed, rng.randint(0, 3))
        plan["ruling"] = days.after(plan["accepted"], rng.randint(3, 15))
        plan["end_day"] = plan["ruling"]
    return plan


def _confirmation_cut(plan: dict[str, Any], last: dt.date) -> dict[str, Any] | None:
    """The confirmation as it stands on ``last`` (``None`` before it was prepared)."""
    if plan["prepared"] > last:
        return None
    if plan["filed"] > last:
        return {**plan, "status": CStatus.PREPARED, "filed": None, "accepted": None, "ruling": None}
    if plan["end_day"] > last:
        if plan["end"] in ("not_accepted", "withdrawn") or plan["accepted"] > last:
            return {**plan, "status": CStatus.FILED, "accepted": None, "ruling": None}
        return {**plan, "status": CStatus.ACCEPTED, "ruling": None}
    return {**plan, "status": plan["end"]}


class _CaseWriter:
    """The tables of the cases phase, flushed together in dependency order."""

    def __init__(self, batch: int) -> None:
        stamps = ["created_at", "updated_at"]
        self.cases = _Rows(
            MediationCase,
            ["id", *stamps, "handling_organization_id", "number", "number_year", "number_seq",
             "title", "facts", "dispute_type", "mediation_kind", "source", "claim_amount",
             "settled_amount", "is_online", "is_cross_region", "status", "received_on",
             "accepted_on", "closed_on", "mediation_deadline", "outcome_reason",
             "created_by_id", "version"],
            batch,
        )  # fmt: skip
        self.agreements = _Rows(
            Agreement,
            ["id", *stamps, "case_id", "terms", "amount", "performance_deadline", "signatories",
             "signed_on", "effective_on", "is_ownership_determination", "document"],
            batch,
        )  # fmt: skip
        self.requests = _Rows(
            CollaborationRequest,
            ["id", *stamps, "from_organization_id", "to_organization_id", "kind", "subject",
             "body", "sent_on", "due_on", "status", "accepted_on", "closed_on", "closing_note",
             "created_by_id", "version"],
            batch,
        )  # fmt: skip
        self.actions = _Rows(
            ProtectionAction,
            ["id", *stamps, "enterprise_id", "kind", "title", "description", "counterparty",
             "started_on", "concluded_on", "outcome", "amount_recovered", "evidence_cost_saved",
             "alliance_cost_saved", "cost_saved_basis", "case_id", "handled_by_id",
             "recorded_by_id", "version"],
            batch,
        )  # fmt: skip
        self.parties = _Rows(
            Party,
            [*stamps, "case_id", "role", "kind", "organization_id", "name", "id_number",
             "region_id", "address", "phone", "agent_name", "agent_phone"],
            batch,
        )  # fmt: skip
        self.rights = _Rows(
            CaseRight, ["case_id", "intellectual_property_id", "kind", "number", "description"],
            batch,
        )  # fmt: skip
        self.assignments = _Rows(
            CaseAssignment, ["case_id", "user_id", "assigned_by_id", "assigned_at"], batch
        )
        self.sessions = _Rows(
            MediationSession,
            [*stamps, "case_id", "starts_at", "ends_at", "location", "online_link", "attendees",
             "minutes", "outcome", "recorded_at"],
            batch,
        )  # fmt: skip
        self.events = _Rows(
            CaseEvent,
            ["case_id", "actor_id", "verb", "from_status", "to_status", "data", "created_at"],
            batch,
        )
        self.shares = _Rows(
            CaseShare,
            ["case_id", "organization_id", "level", "reason", "request_id", "granted_by_id",
             "granted_at", "revoked_by_id", "revoked_at", "revoke_reason"],
            batch,
        )  # fmt: skip
        self.confirmations = _Rows(
            JudicialConfirmation,
            [*stamps, "case_id", "agreement_id", "court_id", "court_reason", "basis",
             "is_remote", "joint_application", "joint_application_note", "window_closes_on",
             "status", "filed_on", "acceptance_due", "court_case_number", "accepted_on",
             "decision_due", "is_extended", "ruling_on", "ruling_document", "outcome_reason",
             "created_by_id", "version"],
            batch,
        )  # fmt: skip
        case_evidence = MediationCase.evidence.through
        action_evidence = ProtectionAction.evidence.through
        self.case_evidence = _Rows(case_evidence, ["mediationcase_id", "evidencerecord_id"], batch)
        self.action_evidence = _Rows(
            action_evidence, ["protectionaction_id", "evidencerecord_id"], batch
        )

    def tables(self) -> list[_Rows]:
        return [
            self.cases, self.requests, self.agreements, self.actions, self.parties,
            self.rights, self.assignments, self.sessions, self.events, self.shares,
            self.confirmations, self.case_evidence, self.action_evidence,
        ]  # fmt: skip

    def flush(self) -> None:
        for table in self.tables():
            table.flush()


@dataclass
class _Context:
    world: _World
    rng: random.Random
    out: _CaseWriter
    evidence: _Evidence
    next_case: int
    next_agreement: int
    next_request: int
    numbers: dict[tuple[int, int], int]  # (organisation, year) → last sequence number
    court_numbers: dict[tuple[int, int], int]  # (court, year) → last 民特 number
    member_by_city: dict[int, list[Organization]]
    vocabulary: collab_demo.Words
    cases_of: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    local: dict[int, list[_Enterprise]] = field(default_factory=lambda: defaultdict(list))
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _add_cases(
    world: _World, rng: random.Random, evidence: _Evidence, report: BenchReport, progress: Progress
) -> None:
    config, days = world.config, world.days
    out = _CaseWriter(config.batch_size)
    ctx = _Context(
        world=world,
        rng=rng,
        out=out,
        evidence=evidence,
        next_case=_next_id(MediationCase),
        next_agreement=_next_id(Agreement),
        next_request=_next_id(CollaborationRequest),
        numbers={
            (org, year): last
            for org, year, last in CaseNumberCounter.objects.values_list(
                "organization_id", "year", "last_value"
            )
        },
        court_numbers=_court_numbers(),
        member_by_city=defaultdict(list),
        vocabulary=collab_demo.words(),
    )
    for member in world.members:
        ctx.member_by_city[world.city_of[member.region_id]].append(member)
    handlers = world.handlers
    weights = list(accumulate(h.weight for h in handlers))
    # Received days first, sorted, so numbers follow the receipt order within each year.
    plan = []
    for _n in range(config.cases):
        handler = handlers[bisect.bisect_left(weights, rng.random() * weights[-1])]
        plan.append((days.pick(rng, handler.since), handler))
    plan.sort(key=lambda item: (item[0], item[1].org.pk))
    # Right holders: local to the handling organisation half of the time, else anywhere in the
    # alliance (key enterprises, with their many rights, four times as often).
    applicants = [e for e in world.enterprises if e.rights]
    applicant_weights = list(accumulate((4 if e.org.is_key_enterprise else 1) for e in applicants))
    local_applicants = defaultdict(list)
    for enterprise in world.enterprises:
        ctx.local[enterprise.city_id].append(enterprise)
        if enterprise.rights:
            local_applicants[enterprise.city_id].append(enterprise)
    started = time.perf_counter()
    with transaction.atomic():
        for index, (received, handler) in enumerate(plan, start=1):
            local = local_applicants.get(handler.city_id)
            if local and rng.random() < LOCAL_SHARE:
                applicant = rng.choice(local)
            else:
                applicant = applicants[
                    bisect.bisect_left(applicant_weights, rng.random() * applicant_weights[-1])
                ]
            _case(ctx, handler, received, applicant)
            if index % config.batch_size == 0 or index == len(plan):
                out.flush()
                progress(
                    f"  cases {index:,} of {len(plan):,} ({time.perf_counter() - started:.0f} s)"
                )
        _standalone_requests(ctx, int(config.cases * REQUESTS_PER_CASE))
        _protection_actions(ctx, int(config.cases * ACTIONS_PER_CASE))
        out.flush()
        _save_counters(ctx.numbers)
        _reset_sequences([MediationCase, Agreement, CollaborationRequest, ProtectionAction])
    names = {
        "cases": out.cases, "parties": out.parties, "case_rights": out.rights,
        "assignments": out.assignments, "sessions": out.sessions, "agreements": out.agreements,
        "case_events": out.events, "case_shares": out.shares,
        "collaboration_requests": out.requests, "confirmations": out.confirmations,
        "cited_records": out.case_evidence, "protection_actions": out.actions,
    }  # fmt: skip
    report.counts.update({name: rows.count for name, rows in names.items()})
    report.counts.update(sorted(ctx.counts.items()))


def _court_numbers() -> dict[tuple[int, int], int]:
    """The last 民特 number per court and year already recorded, so bench numbers follow."""
    last: dict[tuple[int, int], int] = {}
    for court, number in JudicialConfirmation.objects.exclude(court_case_number="").values_list(
        "court_id", "court_case_number"
    ):
        try:
            year = int(number[1:5])
            seq = int(number.rsplit("民特", 1)[1].split("号")[0])
        except (ValueError, IndexError):
            continue
        last[(court, year)] = max(last.get((court, year), 0), seq)
    return last


def _save_counters(numbers: dict[tuple[int, int], int]) -> None:
    existing = {
        (c.organization_id, c.year): c
        for c in CaseNumberCounter.objects.filter(
            organization_id__in={org for org, _year in numbers}
        )
    }
    new = []
    for (org, year), last in sorted(numbers.items()):
        counter = existing.get((org, year))
        if counter is None:
            new.append(CaseNumberCounter(organization_id=org, year=year, last_value=last))
        elif counter.last_value != last:
            CaseNumberCounter.objects.filter(pk=counter.pk).update(last_value=last)
    CaseNumberCounter.objects.bulk_create(new)


def _case(ctx: _Context, handler: _Handler, received: dt.date, applicant: _Enterprise) -> None:
    rng, world, out, days = ctx.rng, ctx.world, ctx.out, ctx.world.days
    org = handler.org
    case_id = ctx.next_case
    ctx.next_case += 1
    # What the dispute is about: one of the applicant's rights.
    right = rng.choice(applicant.rights)
    roll = rng.random()
    dispute = _DISPUTE_BY_KIND.get(right.kind, D.OTHER)
    if roll < 0.06 and right.kind in _CONTRACT_BY_KIND:
        dispute = _CONTRACT_BY_KIND[right.kind]
    elif roll < 0.09 and right.kind in _OWNERSHIP_BY_KIND:
        dispute = _OWNERSHIP_BY_KIND[right.kind]
    elif roll < 0.16 and right.kind in (IPKind.TRADEMARK, IPKind.DESIGN_PATENT):
        dispute = D.UNFAIR_COMPETITION
    elif roll < 0.18:
        dispute = D.TRADE_SECRET
    court_scope = (
        CourtJurisdiction.Scope.TECHNICAL
        if dispute in _TECHNICAL
        else CourtJurisdiction.Scope.DESIGN
        if dispute == D.DESIGN_INFRINGEMENT
        else "general"
    )
    court = handler.courts.get(court_scope)
    ownership = dispute in OWNERSHIP_DISPUTES
    story = _story(rng, days, received, confirmable=court is not None and not ownership)
    status = story.status
    ctx.counts[f"cases_{status}"] += 1
    # Who: the handling side.
    creator = rng.choice(handler.clerks + handler.mediators)
    lead = handler.mediators[min(int(rng.expovariate(0.3)), len(handler.mediators) - 1)]
    # Parties.
    parties: list[tuple] = []  # (role, kind, org, name, id, region, address, phone, agent…)
    applicant_person = ownership and rng.random() < 0.3  # an inventor claims the right
    cities = set()
    if applicant_person:
        person = case_demo._person(rng, world.region_for_person(rng, applicant.city_id))
        parties.append(_person_row(PartyRole.APPLICANT, person))
        cities.add(world.city_of[person.region.pk])
        parties.append(_org_row(rng, PartyRole.RESPONDENT, applicant.org))
        cities.add(applicant.city_id)
        a_name, r_name = person.name, applicant.org.name
    else:
        parties.append(_org_row(rng, PartyRole.APPLICANT, applicant.org))
        cities.add(applicant.city_id)
        if rng.random() < 0.45:
            nearby = ctx.local.get(handler.city_id)
            pool = nearby if nearby and rng.random() < LOCAL_SHARE else world.enterprises
            respondent = rng.choice(pool)
            if respondent is applicant:
                respondent = world.enterprises[
                    (world.enterprises.index(applicant) + 1) % len(world.enterprises)
                ]
            parties.append(_org_row(rng, PartyRole.RESPONDENT, respondent.org))
            cities.add(respondent.city_id)
            r_name = respondent.org.name
        else:
            person = case_demo._person(rng, world.region_for_person(rng, handler.city_id))
            parties.append(_person_row(PartyRole.RESPONDENT, person))
            cities.add(world.city_of[person.region.pk])
            r_name = person.name
        a_name = applicant.org.name
    if rng.random() < 0.05:
        person = case_demo._person(rng, world.region_for_person(rng, handler.city_id))
        parties.append(_person_row(PartyRole.THIRD_PARTY, person))
        cities.add(world.city_of[person.region.pk])
    is_cross = any(city != handler.city_id for city in cities if city is not None)
    # Source and kind of mediation.
    local = bool(handler.courts) and org.kind != Kind.BUREAU
    source = _choice(rng, _SOURCES_LOCAL if local else _SOURCES_ELSEWHERE)
    if org.kind == Kind.BUREAU:
        mediation_kind = MediationKind.ADMINISTRATIVE
    elif source == Source.COURT_DELEGATION:
        mediation_kind = MediationKind.COURT_DELEGATED
    elif source == Source.COURT_ENTRUSTMENT:
        mediation_kind = MediationKind.COURT_ENTRUSTED
    else:
        mediation_kind = MediationKind.PEOPLES
    claim = (
        None
        if ownership
        else _money(rng, 150_000, 800_000, 10_000)
        if right.kind == IPKind.INVENTION_PATENT
        else _money(rng, 20_000, 300_000)
    )
    cause = _CAUSE.get(dispute, _CAUSE[D.OTHER])
    title = f"{a_name}与{r_name}{cause}"[:200]
    facts = (
        f"申请人主张被申请人侵害或违约涉及“{right.title}”（{right.number or '未登记'}），"
        f"请求停止侵害并赔偿损失"
        + (f"人民币{claim:,.2f}元。" if claim is not None else "，确认权利归属。")
    )
    # Numbers and dates.
    number, year, seq = "", None, None
    if status != Status.DRAFT:
        year = received.year
        seq = ctx.numbers.get((org.pk, year), 0) + 1
        ctx.numbers[(org.pk, year)] = seq
        number = format_case_number(handler.template, org=org, year=year, seq=seq)
    accepted_on = story.day(Status.ACCEPTED)
    closed_on = next(
        (day for s, day in story.steps if s in (Status.DECLINED, Status.WITHDRAWN, Status.CLOSED)),
        None,
    )
    deadline = None
    if accepted_on is not None:
        court_kinds = (MediationKind.COURT_DELEGATED, MediationKind.COURT_ENTRUSTED)
        deadline = (
            days.period_end(accepted_on, days=30)
            if mediation_kind in court_kinds
            else days.period_end(accepted_on, months=1)
        )
    settled_day = story.day(Status.SETTLED)
    amount = None
    if settled_day is not None:
        amount = (
            _money(rng, 10_000, 50_000)
            if claim is None
            else ((claim * rng.randint(35, 85) / 100_000).quantize(Decimal(1)) * 1000).quantize(
                ZERO
            )
        )
    reason = ""
    if story.path == "decline" and status == Status.DECLINED:
        reason = rng.choice(case_demo._DECLINE_REASONS)
    elif story.path == "withdraw" and status == Status.WITHDRAWN:
        reason = rng.choice(case_demo._WITHDRAW_REASONS)
    elif story.path == "fail" and status in (Status.FAILED, Status.CLOSED):
        reason = rng.choice(case_demo._FAIL_REASONS)
    # The timeline: created, assigned, each transition (services write the same verbs).
    created_at = _at(rng, story.created)
    events: list[tuple] = [(creator.pk, "case.created", "", Status.DRAFT, {}, created_at)]
    moment, previous = created_at, Status.DRAFT
    for reached, day in story.steps:
        actor = creator if reached == Status.SUBMITTED else lead
        if reached == Status.ACCEPTED or (reached == Status.WITHDRAWN and accepted_on is None):
            moment = _at(rng, day, moment)
            events.append((lead.pk, "case.assigned", "", "", {"mediator": lead.username}, moment))
            out.assignments.add(case_id, lead.pk, lead.pk, moment)
        moment = _at(rng, day, moment)
        data: dict[str, Any] = {}
        if reached == Status.SUBMITTED:
            data = {"number": number}
        elif reached == Status.ACCEPTED:
            data = (
                {"mediation_deadline": deadline.isoformat()}
                if deadline
                else {"deadline_note": "no holiday calendar for the end date yet"}
            )
        elif reached in (Status.DECLINED, Status.FAILED):
            data = {"reason": reason}
        elif reached == Status.WITHDRAWN:
            data = {"reason": reason, "withdrawn_on": day.isoformat()}
        elif reached == Status.CLOSED and story.confirmation is None:
            data = {"waiver_reason": _CLOSE_WAIVERS[story.path]}
        events.append((actor.pk, f"case.{reached}", previous, reached, data, moment))
        previous = reached
    for actor, verb, before, after, data, at in events:
        out.events.add(case_id, actor, verb, before, after, data, at)
    is_online = rng.random() < 0.45 or not org.region.code.startswith("35")
    out.cases.add(
        case_id, created_at, moment, org.pk, number, year, seq, title, facts, dispute,
        mediation_kind, source, claim, amount, is_online, is_cross, status,
        received if number else None,
        accepted_on, closed_on, deadline, reason, creator.pk, len(events),
    )  # fmt: skip
    stamp = created_at + dt.timedelta(minutes=2)
    for row in parties:
        out.parties.add(stamp, stamp, case_id, *row)
    if right.kind == IPKind.TRADE_SECRET or dispute == D.TRADE_SECRET:
        out.rights.add(
            case_id, None, IPKind.TRADE_SECRET, "", f"{applicant.org.short_name}生产工艺技术信息"
        )
    else:
        out.rights.add(case_id, right.pk, right.kind, right.number, "")
    _sessions(ctx, case_id, story, lead, parties, org, is_online, settled_day)
    if settled_day is not None:
        agreement_id = ctx.next_agreement
        ctx.next_agreement += 1
        signed_at = _at(rng, settled_day)
        out.agreements.add(
            agreement_id, signed_at, signed_at, case_id,
            f"一、被申请人停止侵权并于三十日内支付人民币{amount:,.2f}元；二、双方就本纠纷再无其他争议。",
            amount, settled_day + dt.timedelta(days=30),
            "、".join(row[3] for row in parties) + f"；调解员：{lead.last_name}{lead.first_name}",
            settled_day, settled_day, ownership, "",
        )  # fmt: skip
        if story.confirmation is not None:
            _confirmation(ctx, case_id, agreement_id, handler, court, story, lead, mediation_kind)
    if number:
        ctx.cases_of[applicant.org.pk].append(case_id)
        _shares_and_requests(ctx, case_id, handler, cities, story, lead, title)
        if applicant.org.is_key_enterprise and rng.random() < EVIDENCE_CITED:
            for record in ctx.evidence.before(rng, applicant.org.pk, received, rng.randint(1, 3)):
                out.case_evidence.add(case_id, record)


def _org_row(rng: random.Random, role: str, org: Organization) -> tuple:
    agent, agent_phone = case_demo._agent(rng) if rng.random() < 0.6 else ("", "")
    return (role, PartyKind.ORGANIZATION, org.pk, org.name, "", None, "", "", agent, agent_phone)


def _person_row(role: str, person: Any) -> tuple:
    return (role, PartyKind.PERSON, None, person.name, person.id_number, person.region.pk,
            person.address, person.phone, "", "")  # fmt: skip


def _sessions(
    ctx: _Context,
    case_id: int,
    story: _Story,
    lead: Any,
    parties: list[tuple],
    org: Organization,
    is_online: bool,
    settled_day: dt.date | None,
) -> None:
    if story.session is None:
        return
    rng, out, last = ctx.rng, ctx.out, ctx.world.days.last
    attendees = (
        "、".join(row[3] for row in parties) + f"；调解员：{lead.last_name}{lead.first_name}"
    )
    where = (
        ("", f"https://meeting.tencent.com/dm/{rng.randint(10**8, 10**9 - 1)}")
        if is_online
        else (f"{org.name} 调解室", "")
    )
    held = [story.session] + ([story.second_session] if story.second_session else [])
    recorded_before = None
    for position, day in enumerate(held):
        starts = dt.datetime.combine(day, dt.time(rng.choice([9, 10, 14, 15]), 30), TZ)
        ends = starts + dt.timedelta(hours=2)
        minutes = outcome = ""
        recorded = None
        if day < last or (day == last and settled_day == day):
            final = position == len(held) - 1
            if story.status in (Status.SETTLED, Status.CLOSED) and settled_day and final:
                outcome, minutes = SessionOutcome.AGREEMENT, "双方自愿达成调解协议，当场签字确认。"
            elif story.path == "fail" and final and story.status != Status.MEDIATING:
                outcome, minutes = (
                    SessionOutcome.NO_AGREEMENT,
                    "双方未能就赔偿数额达成一致，调解不成。",
                )
            else:
                outcome, minutes = SessionOutcome.CONTINUED, "双方陈述了各自意见，约定再次调解。"
            recorded = ends + dt.timedelta(minutes=rng.randint(10, 90))
        # Scheduled when the case was accepted (the next one at the end of the previous).
        booked = _at(rng, story.day(Status.ACCEPTED)) if position == 0 else recorded_before
        recorded_before = recorded or ends
        out.sessions.add(
            booked, recorded or booked, case_id, starts, ends, where[0], where[1], attendees,
            minutes, outcome, recorded,
        )  # fmt: skip


def _confirmation(
    ctx: _Context,
    case_id: int,
    agreement_id: int,
    handler: _Handler,
    court: Organization,
    story: _Story,
    lead: Any,
    mediation_kind: str,
) -> None:
    rng, days, plan = ctx.rng, ctx.world.days, story.confirmation
    status = plan["status"]
    number = ""
    accepted, ruling = plan.get("accepted"), plan.get("ruling")
    if accepted is not None:
        key = (court.pk, accepted.year)
        ctx.court_numbers[key] = ctx.court_numbers.get(key, 0) + 1
        number = f"（{accepted.year}）{court.court_code}民特{ctx.court_numbers[key]}号"
    remote = ctx.world.city_of[court.region_id] != handler.city_id
    reason = {
        "rejected": "调解协议内容不明确，无法确认，裁定驳回申请。",
        "not_accepted": "申请材料不全，补正期限届满仍未提交，不予受理。",
        "withdrawn": "被申请人已全额履行调解协议，双方共同撤回司法确认申请。",
    }.get(status, "")
    created = _at(rng, plan["prepared"])
    out = ctx.out
    out.confirmations.add(
        created, created, case_id, agreement_id, court.pk,
        "调解组织所在地人民法院（《民事诉讼法》第二百零五条）"
        if court.court_level == Organization.CourtLevel.BASIC
        else "知识产权案件的管辖法院（法释〔2022〕13号）",
        JudicialConfirmation.Basis.ADMINISTRATIVE
        if mediation_kind == MediationKind.ADMINISTRATIVE
        else JudicialConfirmation.Basis.CPL,
        remote, True, "双方当事人共同申请", plan["window"], status, plan["filed"],
        days.period_end(plan["filed"], days=3) if plan["filed"] else None, number, accepted,
        days.period_end(accepted, days=15) if accepted else None, False, ruling, "", reason,
        lead.pk, 1 + sum(1 for d in (plan["filed"], accepted, ruling) if d),
    )  # fmt: skip
    moment = created
    for verb, day in (
        ("confirmation.prepared", plan["prepared"]),
        ("confirmation.filed", plan["filed"]),
        ("confirmation.accepted", accepted),
        (
            f"confirmation.{status}",
            plan["end_day"] if status in JudicialConfirmation.FINISHED_STATUSES else None,
        ),
    ):
        if day is not None and day <= days.last:
            moment = _at(rng, day, moment)
            out.events.add(case_id, lead.pk, verb, "", "", {"court": court.name}, moment)


def _shares_and_requests(
    ctx: _Context,
    case_id: int,
    handler: _Handler,
    cities: set[int | None],
    story: _Story,
    lead: Any,
    title: str,
) -> None:
    """A share with the member bureau of a party's city (or, rarely, another member), and
    a collaboration request about the case, which shares it while the request is active."""
    rng, world, out, days = ctx.rng, ctx.world, ctx.out, ctx.world.days
    received = story.steps[0][1]
    partners = [
        m
        for city in sorted(c for c in cities if c is not None and c != handler.city_id)
        for m in ctx.member_by_city.get(city, [])
        if m.pk not in handler.lineage
    ]
    roll = rng.random()
    target = None
    if partners and roll < SHARE_CROSS_REGION:
        target = rng.choice(partners)
    elif roll < SHARE_LOCAL:
        target = rng.choice(world.members)
    if target is not None and target.pk not in handler.lineage:
        day = days.after(received, rng.randint(1, 10))
        if day <= days.last:
            granted = _at(rng, day)
            level = CaseShare.Level.VIEW if rng.random() < 0.6 else CaseShare.Level.COLLABORATE
            reason = rng.choice(demo_sharing._SHARE_REASONS).format(
                city=world.regions[world.city_of[target.region_id]].name
            )
            revoked = None
            if rng.random() < 0.05:
                revoked_day = days.after(day, rng.randint(5, 30))
                revoked = _at(rng, revoked_day) if revoked_day <= days.last else None
            out.shares.add(
                case_id, target.pk, level, reason, None, lead.pk, granted,
                lead.pk if revoked else None, revoked, "案件已办结，停止共享。" if revoked else "",
            )  # fmt: skip
            out.events.add(
                case_id, lead.pk, "case.shared", "", "",
                {"organization": target.name, "level": level, "reason": reason}, granted,
            )  # fmt: skip
    if handler.member is None or rng.random() >= CASE_REQUEST:
        return
    to = rng.choice(partners) if partners else rng.choice(world.members)
    if to.pk in handler.lineage or to.pk == handler.member.pk:
        return
    sent = days.after(received, rng.randint(1, 15))
    if sent > days.last:
        return
    kind = rng.choice(_CASE_REQUEST_KINDS)
    subject, body = collab_demo.subject_and_body(
        rng, kind, handler.member, to, ctx.vocabulary, sent
    )
    subject = f"{subject}（{title[:40]}）"[:200]
    request_id = _request(ctx, handler.member, to, kind, subject, body, sent, lead)
    at = _at(rng, sent)
    out.shares.add(
        case_id, to.pk, CaseShare.Level.COLLABORATE, subject[:300], request_id, lead.pk, at,
        None, None, "",
    )  # fmt: skip
    out.events.add(
        case_id, lead.pk, "collaboration.requested", "", "",
        {"request": request_id, "organization": to.name, "kind": kind,
         "due_on": _due_on(days, kind, sent).isoformat()}, at,
    )  # fmt: skip


def _due_on(days: _Days, kind: str, sent: dt.date) -> dt.date:
    """``alliance.collaboration.response_due_on`` on the memoised calendar."""
    term = CollaborationRequest.RESPONSE_DAYS[kind]
    return days.period_end(sent, days=term) or sent + dt.timedelta(days=term)


def _request(
    ctx: _Context,
    sender: Organization,
    target: Organization,
    kind: str,
    subject: str,
    body: str,
    sent: dt.date,
    actor: Any,
) -> int:
    """A collaboration request as ``collaboration_send`` writes it, and its life since."""
    rng, days, out = ctx.rng, ctx.world.days, ctx.out
    request_id = ctx.next_request
    ctx.next_request += 1
    due = _due_on(days, kind, sent)
    end = _choice(rng, _COLLAB_ENDS)
    accepted = closed = None
    status = CollaborationRequest.Status.OPEN
    accept_day = days.after(sent, rng.randint(0, 3))
    if end == "declined":
        close_day = days.after(sent, rng.randint(1, 3))
        if close_day <= days.last:
            status, closed = CollaborationRequest.Status.DECLINED, close_day
    elif end == "cancelled":
        close_day = days.after(sent, rng.randint(2, 6))
        if close_day <= days.last:
            status, closed = CollaborationRequest.Status.CANCELLED, close_day
    elif accept_day <= days.last:
        status, accepted = CollaborationRequest.Status.ACCEPTED, accept_day
        close_day = days.after(accept_day, rng.randint(1, 15))
        if close_day <= days.last:
            status, closed = CollaborationRequest.Status.COMPLETED, close_day
    note = {
        CollaborationRequest.Status.DECLINED: rng.choice(collab_demo.DECLINE_NOTES),
        CollaborationRequest.Status.CANCELLED: rng.choice(collab_demo.CANCEL_NOTES),
    }.get(status, "")
    created = _at(rng, sent)
    last_change = _at(rng, closed or accepted or sent, created)
    out.requests.add(
        request_id, created, last_change, sender.pk, target.pk, kind, subject, body, sent, due,
        status, accepted, closed, note, actor.pk, 1 + (accepted is not None) + (closed is not None),
    )  # fmt: skip
    ctx.counts[f"requests_{status}"] += 1
    return request_id


def _standalone_requests(ctx: _Context, count: int) -> None:
    """Requests between member bureaus that are not about a case (information, investigation)."""
    rng, world = ctx.rng, ctx.world
    members = [m for m in world.members]
    handlers = {h.org.pk: h for h in world.handlers}
    for _n in range(count):
        sender, target = rng.sample(members, 2)
        since = max(world.days.first, sender.alliance_joined_on, target.alliance_joined_on)
        if since > world.days.last:
            continue
        sent = world.days.pick(rng, since)
        kind = rng.choice(list(CollaborationRequest.Kind.values))
        subject, body = collab_demo.subject_and_body(
            rng, kind, sender, target, ctx.vocabulary, sent
        )
        staff = handlers[sender.pk].mediators if sender.pk in handlers else [world.admin]
        _request(ctx, sender, target, kind, subject, body, sent, rng.choice(staff))


def _protection_actions(ctx: _Context, count: int) -> None:
    """Actions of key enterprises through their service points, citing earlier records."""
    rng, world, out, days = ctx.rng, ctx.world, ctx.out, ctx.world.days
    keys = [e for e in world.enterprises if e.org.is_key_enterprise and e.point is not None]
    if not keys:
        return
    next_id = _next_id(ProtectionAction)
    Outcome = ProtectionAction.Outcome
    for n in range(count):
        enterprise = rng.choice(keys)
        kind = _choice(rng, _ACTION_KINDS)
        started = days.pick(rng)
        concluded = days.after(started, rng.randint(5, 120))
        outcome = Outcome.ONGOING
        if concluded <= days.last:
            outcome = _choice(rng, _ACTION_OUTCOMES)
        else:
            concluded = None
        platform, _url = evidence_demo._listing(rng)
        shop = rng.choice(evidence_demo._SHOP_WORDS) + rng.choice(evidence_demo._SHOP_KINDS)
        product = rng.choice(evidence_demo._PRODUCTS.get(enterprise.industry) or ["产品"])
        title = _ACTION_TITLES[kind].format(
            platform=platform, brand=enterprise.brand, product=product, shop=shop,
            city=rng.choice(evidence_demo._CITIES),
        )  # fmt: skip
        cited = ctx.evidence.before(rng, enterprise.org.pk, started, rng.randint(1, 4))
        recovered = ZERO
        if outcome in (Outcome.SUCCEEDED, Outcome.PARTIALLY_SUCCEEDED):
            recovered = _money(rng, 5_000, 500_000, 500)
        evidence_saved = _money(rng, 500, 8_000, 100) if cited else ZERO
        alliance_saved = _money(rng, 1_000, 20_000, 500) if rng.random() < 0.3 else ZERO
        basis = ""
        if evidence_saved or alliance_saved:
            basis = "按公证取证费用及异地维权差旅费用估算。"
        case_id = None
        cases = ctx.cases_of.get(enterprise.org.pk)
        recorder = world.point_staff[enterprise.point.pk]
        if kind == ProtectionAction.Kind.MEDIATION and cases:
            # Linking a case needs sight of it: the platform administrator records those.
            case_id, recorder = rng.choice(cases), world.admin
        action_id = next_id + n
        stamp = _at(rng, concluded or started)
        out.actions.add(
            action_id, stamp, stamp, enterprise.org.pk, kind, title[:200], "", shop, started,
            concluded, outcome, recovered, evidence_saved, alliance_saved, basis, case_id,
            enterprise.point.pk, recorder.pk, 1,
        )  # fmt: skip
        for record in cited:
            out.action_evidence.add(action_id, record)


# ---------------------------------------------------------------------------------------------
# The whole run
# ---------------------------------------------------------------------------------------------


def generate(config: BenchConfig, progress: Progress | None = None) -> BenchReport:
    """Add the benchmark data of ``config`` to the database; returns counts and seconds."""
    say = progress or (lambda _message: None)
    report = BenchReport()
    rng = random.Random(config.seed)
    started = time.perf_counter()

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        report.seconds[name] = round(now - since, 1)
        say(f"{name}: {now - since:.1f} s")
        return now

    last = config.end()
    first = dt.date(config.first_year, 1, 1)
    if first > last:
        raise ValueError(f"the first year {config.first_year} lies after {last}")
    days = _Days(first, last)
    world = _World(config, days)
    with transaction.atomic():
        _add_directory(world, rng, report)
    mark = lap("directory", started)
    evidence = _add_evidence(world, rng, report, say)
    mark = lap("evidence", mark)
    _add_cases(world, rng, evidence, report, say)
    mark = lap("cases", mark)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        mark = lap("analyze", mark)
    # COPY sends no signals: drop every cached result computed from the old rows (the
    # statistics cache among them).
    cache.clear()
    report.seconds["total"] = round(time.perf_counter() - started, 1)
    return report


def digest(columns: dict[type[models.Model], Sequence[str]] | None = None) -> str:
    """A SHA-256 over a few columns of the generated tables in a stable order (tests use it
    to show that the same seed gives the same data)."""
    columns = columns or {
        MediationCase: ["number", "title", "status", "received_on", "closed_on", "claim_amount"],
        Party: ["name", "id_number", "role"],
        EvidenceRecord: ["number", "title", "blob_id", "deposited_at", "salt"],
        CollaborationRequest: ["subject", "status", "sent_on"],
    }
    hasher = hashlib.sha256()
    for model, names in columns.items():
        for row in model.objects.order_by(*names).values_list(*names):
            hasher.update(repr(row).encode())
    return hasher.hexdigest()
