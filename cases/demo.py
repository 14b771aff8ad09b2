"""Demo mediation cases for ``python manage.py load_demo`` (runs after ``alliance.demo``).

About a hundred fictional IP disputes in every workflow state: most at the Zhangzhou mediation
committee and bureau, some at the partner bureau in Shenyang (for the ``partner`` account) and
at least one at every other member bureau; many are cross-region (parties from other cities
and provinces). Parties are the demo enterprises (valid USCCs) and fictional natural persons
with checksum-valid resident ID numbers; rights are the demo IP rights.

Rules the loader keeps:

* **Through the services** — every case is created, filled, assigned, scheduled, agreed and
  moved through the workflow by ``cases.services`` as the demo user who would do it, so
  numbers, timeline events, history and cross-region flags are real. To give the cases a
  believable past, the steps of all cases are replayed in date order on a simulated clock
  (``django.utils.timezone.now`` is patched only while the loader runs): a case received in
  March has a March number, received date and timeline. Mail notifications are not sent.
* **Deterministic** — one ``random.Random(SEED)`` draws every value in a fixed order over
  rows read in a fixed order; dates are working days counted back from the day of loading.
* **Idempotent** — if any demo case already exists, nothing is written. The whole load is one
  transaction, so there is never half a demo.
* **Few accounts** — the demo ``mediator`` (committee and bureau), ``clerk`` (bureau) and
  ``partner`` (Shenyang) act where they belong; the other bureaus and the committee get
  mediators without a usable password (they cannot log in), granted by the demo ``admin``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from unittest import mock

from django.contrib.auth import get_user_model
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from alliance import demo as alliance_demo
from alliance import services as alliance_services
from alliance.models import IntellectualProperty, Membership, Organization, Region
from cases import services
from cases.choices import (
    DisputeType,
    MediationKind,
    PartyKind,
    PartyRole,
    SessionOutcome,
    Source,
    Status,
)
from cases.models import CaseNumbering, MediationCase

SEED = 2026
Kind = Organization.Kind
IPKind = IntellectualProperty.Kind
Role = Membership.Role
D = DisputeType

COMMITTEE_ROOMS = [
    "漳州市知识产权纠纷人民调解委员会 第一调解室",
    "漳州市知识产权纠纷人民调解委员会 第二调解室",
    "漳州市知识产权保护中心 多功能调解室",
]
BUREAU_NUMBER_TEMPLATE = "漳市监知调〔{year}〕第{seq:04d}号"
#: Extra mediators of the committee (no usable password): username → (last, first name).
COMMITTEE_MEDIATORS = {"zz_mediator_lin": ("林", "清华"), "zz_mediator_zheng": ("郑", "晓梅")}

# Chinese 案由 (cause of action) per dispute type, used in case titles (DOMAIN §3.2).
_CAUSE = {
    D.INVENTION_INFRINGEMENT: "侵害发明专利权纠纷",
    D.UTILITY_MODEL_INFRINGEMENT: "侵害实用新型专利权纠纷",
    D.DESIGN_INFRINGEMENT: "侵害外观设计专利权纠纷",
    D.PATENT_OWNERSHIP: "专利权权属纠纷",
    D.INVENTOR_REMUNERATION: "职务发明创造发明人报酬纠纷",
    D.PATENT_CONTRACT: "专利实施许可合同纠纷",
    D.TRADEMARK_INFRINGEMENT: "侵害商标权纠纷",
    D.TRADEMARK_OWNERSHIP: "商标权权属纠纷",
    D.GI_INFRINGEMENT: "侵害地理标志证明商标专用权纠纷",
    D.COPYRIGHT_INFRINGEMENT: "侵害著作权纠纷",
    D.TRADE_SECRET: "侵害技术秘密纠纷",
    D.UNFAIR_COMPETITION: "仿冒混淆纠纷",
}
_INFRINGEMENT_BY_KIND = {
    IPKind.INVENTION_PATENT: D.INVENTION_INFRINGEMENT,
    IPKind.UTILITY_MODEL: D.UTILITY_MODEL_INFRINGEMENT,
    IPKind.DESIGN_PATENT: D.DESIGN_INFRINGEMENT,
    IPKind.TRADEMARK: D.TRADEMARK_INFRINGEMENT,
    IPKind.GEOGRAPHICAL_INDICATION: D.GI_INFRINGEMENT,
    IPKind.COPYRIGHT: D.COPYRIGHT_INFRINGEMENT,
    IPKind.SOFTWARE_COPYRIGHT: D.COPYRIGHT_INFRINGEMENT,
}
_SURNAMES = "陈林黄张李王吴刘蔡杨郑许洪曾周谢赖徐庄苏何郭沈叶卢方江游戴"
_MALE = ["志明", "建华", "国强", "文斌", "伟", "俊杰", "海峰", "永福", "进财", "家豪", "振宇"]
_FEMALE = ["秀英", "丽华", "雅琴", "美玲", "晓燕", "婷婷", "慧敏", "淑芬", "静怡", "春梅"]
_ROADS = ["胜利路", "新华北路", "人民路", "建设路", "中山路", "解放路", "和平路", "滨江路"]
_LAW_FIRMS = [f"福建{name}律师事务所" for name in ("九龙江", "漳信", "芗城", "闽南")]
_PLATFORMS = ["淘宝", "京东", "拼多多", "抖音电商", "1688"]
_DECLINE_REASONS = [
    "该纠纷已由人民法院立案受理，依照《人民调解法》第十八条不再受理调解申请。",
    "被申请人明确拒绝调解（《人民调解法》第十七条），本会不予受理。",
    "申请事项不属于知识产权纠纷，已告知申请人向有关部门反映。",
]
_WITHDRAW_REASONS = [
    "双方已自行协商和解，申请人提交书面撤回调解申请书。",
    "申请人决定直接向人民法院提起诉讼，书面申请撤回调解。",
    "被申请人已下架全部涉案商品并致歉，申请人撤回调解申请。",
]
_FAIL_REASONS = [
    "双方就赔偿数额差距过大，经两次调解未能达成协议，已告知当事人可依法向人民法院起诉。",
    "被申请人对侵权事实有异议并拒绝继续调解，调解终止，已告知当事人其他救济途径。",
    "被申请人经通知两次未到场参加调解，视为拒绝调解，调解终止。",
]


# ---------------------------------------------------------------------------------------------
# Identifiers and small pieces
# ---------------------------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def make_resident_id(rng: random.Random, region_code: str, *, male: bool) -> str:
    """An 18-character resident ID number with a valid GB 11643 check character; the sequence
    number is odd for men and even for women."""
    born = dt.date(1962, 1, 1) + dt.timedelta(days=rng.randrange(365 * 38))
    seq = rng.randrange(0, 999, 2) + (1 if male else 0)
    first17 = f"{region_code}{born:%Y%m%d}{min(seq, 999):03d}"
    check = "10X98765432"[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]
    return first17 + check


def _money(rng: random.Random, low: int, high: int, step: int = 1000) -> Decimal:
    return Decimal(rng.randrange(low, high + 1, step)).quantize(Decimal("0.01"))


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"


@dataclass
class _Person:
    name: str
    id_number: str
    region: Region
    address: str
    phone: str


def _person(rng: random.Random, region: Region) -> _Person:
    male = rng.random() < 0.6
    name = rng.choice(_SURNAMES) + rng.choice(_MALE if male else _FEMALE)
    # The regions table lists counties for Fujian only; elsewhere a district of the city.
    if region.level == Region.Level.CITY:
        id_region = region.code[:4] + rng.choice(["02", "03", "04"])
    else:
        id_region = region.code
    address = f"{region.name}{rng.choice(_ROADS)}{rng.randint(1, 300)}号"
    return _Person(name, make_resident_id(rng, id_region, male=male), region, address, _phone(rng))


def _agent(rng: random.Random) -> tuple[str, str]:
    name = rng.choice(_SURNAMES) + rng.choice(_MALE + _FEMALE)
    return f"{name}（{rng.choice(_LAW_FIRMS)}律师）", _phone(rng)


# ---------------------------------------------------------------------------------------------
# The plan: what each case is about and how far it gets
# ---------------------------------------------------------------------------------------------


@dataclass
class _CaseSpec:
    org: Organization
    creator: str
    mediators: list[str]
    target: str
    title: str
    facts: str
    dispute_type: str
    mediation_kind: str
    source: str
    claim_amount: Decimal | None
    is_online: bool
    parties: list[dict[str, Any]]
    rights: list[dict[str, Any]]
    settle_amount: Decimal | None = None
    terms: str = ""
    place: str = ""


@dataclass
class _World:
    committee: Organization
    bureau: Organization
    partner: Organization
    bureaus: list[Organization]
    key_enterprises: list[Organization]
    other_enterprises: list[Organization]
    associations: list[Organization]
    rights: dict[int, list[IntellectualProperty]]
    zz_counties: list[Region]
    used_titles: set[str] = field(default_factory=set)


def _read_world() -> _World:
    """The demo alliance's rows (only those ``alliance.demo`` plans, so organisations and
    rights added by users later never change the case plan)."""
    plan = alliance_demo.build_plan()
    usccs = {spec.uscc for spec in plan.organizations if spec.kind == Kind.ENTERPRISE}
    numbers = {spec.number for spec in plan.ip_rights}
    orgs = Organization.objects.select_related("region").order_by("pk")

    def named(kind: str, name: str) -> Organization:
        return orgs.filter(kind=kind, name=name)[:1].get()  # the oldest, as alliance.demo

    committee = named(Kind.MEDIATION_COMMITTEE, alliance_demo.MEDIATION_COMMITTEE)
    bureau = named(Kind.BUREAU, alliance_demo.ZHANGZHOU_BUREAU)
    partner = named(Kind.BUREAU, alliance_demo.PARTNER_BUREAU)
    members = {spec.name for spec in plan.organizations if spec.alliance_joined_on}
    bureaus = list(orgs.filter(kind=Kind.BUREAU, name__in=members).order_by("region__code"))
    enterprises = list(orgs.filter(kind=Kind.ENTERPRISE, uscc__in=usccs).order_by("uscc"))
    rights: dict[int, list[IntellectualProperty]] = {}
    for ip in IntellectualProperty.objects.filter(number__in=numbers).order_by("kind", "number"):
        rights.setdefault(ip.owner_id, []).append(ip)
    gi_owners = {
        ip.owner_id
        for owned in rights.values()
        for ip in owned
        if ip.kind == IPKind.GEOGRAPHICAL_INDICATION
    }
    return _World(
        committee=committee,
        bureau=bureau,
        partner=partner,
        bureaus=bureaus,
        key_enterprises=[e for e in enterprises if e.is_key_enterprise and e.pk in rights],
        other_enterprises=[e for e in enterprises if not e.is_key_enterprise],
        associations=list(orgs.filter(pk__in=gi_owners).order_by("name")),
        rights=rights,
        zz_counties=list(
            Region.objects.filter(parent__code="350600", level=Region.Level.COUNTY)
            .exclude(valid_to__isnull=False)
            .order_by("code")
        ),
    )


def _org_party(role: str, org: Organization, rng: random.Random, agent: bool = True) -> dict:
    party: dict[str, Any] = {"role": role, "kind": PartyKind.ORGANIZATION, "organization": org}
    if agent and rng.random() < 0.6:
        party["agent_name"], party["agent_phone"] = _agent(rng)
    return party


def _person_party(role: str, person: _Person) -> dict:
    return {
        "role": role,
        "kind": PartyKind.PERSON,
        "name": person.name,
        "id_number": person.id_number,
        "region": person.region,
        "address": person.address,
        "phone": person.phone,
    }


def _unique_title(world: _World, title: str) -> str:
    candidate, n = title, 1
    while candidate in world.used_titles:
        n += 1
        candidate = f"{title}（{'一二三四五六七八九'[n - 1]}）"
    world.used_titles.add(candidate)
    return candidate


def _shop(rng: random.Random, name: str) -> str:
    suffix = rng.choice(["优品", "精选", "旗舰", "百货"])
    return f"{rng.choice(_PLATFORMS)}平台店铺“{name[:2]}{suffix}店”"


def _infringement_case(
    rng: random.Random,
    world: _World,
    applicant: Organization,
    respondent: Organization | _Person,
) -> dict[str, Any]:
    """An enterprise's registered right infringed by a seller or maker."""
    ip = rng.choice(world.rights[applicant.pk])
    dispute = _INFRINGEMENT_BY_KIND[ip.kind]
    r_name = respondent.name
    claim = _money(rng, 20_000, 300_000) if ip.kind != IPKind.INVENTION_PATENT else None
    if claim is None:
        claim = _money(rng, 150_000, 800_000, 10_000)
    if ip.kind in IntellectualProperty.PATENT_KINDS:
        what = {
            IPKind.DESIGN_PATENT: "外观设计与涉案专利相近似",
            IPKind.UTILITY_MODEL: "技术方案落入涉案实用新型专利权利要求1的保护范围",
            IPKind.INVENTION_PATENT: "使用的方法落入涉案发明专利权利要求的保护范围",
        }[ip.kind]
        facts = (
            f"申请人系“{ip.title}”专利（专利号ZL{ip.number}）的专利权人。申请人发现被申请人"
            f"在{_shop(rng, r_name)}销售的产品{what}，已于{rng.randint(1, 12)}月委托公证处"
            f"进行公证购买。申请人请求被申请人立即停止制造、销售侵权产品，销毁库存，并赔偿经济"
            f"损失及维权合理开支共计人民币{_yuan(claim)}元。"
        )
    elif ip.kind == IPKind.GEOGRAPHICAL_INDICATION:
        facts = (
            f"申请人系“{ip.title}”的注册人（注册号第{ip.number}号）。被申请人未经许可，在其"
            f"销售的柚类、茶类产品包装上使用“{ip.title.split('（')[0]}”标识，所售产品并非产自"
            f"地理标志保护区域，易使消费者误认。申请人请求被申请人停止使用涉案标志、下架相关商品"
            f"并赔偿经济损失人民币{_yuan(claim)}元。"
        )
    elif ip.kind == IPKind.TRADEMARK:
        facts = (
            f"申请人系第{ip.number}号“{ip.title}”注册商标（第{ip.nice_class}类）的权利人。"
            f"被申请人在{_shop(rng, r_name)}销售的商品上使用与申请人注册商标近似的标识，"
            f"销量已逾{rng.randint(3, 60) * 100}件。申请人请求被申请人停止侵权、下架商品、"
            f"公开致歉，并赔偿经济损失人民币{_yuan(claim)}元。"
        )
    else:
        facts = (
            f"申请人享有作品“{ip.title}”（登记号{ip.number}）的著作权。被申请人未经许可复制"
            f"并在{_shop(rng, r_name)}的商品及宣传页面中使用该作品。申请人请求被申请人停止"
            f"使用、删除相关页面并赔偿经济损失人民币{_yuan(claim)}元。"
        )
    return {
        "dispute_type": dispute,
        "facts": facts,
        "claim_amount": claim,
        "rights": [{"intellectual_property": ip}],
        "cause": _CAUSE[dispute]
        if ip.kind != IPKind.SOFTWARE_COPYRIGHT
        else "侵害计算机软件著作权纠纷",
    }


def _special_case(
    rng: random.Random,
    world: _World,
    enterprise: Organization,
    person: _Person,
    kind: str | None = None,
) -> dict[str, Any]:
    """Disputes between an enterprise and a (former) employee: ownership, remuneration,
    trade secrets — the applicant is given by the ``applicant`` key."""
    patents = [
        ip for ip in world.rights[enterprise.pk] if ip.kind in IntellectualProperty.PATENT_KINDS
    ]
    ip = rng.choice(patents) if patents else rng.choice(world.rights[enterprise.pk])
    kind = kind or rng.choice(["ownership", "remuneration", "secret", "contract"])
    if kind == "ownership" and ip.kind in IntellectualProperty.PATENT_KINDS:
        claim = None
        return {
            "dispute_type": D.PATENT_OWNERSHIP,
            "applicant": "enterprise",
            "facts": (
                f"被申请人原系申请人技术部工程师，于离职后一年内以个人名义申请并取得“{ip.title}”"
                f"专利（专利号ZL{ip.number}）。申请人认为该发明创造系被申请人在职期间执行本单位"
                f"任务完成的职务发明，请求确认该专利权归申请人所有，并由被申请人配合办理著录项目"
                f"变更手续。"
            ),
            "claim_amount": claim,
            "rights": [{"intellectual_property": ip}],
        }
    if kind == "remuneration" and ip.kind in IntellectualProperty.PATENT_KINDS:
        claim = _money(rng, 30_000, 200_000)
        return {
            "dispute_type": D.INVENTOR_REMUNERATION,
            "applicant": "person",
            "facts": (
                f"申请人系“{ip.title}”专利（专利号ZL{ip.number}）的发明人，该专利系职务发明，"
                f"专利权人为被申请人。该专利实施后被申请人获得了较好的经济效益，但未按《专利法》"
                f"第十五条及单位制度支付报酬。申请人请求被申请人支付职务发明报酬人民币"
                f"{_yuan(claim)}元。"
            ),
            "claim_amount": claim,
            "rights": [{"intellectual_property": ip}],
        }
    if kind == "contract" and ip.kind in IntellectualProperty.PATENT_KINDS:
        claim = _money(rng, 50_000, 400_000, 5000)
        return {
            "dispute_type": D.PATENT_CONTRACT,
            "applicant": "enterprise",
            "facts": (
                f"申请人将“{ip.title}”专利（专利号ZL{ip.number}）以普通许可方式许可被申请人"
                f"实施，约定按年支付许可使用费。合同履行期间被申请人拖欠许可使用费人民币"
                f"{_yuan(claim)}元，经催告仍未支付。申请人请求被申请人支付所欠费用及违约金。"
            ),
            "claim_amount": claim,
            "rights": [{"intellectual_property": ip}],
        }
    claim = _money(rng, 100_000, 600_000, 10_000)
    return {
        "dispute_type": D.TRADE_SECRET,
        "applicant": "enterprise",
        "facts": (
            f"被申请人原系申请人生产技术主管，接触并掌握申请人的工艺配方及关键工艺参数，签有"
            f"保密协议。离职后，被申请人将上述技术信息用于他人生产同类产品。申请人请求被申请人"
            f"停止披露、使用涉案技术秘密，并赔偿经济损失人民币{_yuan(claim)}元。"
        ),
        "claim_amount": claim,
        "rights": [
            {"kind": IPKind.TRADE_SECRET, "description": f"{enterprise.short_name}生产工艺技术信息"}
        ],
    }


def _agreement_terms(
    rng: random.Random, dispute: str, applicant: str, respondent: str, amount: Decimal
) -> str:
    if dispute == D.PATENT_OWNERSHIP:
        return (
            f"一、双方确认涉案专利系职务发明创造，专利权归{applicant}所有；"
            f"二、{respondent}于本协议生效之日起十五日内配合办理专利权人变更手续；"
            f"三、{applicant}一次性向{respondent}支付发明人奖励人民币{_yuan(amount)}元；"
            f"四、双方就本纠纷再无其他争议。"
        )
    if dispute in (D.INVENTOR_REMUNERATION, D.PATENT_CONTRACT):
        return (
            f"一、{respondent}于本协议签订之日起三十日内向{applicant}支付人民币{_yuan(amount)}元；"
            f"二、{applicant}收到上述款项后，双方就本纠纷再无其他争议；"
            f"三、任何一方不履行本协议的，另一方可依法向人民法院起诉或申请司法确认后强制执行。"
        )
    return (
        f"一、{respondent}确认其行为构成侵权，自本协议签订之日起停止销售、下架全部涉案商品，"
        f"并销毁库存；"
        f"二、{respondent}于{rng.choice(['十五', '二十', '三十'])}日内向{applicant}一次性支付"
        f"赔偿款及合理开支共计人民币{_yuan(amount)}元；"
        f"三、{respondent}承诺今后不再实施侵犯{applicant}知识产权的行为，如再次侵权，"
        f"自愿支付违约金人民币{_yuan(amount * 2)}元；"
        f"四、双方就本纠纷再无其他争议。"
    )


def _spec(
    rng: random.Random,
    world: _World,
    *,
    org: Organization,
    creator: str,
    mediators: list[str],
    target: str,
    applicant: Organization,
    respondent: Organization | _Person,
    mediation_kind: str,
    source: str,
    special_person: _Person | None = None,
    special_kind: str | None = None,
) -> _CaseSpec:
    if special_person is not None:
        content = _special_case(rng, world, applicant, special_person, special_kind)
        if content["applicant"] == "person":
            first: dict = _person_party(PartyRole.APPLICANT, special_person)
            second: dict = _org_party(PartyRole.RESPONDENT, applicant, rng)
            a_name, r_name = special_person.name, applicant.name
        else:
            first = _org_party(PartyRole.APPLICANT, applicant, rng)
            second = _person_party(PartyRole.RESPONDENT, special_person)
            a_name, r_name = applicant.name, special_person.name
        cause = _CAUSE[content["dispute_type"]]
    else:
        content = _infringement_case(rng, world, applicant, respondent)
        first = _org_party(PartyRole.APPLICANT, applicant, rng)
        if isinstance(respondent, Organization):
            second = _org_party(PartyRole.RESPONDENT, respondent, rng)
        else:
            second = _person_party(PartyRole.RESPONDENT, respondent)
        a_name, r_name = applicant.name, respondent.name
        cause = content["cause"]
    parties = [first, second]
    if source in (Source.COURT_DELEGATION, Source.COURT_ENTRUSTMENT):
        content["facts"] += (
            "本案由漳州市中级人民法院"
            + ("于立案前委派" if source == Source.COURT_DELEGATION else "立案后委托")
            + "本会调解。"
        )
    claim = content["claim_amount"]
    if content["dispute_type"] == D.PATENT_OWNERSHIP:
        settle = _money(rng, 10_000, 50_000)
    else:
        # 35–85 % of the claim, in whole thousands of yuan.
        thousands = (claim * rng.randint(35, 85) / 100_000).quantize(Decimal("1"))
        settle = (thousands * 1000).quantize(Decimal("0.01"))
    title = _unique_title(world, f"{a_name}与{r_name}{cause}")
    is_online = rng.random() < 0.45 or org.region.code[:2] != "35"
    return _CaseSpec(
        org=org,
        creator=creator,
        mediators=mediators,
        target=target,
        title=title,
        facts=content["facts"],
        dispute_type=content["dispute_type"],
        mediation_kind=mediation_kind,
        source=source,
        claim_amount=claim,
        is_online=is_online,
        parties=parties,
        rights=content["rights"],
        settle_amount=settle,
        terms=_agreement_terms(rng, content["dispute_type"], a_name, r_name, settle),
        place=rng.choice(COMMITTEE_ROOMS) if org.kind == Kind.MEDIATION_COMMITTEE else "",
    )


# Status mix per handling organisation (every status appears at the committee).
_COMMITTEE_TARGETS = (
    ["draft"] * 4
    + ["submitted"] * 6
    + ["accepted"] * 5
    + ["mediating"] * 9
    + ["settled"] * 5
    + ["failed"] * 4
    + ["declined"] * 3
    + ["withdrawn"] * 4
    + ["closed"] * 10
)
_BUREAU_TARGETS = [
    "draft",
    "submitted",
    "submitted",
    "accepted",
    "mediating",
    "mediating",
    "settled",
    "failed",
    "declined",
    "withdrawn",
    "closed",
    "closed",
]
_PARTNER_TARGETS = ["submitted", "accepted", "mediating", "settled", "closed"]
_OTHER_TARGETS = [
    "closed",
    "settled",
    "mediating",
    "submitted",
    "closed",
    "accepted",
    "failed",
    "withdrawn",
    "closed",
    "draft",
    "declined",
    "settled",
]
#: Member bureaus (by city code) that handle a second case: they have local enterprises.
_BUSY_CITIES = {"350200", "350500", "330300", "440500", "320500", "360700"}


def _other_mediator(org: Organization) -> str:
    return f"mediator_{org.region.code}"


def build_plan(world: _World) -> list[_CaseSpec]:
    """Every demo case, drawn from one ``random.Random(SEED)`` in a fixed order."""
    rng = random.Random(SEED)
    specs: list[_CaseSpec] = []
    keys = world.key_enterprises
    others = world.other_enterprises
    committee_team = ["mediator", *COMMITTEE_MEDIATORS]

    # The committee: local and cross-region disputes, some delegated by the court.
    targets = list(_COMMITTEE_TARGETS)
    rng.shuffle(targets)
    ownership_left = 4  # settled ownership disputes: agreements courts will not confirm
    for index, target in enumerate(targets):
        applicant = keys[(index * 7) % len(keys)]
        roll = rng.random()
        special, special_kind = None, None
        respondent: Organization | _Person
        if ownership_left and target in ("settled", "closed"):
            ownership_left -= 1
            special = _person(rng, rng.choice(world.zz_counties))
            special_kind, respondent = "ownership", special
        elif roll < 0.30:
            respondent = rng.choice(others)  # an enterprise in another city or province
        elif roll < 0.45:
            city = rng.choice(others).region  # a seller elsewhere
            respondent = _person(rng, city)
        elif roll < 0.62:
            special = _person(rng, rng.choice(world.zz_counties))
            respondent = special
        elif roll < 0.75:
            respondent = rng.choice([k for k in keys if k.pk != applicant.pk])
        else:
            respondent = _person(rng, rng.choice(world.zz_counties))
        source = rng.choice(
            [Source.DIRECT] * 5 + [Source.COURT_DELEGATION] * 2 + [Source.ALLIANCE_COLLABORATION]
        )
        kind = (
            MediationKind.COURT_DELEGATED
            if source == Source.COURT_DELEGATION
            else MediationKind.PEOPLES
        )
        # The demo mediator carries most open cases (their "my cases" list).
        lead = "mediator" if index % 3 != 2 else rng.choice(committee_team[1:])
        specs.append(
            _spec(
                rng,
                world,
                org=world.committee,
                creator=rng.choice(committee_team),
                mediators=[lead],
                target=target,
                applicant=applicant,
                respondent=respondent,
                mediation_kind=kind,
                source=source,
                special_person=special,
                special_kind=special_kind,
            )
        )

    # The Zhangzhou bureau: administrative mediation, registered by the clerk.
    for index, target in enumerate(_BUREAU_TARGETS):
        applicant = keys[(index * 11 + 3) % len(keys)]
        if index % 2:
            respondent = rng.choice(others)
        else:
            respondent = _person(rng, rng.choice(world.zz_counties))
        specs.append(
            _spec(
                rng,
                world,
                org=world.bureau,
                creator="clerk",
                mediators=["mediator"],
                target=target,
                applicant=applicant,
                respondent=respondent,
                mediation_kind=MediationKind.ADMINISTRATIVE,
                source=rng.choice([Source.DIRECT, Source.ADMINISTRATIVE_REFERRAL]),
            )
        )

    # The partner bureau (Shenyang): Zhangzhou fruit and marks sold in the north-east.
    shenyang = [e for e in others if e.region_id == world.partner.region_id]
    for index, target in enumerate(_PARTNER_TARGETS):
        if index % 2 == 0 and world.associations:
            applicant = world.associations[index % len(world.associations)]
        else:
            applicant = keys[(index * 5 + 1) % len(keys)]
        respondent = shenyang[0] if shenyang and index < 2 else _person(rng, world.partner.region)
        specs.append(
            _spec(
                rng,
                world,
                org=world.partner,
                creator="partner",
                mediators=["partner"],
                target=target,
                applicant=applicant,
                respondent=respondent,
                mediation_kind=MediationKind.ADMINISTRATIVE,
                source=Source.ALLIANCE_COLLABORATION,
            )
        )

    # Every other member bureau: a Zhangzhou right infringed in its city.
    position = 0
    for bureau in world.bureaus:
        if bureau.pk in (world.bureau.pk, world.partner.pk):
            continue
        local = [e for e in others if e.region_id == bureau.region_id]
        for round_ in range(2 if bureau.region.code in _BUSY_CITIES else 1):
            target = _OTHER_TARGETS[position % len(_OTHER_TARGETS)]
            position += 1
            applicant = rng.choice(keys)
            respondent = local[0] if local and round_ == 0 else _person(rng, bureau.region)
            user = _other_mediator(bureau)
            specs.append(
                _spec(
                    rng,
                    world,
                    org=bureau,
                    creator=user,
                    mediators=[user],
                    target=target,
                    applicant=applicant,
                    respondent=respondent,
                    mediation_kind=MediationKind.ADMINISTRATIVE,
                    source=rng.choice([Source.ALLIANCE_COLLABORATION, Source.DIRECT]),
                )
            )
    return specs


# ---------------------------------------------------------------------------------------------
# Replaying the plan through the services on a simulated clock
# ---------------------------------------------------------------------------------------------


def _is_workday(day: dt.date) -> bool:
    return day.weekday() < 5


def _workdays_back(day: dt.date, n: int) -> dt.date:
    while n > 0 or not _is_workday(day):
        day -= dt.timedelta(days=1)
        if _is_workday(day):
            n -= 1
    return day


def _workdays_forward(day: dt.date, n: int) -> dt.date:
    while n > 0 or not _is_workday(day):
        day += dt.timedelta(days=1)
        if _is_workday(day):
            n -= 1
    return day


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@dataclass
class _Step:
    when: dt.datetime
    order: tuple[int, int]
    run: Callable[[], None]


def _timeline(
    spec: _CaseSpec, index: int, rng: random.Random, users: dict[str, Any], today: dt.date
) -> list[_Step]:
    """The service calls that bring one case to its target state, with their times."""
    target = spec.target
    creator, lead = users[spec.creator], users[spec.mediators[0]]
    state: dict[str, Any] = {}
    # Working days each stage takes; drawn first so the case's last step falls before today.
    gaps = {
        "submit": rng.randint(0, 2),
        "decline": rng.randint(1, 4),
        "accept": rng.randint(1, 4),
        "withdraw": rng.randint(1, 5),
        "schedule": rng.randint(1, 3),
        "session": rng.randint(3, 8),
        "second": rng.randint(5, 10),
        "fail": rng.randint(1, 3),
        "close": rng.randint(15, 30),
    }
    withdraw_after_accept = rng.random() < 0.5
    booked = index % 2 == 0  # an accepted case with a session booked (or a submitted one
    # already on a mediator's desk)
    fails = target == "failed" or (target == "closed" and index % 3 == 0)
    path = {
        "draft": [],
        "submitted": ["submit"],
        "declined": ["submit", "decline"],
        "accepted": ["submit", "accept"] + (["schedule"] if booked else []),
        "mediating": ["submit", "accept", "schedule"],
        "settled": ["submit", "accept", "schedule", "session"],
        "failed": ["submit", "accept", "schedule", "session", "second", "fail"],
        "closed": ["submit", "accept", "schedule", "session"]
        + (["second", "fail"] if fails else [])
        + ["close"],
        "withdrawn": ["submit"] + (["accept"] if withdraw_after_accept else []) + ["withdraw"],
    }[target]
    idle = rng.randint(1, 25) if target not in ("draft", "submitted") else rng.randint(1, 10)
    day = _workdays_back(today, sum(gaps[g] for g in path) + idle)
    steps: list[_Step] = []
    clock = [_at(day, rng.randint(8, 11), rng.choice([0, 10, 20, 30, 40, 50]))]

    def step(run: Callable[[], None], *, days: int = 0, minutes: int = 7) -> None:
        nonlocal day
        if days:
            day = _workdays_forward(day, days)
            clock[0] = max(clock[0], _at(day, rng.randint(8, 15), rng.choice([0, 15, 30, 45])))
        else:
            clock[0] += dt.timedelta(minutes=minutes)
        steps.append(_Step(clock[0], (index, len(steps)), run))

    def create() -> None:
        state["case"] = services.case_create(
            actor=creator,
            handling_organization=spec.org,
            title=spec.title,
            dispute_type=spec.dispute_type,
            facts=spec.facts,
            mediation_kind=spec.mediation_kind,
            source=spec.source,
            claim_amount=spec.claim_amount,
            is_online=spec.is_online,
        )

    step(create, minutes=0)
    for party in spec.parties:
        step(lambda p=party: services.party_add(actor=creator, case=state["case"], **p))
    for right in spec.rights:
        step(lambda r=right: services.right_add(actor=creator, case=state["case"], **r))
    if target == "draft":
        return steps
    step(lambda: services.case_submit(actor=creator, case=state["case"]), days=gaps["submit"])
    if target == "submitted":
        if booked:
            step(lambda: services.case_assign(actor=lead, case=state["case"], mediator=lead))
        return steps
    if target == "declined":
        reason = rng.choice(_DECLINE_REASONS)
        step(
            lambda: services.case_decline(actor=lead, case=state["case"], reason=reason),
            days=gaps["decline"],
        )
        return steps
    if target == "withdrawn" and not withdraw_after_accept:
        step(lambda: services.case_assign(actor=lead, case=state["case"], mediator=lead))
    else:
        step(
            lambda: services.case_assign(actor=lead, case=state["case"], mediator=lead),
            days=gaps["accept"],
        )
        step(lambda: services.case_accept(actor=lead, case=state["case"]))
    if target == "withdrawn":
        reason = rng.choice(_WITHDRAW_REASONS)
        step(
            lambda: services.case_withdraw(actor=lead, case=state["case"], reason=reason),
            days=gaps["withdraw"],
        )
        return steps
    if target == "accepted" and not booked:
        return steps

    def schedule(starts: dt.datetime) -> Callable[[], None]:
        where = (
            {"online_link": f"https://meeting.tencent.com/dm/{rng.randint(10**8, 10**9 - 1)}"}
            if spec.is_online
            else {"location": spec.place or f"{spec.org.name} 调解室"}
        )
        attendees = "、".join(p.get("name") or p["organization"].name for p in spec.parties)
        return lambda: services.session_schedule(
            actor=lead,
            case=state["case"],
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            attendees=f"{attendees}；调解员：{lead.last_name}{lead.first_name}",
            **where,
        )

    session_day = _workdays_forward(
        _workdays_forward(day, gaps["schedule"]), gaps.get("session", 5)
    )
    if target == "accepted":
        # A session booked for the coming days; mediation starts when it is held.
        upcoming = _workdays_forward(today, rng.randint(1, 8))
        step(schedule(_at(upcoming, rng.choice([9, 10, 14, 15]), 30)), days=gaps["schedule"])
        return steps
    first = _at(session_day, rng.choice([9, 10, 14, 15]), 30)
    if target == "mediating" and session_day >= today:
        step(schedule(first), days=gaps["schedule"])
        step(lambda: services.case_start_mediation(actor=lead, case=state["case"]))
        return steps
    step(schedule(first), days=gaps["schedule"])
    step(lambda: services.case_start_mediation(actor=lead, case=state["case"]))
    day = session_day
    clock[0] = max(clock[0], first + dt.timedelta(hours=2))

    def record(outcome: str, minutes_text: str) -> Callable[[], None]:
        def run() -> None:
            session = state["case"].sessions.order_by("-starts_at").first()
            services.session_record(
                actor=lead, session=session, minutes=minutes_text, outcome=outcome
            )

        return run

    settles = not fails
    if target == "mediating":
        step(
            record(
                SessionOutcome.CONTINUED,
                "双方陈述了各自意见，被申请人初步认可侵权事实，对赔偿数额有异议，约定再次调解。",
            )
        )
        upcoming = _workdays_forward(today, rng.randint(1, 10))
        step(schedule(_at(upcoming, rng.choice([9, 10, 14, 15]), 0)))
        return steps
    if settles:
        step(
            record(
                SessionOutcome.AGREEMENT,
                "经调解员释法说理，双方自愿达成调解协议，当场签字确认。",
            )
        )
        signed = session_day

        def agree() -> None:
            services.agreement_save(
                actor=lead,
                case=state["case"],
                terms=spec.terms,
                amount=spec.settle_amount,
                performance_deadline=signed + dt.timedelta(days=30),
                signatories="、".join(p.get("name") or p["organization"].name for p in spec.parties)
                + f"；调解员：{lead.last_name}{lead.first_name}",
                signed_on=signed,
                effective_on=signed,
            )

        step(agree)
        step(lambda: services.case_settle(actor=lead, case=state["case"]))
        if target == "closed":
            step(
                lambda: services.case_close(
                    actor=lead,
                    case=state["case"],
                    waiver_reason="协议已履行完毕，双方书面声明不申请司法确认。",
                ),
                days=gaps["close"],
            )
        return steps
    # Failed mediation: two sessions without agreement.
    step(record(SessionOutcome.ADJOURNED, "双方分歧较大，休会，约定补充证据后再次调解。"))
    second = _at(_workdays_forward(session_day, gaps["second"]), 14, 30)
    step(schedule(second))
    day = second.date()
    clock[0] = max(clock[0], second + dt.timedelta(hours=2))
    step(record(SessionOutcome.NO_AGREEMENT, "双方未能就赔偿数额达成一致，调解不成。"))
    reason = rng.choice(_FAIL_REASONS)
    step(
        lambda: services.case_fail(actor=lead, case=state["case"], reason=reason),
        days=gaps["fail"],
    )
    if target == "closed":
        step(
            lambda: services.case_close(
                actor=lead,
                case=state["case"],
                waiver_reason="申请人已向人民法院提起诉讼，不再申请诉调对接转办。",
            ),
            days=gaps["close"],
        )
    return steps


@contextmanager
def _simulated_clock() -> Iterator[list[dt.datetime | None]]:
    """Patch ``timezone.now`` (and so ``localdate``, ``auto_now`` fields and history dates)
    to return the time of the step being replayed."""
    real_now = timezone.now
    current: list[dt.datetime | None] = [None]
    with mock.patch.object(timezone, "now", lambda: current[0] or real_now()):
        yield current


# ---------------------------------------------------------------------------------------------
# Accounts and loading
# ---------------------------------------------------------------------------------------------


def _ensure_mediators(world: _World, specs: list[_CaseSpec]) -> dict[str, Any]:
    """The demo users who act, plus mediators without a usable password for the committee and
    for bureaus without a demo account."""
    User = get_user_model()
    admin = User.objects.get(username="admin")
    rng = random.Random(SEED + 1)
    wanted: dict[str, tuple[str, str, Organization]] = {
        name: (last, first, world.committee) for name, (last, first) in COMMITTEE_MEDIATORS.items()
    }
    for spec in specs:
        if spec.creator.startswith("mediator_") and spec.creator not in wanted:
            male = rng.random() < 0.5
            wanted[spec.creator] = (
                rng.choice(_SURNAMES),
                rng.choice(_MALE if male else _FEMALE),
                spec.org,
            )
    for username, (last, first, org) in wanted.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username, first_name=first, last_name=last)
        alliance_services.membership_grant(
            actor=admin, user=user, organization=org, role=Role.MEDIATOR
        )
    names = {"mediator", "clerk", "partner", *wanted}
    return {u.username: u for u in User.objects.filter(username__in=names)}


def _counts(specs: list[_CaseSpec]) -> dict[str, int]:
    counts = {"cases": len(specs)}
    for status in Status.values:
        counts[status] = sum(1 for s in specs if s.target == status)
    counts["organisations"] = len({s.org.pk for s in specs})
    return counts


def load(*, stdout=None) -> dict[str, int]:
    """Add the demo cases unless they are there already; return the number per status."""
    from cases import (
        demo_court,  # confirmations and court referrals; it builds on this module
        demo_protection,  # protection actions (issue 7); after the evidence demo
        demo_sharing,  # shares and case collaboration (issue 5); after both
    )

    world = _read_world()
    specs = build_plan(world)
    counts = _counts(specs)
    if MediationCase.objects.filter(title__in=[s.title for s in specs]).exists():
        if stdout is not None:
            stdout.write("  demo cases already loaded: nothing to do")
        return (
            counts
            | demo_court.load(stdout=stdout)
            | demo_sharing.load(stdout=stdout)
            | demo_protection.load(stdout=stdout)
        )
    today = timezone.localdate()
    # Notifications about replayed history would only flood the demo users' mailboxes.
    quiet = override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
    with quiet, transaction.atomic():
        users = _ensure_mediators(world, specs)
        CaseNumbering.objects.get_or_create(
            organization=world.bureau, defaults={"template": BUREAU_NUMBER_TEMPLATE}
        )
        rng = random.Random(SEED + 2)
        steps = [
            step
            for index, spec in enumerate(specs)
            for step in _timeline(spec, index, rng, users, today)
        ]
        court_steps, court_counts = demo_court.steps(world, today)
        steps += court_steps
        steps.sort(key=lambda s: (s.when, s.order))
        with _simulated_clock() as clock:
            for step in steps:
                clock[0] = step.when
                step.run()
    if stdout is not None:
        stdout.write(
            f"  demo cases: {len(specs)} created in {counts['organisations']} organisations"
        )
    demo_court.report(stdout, court_counts)
    return (
        counts
        | court_counts
        | demo_sharing.load(stdout=stdout)
        | demo_protection.load(stdout=stdout)
    )
