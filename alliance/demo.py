"""Demo data: the 益企维 alliance as the 2024 press release describes it (DOMAIN §0).

``load()`` builds the Zhangzhou protection network (bureau, protection centres, service stations,
17 service points, the mediation committee), the 34 member bureaus in 13 provinces, 55 fictional
key enterprises with their IP rights, a few respondent enterprises elsewhere, Zhangzhou
geographical-indication marks and the demo accounts.

Rules the loader keeps:

* **Idempotent** — every row is keyed on its natural key (USCC for enterprises, (kind, name) for
  other organisations, (kind, number) for IP rights, username for users, (user, organisation,
  role) for memberships). A row is saved only when it is new or differs from the plan, so a
  second run writes nothing, not even a history record.
* **Deterministic** — one ``random.Random(2024)`` draws every generated value in a fixed order
  that does not depend on the database; dates are relative to a fixed ``AS_OF`` day, not the clock.
* **Valid** — organisations and IP rights go through ``full_clean()``: USCCs carry correct
  GB 32100 and GB 11714 check characters (DOMAIN §5.a), patent numbers the mod-11 check digit
  (§5.b).

The data files live in ``alliance/data/demo_*.csv``; the enterprises, brands and IP titles are
fictional.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction

from alliance import validators
from alliance.models import IntellectualProperty, Membership, Organization, Region

SEED = 2024
#: The demo's "today": grants later than this are left pending, expiries are renewed past it.
AS_OF = dt.date(2025, 6, 30)
DATA_DIR = Path(__file__).resolve().parent / "data"

Kind = Organization.Kind
IPKind = IntellectualProperty.Kind
Role = Membership.Role

ZHANGZHOU_BUREAU = "漳州市市场监督管理局"
PARTNER_BUREAU = "沈阳市市场监督管理局"
MEDIATION_COMMITTEE = "漳州市知识产权纠纷人民调解委员会"
COURT_CODE = "闽06"
COURT_NAME = "福建省漳州市中级人民法院"
DEMO_SERVICE_POINT = "平和县小溪镇知识产权服务网点"
DEMO_ENTERPRISE = "漳州市闽南蜜柚食品有限公司"

#: The accounts ``load_demo`` prints (password ``settings.DEMO_PASSWORD``).
DEMO_ACCOUNTS: list[dict] = [
    {
        "username": "admin",
        "role": "platform administrator (superuser)",
        "organization": "the whole platform",
    },
    {
        "username": "mediator",
        "role": "mediator",
        "organization": f"{MEDIATION_COMMITTEE}; {ZHANGZHOU_BUREAU}",
    },
    {"username": "clerk", "role": "clerk", "organization": ZHANGZHOU_BUREAU},
    {"username": "partner", "role": "mediator at a partner bureau", "organization": PARTNER_BUREAU},
    {"username": "court", "role": "court liaison", "organization": COURT_NAME},
    {"username": "servicepoint", "role": "service-point clerk", "organization": DEMO_SERVICE_POINT},
    {"username": "enterprise", "role": "enterprise administrator", "organization": DEMO_ENTERPRISE},
]

# username → (last name, first name, superuser, memberships as (organisation ref, role)); an
# organisation ref is ("name", kind, name) or ("court", court_code).
_ACCOUNT_DETAILS: dict[str, tuple[str, str, bool, list[tuple[tuple[str, ...], str]]]] = {
    "admin": ("林", "志强", True, []),
    "mediator": (
        "陈",
        "雅婷",
        False,
        [
            (("name", Kind.MEDIATION_COMMITTEE, MEDIATION_COMMITTEE), Role.MEDIATOR),
            (("name", Kind.BUREAU, ZHANGZHOU_BUREAU), Role.MEDIATOR),
        ],
    ),
    "clerk": ("黄", "晓东", False, [(("name", Kind.BUREAU, ZHANGZHOU_BUREAU), Role.CLERK)]),
    "partner": ("王", "立新", False, [(("name", Kind.BUREAU, PARTNER_BUREAU), Role.MEDIATOR)]),
    "court": ("郑", "文华", False, [(("court", COURT_CODE), Role.LIAISON)]),
    "servicepoint": (
        "蔡",
        "明辉",
        False,
        [(("name", Kind.SERVICE_POINT, DEMO_SERVICE_POINT), Role.CLERK)],
    ),
    "enterprise": (
        "吴",
        "丽娟",
        False,
        [(("enterprise", DEMO_ENTERPRISE), Role.ADMIN)],
    ),
}
EMAIL_DOMAIN = "demo.zhangzhou-ip.example"

# Geographical-indication certification marks (DOMAIN §5.e track 1) and their owner
# associations: (association, English name, region, mark, Nice class, filing year).
_GEOGRAPHICAL_INDICATIONS = [
    ("平和县琯溪蜜柚协会", "Pinghe Guanxi Pomelo Association", "350628", "平和琯溪蜜柚", 31, 2004),
    ("漳州市芦柑协会", "Zhangzhou Ponkan Association", "350600", "漳州芦柑", 31, 2007),
    ("诏安县青梅协会", "Zhao'an Green Plum Association", "350624", "诏安青梅", 31, 2010),
    ("华安县茶业协会", "Hua'an Tea Association", "350629", "华安铁观音", 30, 2012),
]

# Works registrations: (owner, authority prefix, year, category letter, title).
_WORKS = [
    ("平和县琯香柚业有限公司", "闽", 2021, "F", "“琯香”蜜柚卡通形象"),
    ("华安县东溪窑陶瓷文化有限公司", "闽", 2020, "F", "东溪窑青花缠枝纹样"),
    ("诏安县梅岭青梅食品有限公司", "国", 2022, "F", "梅岭青梅包装插画"),
    ("南靖县土楼茶业有限公司", "闽", 2023, "F", "土楼茶韵品牌图形"),
]
# Software registrations: (owner, year, title).
_SOFTWARE = [
    ("漳州市芗江电子科技有限公司", 2021, "芗江智能插座远程控制系统V1.0"),
    ("漳州市锦宇电子科技有限公司", 2020, "锦宇LED驱动电源测试软件V2.0"),
    ("漳州市蓝田精密机械有限公司", 2022, "蓝田数控机床远程运维平台V1.0"),
    ("漳州市龙文光电科技有限公司", 2023, "龙文光电镜片镀膜工艺管理系统V1.0"),
    ("南靖县靖城精密电子有限公司", 2024, "靖城SMT产线制造执行系统V3.1"),
]

_I, _U, _D = IPKind.INVENTION_PATENT, IPKind.UTILITY_MODEL, IPKind.DESIGN_PATENT
#: Patent titles per industry: (kind, title).
_PATENT_TITLES: dict[str, list[tuple[str, str]]] = {
    "machinery": [
        (_I, "一种数控机床主轴温升补偿方法"),
        (_U, "一种自动上下料机械手"),
        (_U, "一种快换式液压夹具"),
        (_I, "一种齿轮箱装配检测系统及方法"),
        (_U, "一种减速电机散热结构"),
        (_D, "数控车床"),
        (_U, "一种输送带张紧装置"),
    ],
    "electronics": [
        (_I, "一种开关电源过流保护电路及方法"),
        (_U, "一种LED驱动电源"),
        (_U, "一种扬声器振膜"),
        (_D, "蓝牙音箱"),
        (_I, "一种基于物联网的智能插座控制方法"),
        (_U, "一种电路板防潮结构"),
        (_D, "智能门锁面板"),
    ],
    "optics": [
        (_I, "一种防蓝光树脂镜片及其制备方法"),
        (_U, "一种眼镜铰链"),
        (_D, "眼镜架"),
        (_U, "一种镜片镀膜夹具"),
        (_I, "一种光学玻璃研磨抛光工艺"),
        (_D, "太阳镜"),
        (_U, "一种透镜模组"),
    ],
    "furniture": [
        (_D, "餐椅（藤编）"),
        (_D, "实木茶台"),
        (_U, "一种可折叠沙发床"),
        (_D, "书柜"),
        (_U, "一种免工具安装的柜体连接件"),
        (_I, "一种竹木复合板材及其制备方法"),
        (_D, "户外休闲椅"),
    ],
    "ceramics": [
        (_D, "茶具（青花）"),
        (_D, "花瓶"),
        (_I, "一种高白度日用陶瓷坯料及其制备方法"),
        (_U, "一种陶瓷窑炉余热回收装置"),
        (_D, "盖碗"),
        (_U, "一种陶瓷注浆成型模具"),
    ],
    "stone": [
        (_I, "一种利用石材废料制备人造石的方法"),
        (_U, "一种石材切割机防尘装置"),
        (_D, "石雕摆件"),
        (_U, "一种石材抛光磨头"),
        (_D, "石材茶盘"),
    ],
    "food": [
        (_I, "一种香蕉脆片真空低温油炸方法"),
        (_I, "一种蘑菇罐头杀菌工艺"),
        (_U, "一种果蔬清洗机"),
        (_D, "食品包装盒"),
        (_D, "包装罐"),
        (_U, "一种罐头封口装置"),
        (_I, "一种低糖果脯的制备方法"),
    ],
    "pomelo": [
        (_I, "一种蜜柚果皮果胶的提取方法"),
        (_I, "一种蜜柚保鲜贮藏方法"),
        (_U, "一种蜜柚分级筛选装置"),
        (_D, "蜜柚包装箱"),
        (_U, "一种柚子剥皮机"),
        (_I, "一种柚子茶饮料及其制备方法"),
    ],
    "citrus": [
        (_I, "一种芦柑采后保鲜处理方法"),
        (_U, "一种柑橘采摘辅助装置"),
        (_D, "芦柑礼品箱"),
        (_U, "一种柑橘园水肥一体化滴灌装置"),
    ],
    "plum": [
        (_I, "一种青梅酒的酿造方法"),
        (_I, "一种低盐话梅的制备工艺"),
        (_D, "青梅果脯包装袋"),
        (_U, "一种青梅去核装置"),
    ],
    "fruit": [
        (_I, "一种枇杷膏的制备方法"),
        (_U, "一种枇杷分级装置"),
        (_D, "枇杷礼盒"),
        (_I, "一种杨桃果汁饮料及其制备方法"),
    ],
    "tea": [
        (_I, "一种乌龙茶摇青工艺"),
        (_I, "一种白芽奇兰茶的加工方法"),
        (_U, "一种茶叶揉捻机"),
        (_U, "一种茶叶烘焙装置"),
        (_D, "茶叶罐"),
        (_D, "茶叶包装盒"),
    ],
    "seafood": [
        (_I, "一种即食鲍鱼的加工方法"),
        (_U, "一种海产品冷冻解冻装置"),
        (_I, "一种虾仁保水剂及其使用方法"),
        (_D, "海鲜礼盒"),
        (_U, "一种鱿鱼烘干设备"),
    ],
    "flowers": [
        (_I, "一种水仙花雕刻造型的培育方法"),
        (_U, "一种花卉组培苗移栽装置"),
        (_D, "花盆"),
        (_I, "一种兰花组织培养快速繁殖方法"),
        (_U, "一种温室花卉自动喷灌装置"),
    ],
}
_TECH_INDUSTRIES = frozenset({"machinery", "electronics", "optics"})
#: Nice classes per industry: (first mark, second mark).
_NICE_CLASSES: dict[str, tuple[int, int]] = {
    "machinery": (7, 8),
    "electronics": (9, 11),
    "optics": (9, 35),
    "furniture": (20, 35),
    "ceramics": (21, 19),
    "stone": (19, 35),
    "food": (29, 30),
    "pomelo": (31, 32),
    "citrus": (31, 32),
    "plum": (29, 33),
    "fruit": (31, 30),
    "tea": (30, 32),
    "seafood": (29, 31),
    "flowers": (31, 44),
}
# Approximate CNIPA trademark application numbers issued per filing year (DOMAIN §5.c: one
# sequential number, no check digit) — plausible 7- and 8-digit numbers for the year.
_TRADEMARK_RANGES: dict[int, tuple[int, int]] = {
    2004: (3_850_000, 4_430_000),
    2007: (5_800_000, 6_400_000),
    2008: (6_400_000, 7_150_000),
    2009: (7_150_000, 7_950_000),
    2010: (7_950_000, 9_050_000),
    2011: (9_050_000, 10_400_000),
    2012: (10_400_000, 12_000_000),
    2013: (12_000_000, 13_900_000),
    2014: (13_900_000, 16_000_000),
    2015: (16_000_000, 18_800_000),
    2016: (18_800_000, 22_400_000),
    2017: (22_400_000, 28_300_000),
    2018: (28_300_000, 35_500_000),
    2019: (35_500_000, 43_300_000),
    2020: (43_300_000, 52_400_000),
    2021: (52_400_000, 61_900_000),
    2022: (61_900_000, 68_600_000),
    2023: (68_600_000, 75_800_000),
    2024: (75_800_000, 82_500_000),
}
# Organisation codes of enterprises registered in 龙海 / 长泰 before the 2021 conversions carry
# the retired county codes (DOMAIN §5.a positions 3–8 = registering authority, §5.f).
_LEGACY_REGISTRATION_CODES = {"350604": "350681", "350605": "350625"}


# ---------------------------------------------------------------------------------------------
# Identifier generation (pure functions of the random generator)
# ---------------------------------------------------------------------------------------------


def _org_code_check(body: str) -> str:
    """GB 11714 check character for an 8-character organisation-code body (DOMAIN §5.a)."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    remainder = 11 - sum(int(c, 36) * w for c, w in zip(body, weights, strict=True)) % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def make_uscc(rng: random.Random, prefix: str, region_code: str, body_prefix: str) -> str:
    """A USCC ``prefix`` + region + organisation code (``body_prefix`` + random characters +
    GB 11714 check) + GB 32100 check character."""
    charset = validators.USCC_CHARSET
    body = body_prefix + "".join(rng.choice(charset) for _ in range(8 - len(body_prefix)))
    first17 = f"{prefix}{region_code}{body}{_org_code_check(body)}"
    return first17 + validators.uscc_check_character(first17)


def make_patent_number(rng: random.Random, kind: str, year: int, used: set[str]) -> str:
    """A new-format application number ``YYYYTNNNNNNN.C`` not yet in ``used`` (DOMAIN §5.b)."""
    type_digit = {_I: "1", _U: "2", _D: "3"}[kind]
    # Utility-model filings passed a million a year around 2020; serials grew accordingly.
    upper = {_I: 1_200_000, _U: 3_500_000 if year >= 2020 else 1_500_000, _D: 900_000}[kind]
    while True:
        digits = f"{year}{type_digit}{rng.randint(10_000, upper):07d}"
        number = f"{digits}.{validators.patent_check_character(digits)}"
        if number not in used:
            used.add(number)
            return number


def _random_day(rng: random.Random, year: int) -> dt.date:
    start = dt.date(year, 1, 1)
    return start + dt.timedelta(days=rng.randrange((dt.date(year + 1, 1, 1) - start).days))


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _patent_term_end(kind: str, filed: dt.date) -> dt.date:
    """Last day of protection: 20 years for inventions, 10 for utility models, designs 10 years
    (15 for applications from 2021-06-01, Patent Law 2020), counted from the filing date."""
    years = {_I: 20, _U: 10}.get(kind, 15 if filed >= dt.date(2021, 6, 1) else 10)
    return _add_years(filed, years) - dt.timedelta(days=1)


def _trademark_dates(
    rng: random.Random, year: int, min_days: int, max_days: int
) -> tuple[dt.date, dt.date | None, dt.date | None]:
    """Filing, registration and (renewed) expiry dates of a mark filed in ``year``."""
    filed = _random_day(rng, year)
    registered = filed + dt.timedelta(days=rng.randint(min_days, max_days))
    if registered > AS_OF:
        return filed, None, None
    expires = _add_years(registered, 10) - dt.timedelta(days=1)
    while expires < AS_OF:  # owners of demo marks renew them
        expires = _add_years(expires + dt.timedelta(days=1), 10) - dt.timedelta(days=1)
    return filed, registered, expires


def _trademark_number(rng: random.Random, year: int, used: set[str]) -> str:
    low, high = _TRADEMARK_RANGES[year]
    while True:
        number = str(rng.randrange(low, high))
        if number not in used:
            used.add(number)
            return number


# ---------------------------------------------------------------------------------------------
# The plan: every row the demo wants, computed without touching the database
# ---------------------------------------------------------------------------------------------


def _read(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass
class _OrgSpec:
    kind: str
    name: str
    region_code: str
    short_name: str = ""
    name_en: str = ""
    parent: tuple[str, str] | None = None  # (kind, name) or ("enterprise", name)
    uscc: str = ""
    alliance_joined_on: dt.date | None = None
    is_key_enterprise: bool = False
    industry: str = ""
    brand: str = ""
    brand_latin: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.name)


@dataclass
class _IPSpec:
    owner: tuple[str, str]
    kind: str
    number: str
    title: str
    nice_class: int | None = None
    filed_on: dt.date | None = None
    granted_on: dt.date | None = None
    expires_on: dt.date | None = None


@dataclass
class _Plan:
    organizations: list[_OrgSpec] = field(default_factory=list)
    ip_rights: list[_IPSpec] = field(default_factory=list)


def build_plan() -> _Plan:
    """Everything the demo contains, drawn from one ``random.Random(SEED)`` in a fixed order."""
    rng = random.Random(SEED)
    plan = _Plan()
    orgs = plan.organizations
    for row in _read("demo_members.csv"):
        orgs.append(
            _OrgSpec(
                kind=Kind.BUREAU,
                name=row["name"],
                short_name=row["short_name"],
                name_en=row["name_en"],
                region_code=row["region_code"],
                alliance_joined_on=dt.date.fromisoformat(row["joined_on"]),
            )
        )
    known = {spec.name: spec.kind for spec in orgs}
    for row in _read("demo_zhangzhou_network.csv"):
        orgs.append(
            _OrgSpec(
                kind=row["kind"],
                name=row["name"],
                short_name=row["short_name"],
                name_en=row["name_en"],
                region_code=row["region_code"],
                parent=(known[row["parent"]], row["parent"]),
            )
        )
        known[row["name"]] = row["kind"]
    points = {spec.short_name: spec for spec in orgs if spec.kind == Kind.SERVICE_POINT}
    for name, name_en, region_code, *_rest in _GEOGRAPHICAL_INDICATIONS:
        # Social organisations registered by civil affairs: 51 + region + MJ… (DOMAIN §5.a).
        orgs.append(
            _OrgSpec(
                kind=Kind.OTHER,
                name=name,
                name_en=name_en,
                region_code=region_code,
                uscc=make_uscc(rng, "51", region_code, "MJ"),
            )
        )
    for row in _read("demo_enterprises.csv"):
        region_code = row["region_code"]
        registration_code = _LEGACY_REGISTRATION_CODES.get(region_code, region_code)
        point = points.get(row["service_point"])
        orgs.append(
            _OrgSpec(
                kind=Kind.ENTERPRISE,
                name=row["name"],
                short_name=row["short_name"],
                region_code=region_code,
                parent=point.key if point else None,
                uscc=make_uscc(rng, "91", registration_code, "MA" + rng.choice("23458")),
                is_key_enterprise=row["is_key"] == "1",
                industry=row["industry"],
                brand=row["brand"],
                brand_latin=row["brand_latin"],
            )
        )
    _plan_ip_rights(rng, plan)
    return plan


def _plan_ip_rights(rng: random.Random, plan: _Plan) -> None:
    rights = plan.ip_rights
    key_enterprises = [o for o in plan.organizations if o.is_key_enterprise]
    patents: set[str] = set()
    for org in key_enterprises:
        count = 3 if org.industry in _TECH_INDUSTRIES else 2
        for kind, title in rng.sample(_PATENT_TITLES[org.industry], count):
            year = rng.randint(2015, 2024)
            filed = _random_day(rng, year)
            delay = {_I: (540, 1300), _U: (120, 330), _D: (90, 270)}[kind]
            granted: dt.date | None = filed + dt.timedelta(days=rng.randint(*delay))
            if granted > AS_OF:
                granted = None
            rights.append(
                _IPSpec(
                    owner=org.key,
                    kind=kind,
                    number=make_patent_number(rng, kind, year, patents),
                    title=title,
                    filed_on=filed,
                    granted_on=granted,
                    expires_on=_patent_term_end(kind, filed) if granted else None,
                )
            )
    marks: set[str] = set()
    second_marks = set(rng.sample(range(len(key_enterprises)), 25))
    for index, org in enumerate(key_enterprises):
        first_class, second_class = _NICE_CLASSES[org.industry]
        year = rng.randint(2008, 2023)
        wanted = [(org.brand, first_class, year)]
        if index in second_marks:
            wanted.append((f"{org.brand} {org.brand_latin}", second_class, rng.randint(year, 2024)))
        for title, nice_class, filing_year in wanted:
            # Examination took 12–20 months before the 2017 reforms, 7–14 months since.
            span = (360, 600) if filing_year < 2017 else (210, 420)
            filed, registered, expires = _trademark_dates(rng, filing_year, *span)
            rights.append(
                _IPSpec(
                    owner=org.key,
                    kind=IPKind.TRADEMARK,
                    number=_trademark_number(rng, filing_year, marks),
                    title=title,
                    nice_class=nice_class,
                    filed_on=filed,
                    granted_on=registered,
                    expires_on=expires,
                )
            )
    for association, _en, _region, mark, nice_class, year in _GEOGRAPHICAL_INDICATIONS:
        filed, registered, expires = _trademark_dates(rng, year, 540, 900)
        rights.append(
            _IPSpec(
                owner=(Kind.OTHER, association),
                kind=IPKind.GEOGRAPHICAL_INDICATION,
                number=_trademark_number(rng, year, marks),
                title=f"{mark}（地理标志证明商标）",
                nice_class=nice_class,
                filed_on=filed,
                granted_on=registered,
                expires_on=expires,
            )
        )
    for owner, authority, year, category, title in _WORKS:
        filed = _random_day(rng, year)
        rights.append(
            _IPSpec(
                owner=(Kind.ENTERPRISE, owner),
                kind=IPKind.COPYRIGHT,
                number=f"{authority}作登字-{year}-{category}-{rng.randint(1, 99_999_999):08d}",
                title=title,
                filed_on=filed,
                granted_on=filed + dt.timedelta(days=rng.randint(20, 60)),
            )
        )
    for owner, year, title in _SOFTWARE:
        filed = _random_day(rng, year)
        rights.append(
            _IPSpec(
                owner=(Kind.ENTERPRISE, owner),
                kind=IPKind.SOFTWARE_COPYRIGHT,
                number=f"{year}SR{rng.randint(1, 2_999_999):07d}",
                title=title,
                filed_on=filed,
                granted_on=filed + dt.timedelta(days=rng.randint(20, 90)),
            )
        )


# ---------------------------------------------------------------------------------------------
# Writing the plan
# ---------------------------------------------------------------------------------------------


_FOREIGN_KEYS = ["region", "parent", "owner", "user", "organization"]


class _Writer:
    """Saves a row only when it is new or differs from the plan (so reloading writes nothing)."""

    def __init__(self) -> None:
        self.created = 0
        self.updated = 0
        self.unchanged = 0

    def sync(self, model, existing, values: dict[str, Any], *, clean: bool = True):
        if existing is not None and all(getattr(existing, k) == v for k, v in values.items()):
            self.unchanged += 1
            return existing
        obj = existing if existing is not None else model()
        for name, value in values.items():
            setattr(obj, name, value)
        if clean:
            # Field and model validation (USCC and number checksums, normalisation). Foreign
            # keys were resolved from the database and the check/unique constraints are
            # enforced by it; validating those in Python would cost a query each.
            obj.full_clean(exclude=_FOREIGN_KEYS, validate_constraints=False)
        obj.save()
        if existing is None:
            self.created += 1
        else:
            self.updated += 1
        return obj


def _sync_organizations(plan: _Plan, writer: _Writer) -> dict[tuple[str, str], Organization]:
    specs = plan.organizations
    codes = {spec.region_code for spec in specs}
    regions = dict(Region.objects.filter(code__in=codes).values_list("code", "pk"))
    missing = sorted(codes - regions.keys())
    if missing:
        raise LookupError(f"regions missing from the reference data: {', '.join(missing)}")
    existing: dict[tuple[str, str], Organization] = {}
    usccs = [s.uscc for s in specs if s.kind == Kind.ENTERPRISE]
    for org in Organization.objects.filter(kind=Kind.ENTERPRISE, uscc__in=usccs):
        existing[(Kind.ENTERPRISE, org.uscc)] = org
    names = [s.name for s in specs if s.kind != Kind.ENTERPRISE]
    others = Organization.objects.filter(name__in=names).exclude(kind=Kind.ENTERPRISE)
    for org in others.order_by("-pk"):  # the oldest row wins if a name is duplicated
        existing[(org.kind, org.name)] = org
    saved: dict[tuple[str, str], Organization] = {}
    for spec in specs:  # parents come before their children in the plan
        natural_key = (Kind.ENTERPRISE, spec.uscc) if spec.kind == Kind.ENTERPRISE else spec.key
        values = {
            "kind": spec.kind,
            "name": spec.name,
            "short_name": spec.short_name,
            "name_en": spec.name_en,
            "region_id": regions[spec.region_code],
            "parent_id": saved[spec.parent].pk if spec.parent else None,
            "uscc": spec.uscc,
            "alliance_joined_on": spec.alliance_joined_on,
            "is_key_enterprise": spec.is_key_enterprise,
            "is_active": True,
        }
        saved[spec.key] = writer.sync(Organization, existing.get(natural_key), values)
    return saved


def _sync_ip_rights(
    plan: _Plan, writer: _Writer, orgs: dict[tuple[str, str], Organization]
) -> None:
    numbers = [spec.number for spec in plan.ip_rights]
    existing = {
        (ip.kind, ip.number): ip for ip in IntellectualProperty.objects.filter(number__in=numbers)
    }
    for spec in plan.ip_rights:
        values = {
            "owner_id": orgs[spec.owner].pk,
            "kind": spec.kind,
            "number": spec.number,
            "title": spec.title,
            "nice_class": spec.nice_class,
            "filed_on": spec.filed_on,
            "granted_on": spec.granted_on,
            "expires_on": spec.expires_on,
        }
        writer.sync(IntellectualProperty, existing.get((spec.kind, spec.number)), values)


def _sync_accounts(writer: _Writer, orgs: dict[tuple[str, str], Organization]) -> tuple[int, int]:
    User = get_user_model()
    password = settings.DEMO_PASSWORD
    users = {u.username: u for u in User.objects.filter(username__in=list(_ACCOUNT_DETAILS))}
    # One hash for all demo users: PBKDF2 is deliberately slow, and each distinct stored hash
    # is checked once per load.
    checked: dict[str, bool] = {}
    shared_hash: str | None = None
    court = Organization.objects.get(kind=Kind.COURT, court_code=COURT_CODE)
    wanted: list[tuple[Any, Organization, str]] = []
    for username, (last_name, first_name, is_superuser, memberships) in _ACCOUNT_DETAILS.items():
        user = users.get(username)
        values: dict[str, Any] = {
            "username": username,
            "first_name": first_name,
            "last_name": last_name,
            "email": f"{username}@{EMAIL_DOMAIN}",
            "is_staff": is_superuser,
            "is_superuser": is_superuser,
            "is_active": True,
        }
        encoded = user.password if user is not None else ""
        if encoded not in checked:
            checked[encoded] = bool(encoded) and check_password(password, encoded)
        if not checked[encoded]:
            shared_hash = shared_hash or make_password(password)
            values["password"] = shared_hash
        user = writer.sync(User, user, values, clean=False)
        for ref, role in memberships:
            if ref[0] == "court":
                org = court
            elif ref[0] == "enterprise":
                org = orgs[(Kind.ENTERPRISE, ref[1])]
            else:
                org = orgs[(ref[1], ref[2])]
            wanted.append((user, org, role))
    existing = {
        (m.user_id, m.organization_id, m.role): m
        for m in Membership.objects.filter(user__in=[u for u, _o, _r in wanted])
    }
    for user, org, role in wanted:
        values = {"user_id": user.pk, "organization_id": org.pk, "role": role, "is_active": True}
        writer.sync(Membership, existing.get((user.pk, org.pk, role)), values)
    return len(_ACCOUNT_DETAILS), len(wanted)


def load(*, stdout=None) -> dict[str, int]:
    """Create or refresh the demo alliance; return the number of demo rows per object type.

    Idempotent: running it again leaves exactly the same rows (see the module docstring).
    Needs the reference data (regions, courts) that the alliance data migration loads.
    """
    plan = build_plan()
    writer = _Writer()
    with transaction.atomic():
        orgs = _sync_organizations(plan, writer)
        _sync_ip_rights(plan, writer, orgs)
        users, memberships = _sync_accounts(writer, orgs)
    specs = plan.organizations
    rights = plan.ip_rights
    counts = {
        "member_bureaus": sum(1 for s in specs if s.alliance_joined_on),
        "protection_centers": sum(1 for s in specs if s.kind == Kind.PROTECTION_CENTER),
        "mediation_committees": sum(1 for s in specs if s.kind == Kind.MEDIATION_COMMITTEE),
        "service_points": sum(1 for s in specs if s.kind == Kind.SERVICE_POINT),
        "other_organizations": sum(1 for s in specs if s.kind == Kind.OTHER),
        "key_enterprises": sum(1 for s in specs if s.is_key_enterprise),
        "other_enterprises": sum(
            1 for s in specs if s.kind == Kind.ENTERPRISE and not s.is_key_enterprise
        ),
        "patents": sum(1 for r in rights if r.kind in IntellectualProperty.PATENT_KINDS),
        "trademarks": sum(1 for r in rights if r.kind == IPKind.TRADEMARK),
        "geographical_indications": sum(
            1 for r in rights if r.kind == IPKind.GEOGRAPHICAL_INDICATION
        ),
        "copyrights": sum(
            1 for r in rights if r.kind in (IPKind.COPYRIGHT, IPKind.SOFTWARE_COPYRIGHT)
        ),
        "users": users,
        "memberships": memberships,
    }
    if stdout is not None:
        stdout.write(
            f"  alliance demo rows: {writer.created} created, {writer.updated} updated, "
            f"{writer.unchanged} unchanged"
        )
    # Issue 5 (collaboration) and issue 7 part 8 (city IP indicators) build on this module.
    from alliance import demo_collaboration, demo_indicators

    counts |= demo_indicators.load(stdout=stdout)
    return counts | demo_collaboration.load(stdout=stdout)
