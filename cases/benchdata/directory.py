"""Benchmark directory (``cases.benchdata``): enterprises with checksum-valid USCCs, their IP
rights (valid patent check digits, trademarks, copyrights), and the staff of the handling
organisations and service points."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from alliance import demo as alliance_demo
from alliance.models import IntellectualProperty, Membership, Organization
from cases import demo as case_demo
from cases.benchdata.common import BenchReport, IPKind, Kind, Role, _choice
from cases.benchdata.world import _Enterprise, _World
from evidence import demo as evidence_demo

#: Enterprises added per case (at least 50), and the share of key enterprises among them.
CASES_PER_ENTERPRISE = 25
KEY_SHARE = 0.08
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
