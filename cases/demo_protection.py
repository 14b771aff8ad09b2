"""Demo protection actions (issue 7 parts 1 and 6), run at the end of ``cases.demo.load``.

The 2024 press release reports 61 rights-protection actions for 27 enterprises using 益企证
evidence, more than 20 million yuan recovered, about 2.7 million yuan saved through the
evidence and about 2 million yuan through alliance cooperation. This loader makes exactly
that, all fictional:

* **61 actions started in 2024 for 27 distinct key enterprises** (the demo enterprise among
  them), each citing 1–5 of its enterprise's 2024 records deposited before the action began;
* amounts chosen so that the sums are exactly ``RECOVERED`` (20,386,500.00),
  ``EVIDENCE_SAVED`` (2,703,600.00) and ``ALLIANCE_SAVED`` (2,012,000.00) yuan, each saving with
  the basis of its estimate;
* mediation actions linked to a 2024 demo case of the enterprise where it has one.

The same rules as the other demo loaders: through ``services.action_record`` as the user who
would act (the demo enterprise's administrator for its own actions, the 小溪 service point's
clerk for that point's enterprises, the platform administrator elsewhere), on the simulated
clock of the day the action concluded (or began, if ongoing); deterministic (one
``random.Random(SEED)`` over rows read in a fixed order); idempotent (nothing is written when
its actions exist); one transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Sum
from django.test.utils import override_settings

from alliance import demo as alliance_demo
from alliance.models import Organization
from cases import demo as base
from cases import services
from cases.models import MediationCase, ProtectionAction
from evidence.models import EvidenceRecord

SEED = 20247
YEAR = 2024
ACTIONS = 61
ENTERPRISES = 27
RECOVERED = Decimal("20386500.00")
EVIDENCE_SAVED = Decimal("2703600.00")
ALLIANCE_SAVED = Decimal("2012000.00")
BEIJING = ZoneInfo("Asia/Shanghai")

Kind, Outcome = ProtectionAction.Kind, ProtectionAction.Outcome
_KINDS = (
    [Kind.PLATFORM_TAKEDOWN] * 20
    + [Kind.REGULATOR_COMPLAINT] * 14
    + [Kind.MEDIATION] * 12
    + [Kind.NEGOTIATION] * 9
    + [Kind.LITIGATION] * 6
)
_OUTCOMES = (
    [Outcome.SUCCEEDED] * 38
    + [Outcome.PARTIALLY_SUCCEEDED] * 10
    + [Outcome.UNSUCCESSFUL] * 4
    + [Outcome.WITHDRAWN] * 2
    + [Outcome.ONGOING] * 7
)
_RECOVERING = (Outcome.SUCCEEDED, Outcome.PARTIALLY_SUCCEEDED)
_COOPERATIVE = (Kind.MEDIATION, Kind.REGULATOR_COMPLAINT, Kind.PLATFORM_TAKEDOWN)
_PLATFORMS = ["淘宝", "京东", "拼多多", "抖音电商", "快手小店", "1688"]
_SHOPS = ["鑫源", "佳禾", "恒达", "优品", "万家", "顺发", "金盛", "惠民", "福满", "百汇"]
_SHOP_KINDS = ["专营店", "旗舰店", "工厂店", "批发店", "小店", "优选"]
_CITIES = ["厦门", "泉州", "广州", "义乌", "深圳", "汕头", "南宁", "莆田"]
_TITLES = {
    Kind.PLATFORM_TAKEDOWN: "{brand}：投诉{platform}“{shop}”售假链接下架",
    Kind.REGULATOR_COMPLAINT: "{brand}：向{city}市场监管部门投诉“{shop}”侵权",
    Kind.MEDIATION: "{brand}：与“{shop}”侵权纠纷调解",
    Kind.NEGOTIATION: "{brand}：与“{shop}”协商停止侵权并赔偿",
    Kind.LITIGATION: "{brand}：起诉“{shop}”商标侵权",
}
_DESCRIPTIONS = {
    Kind.PLATFORM_TAKEDOWN: "凭益企证存证的网页及购买记录向平台提交侵权投诉，平台核实后下架链接。",
    Kind.REGULATOR_COMPLAINT: (
        "以益企证存证材料向当地市场监管部门投诉，执法人员现场检查并责令停止销售。"
    ),
    Kind.MEDIATION: "经联盟调解组织调解，双方就停止侵权及赔偿数额达成一致。",
    Kind.NEGOTIATION: "以益企证存证材料为据发出律师函，对方同意停止侵权并赔偿。",
    Kind.LITIGATION: "以益企证存证材料作为证据向人民法院提起诉讼。",
}
_EVIDENCE_BASIS = (
    "以公证取证费用估算：每份公证网页/购买取证约{fee}元，本次以益企证存证{n}份替代公证。"
)
_ALLIANCE_BASIS = "联盟协作免去异地差旅及委托调查费用，按往返差旅与委托费用估算。"


@dataclasses.dataclass
class _Spec:
    enterprise: Organization
    kind: str
    outcome: str
    title: str
    description: str
    counterparty: str
    started_on: dt.date
    concluded_on: dt.date | None
    records: list[EvidenceRecord]
    handled_by: Organization | None
    actor: Any
    case: MediationCase | None = None
    amount_recovered: Decimal = Decimal("0.00")
    evidence_cost_saved: Decimal = Decimal("0.00")
    alliance_cost_saved: Decimal = Decimal("0.00")
    cost_saved_basis: str = ""


def _fix_total(amounts: list[Decimal], eligible: list[int], total: Decimal) -> None:
    """Make ``amounts`` sum to ``total`` by adjusting the largest eligible amount."""
    largest = max(eligible, key=lambda i: (amounts[i], -i))
    amounts[largest] += total - sum(amounts)
    if amounts[largest] <= 0:
        raise ValueError("demo amounts cannot reach their total")


def _amounts(rng: random.Random, weights: list[int], total: Decimal, step: int) -> list[Decimal]:
    """Deterministic amounts in multiples of ``step`` yuan, proportional to random draws,
    summing exactly to ``total`` (0 where the weight is 0)."""
    draws = [rng.randint(1, 10) * w for w in weights]
    scale = total / sum(draws)
    amounts = [Decimal(int(d * scale / step) * step) for d in draws]
    amounts = [a.quantize(Decimal("0.01")) for a in amounts]
    _fix_total(amounts, [i for i, w in enumerate(weights) if w], total)
    return amounts


def _actors() -> dict[str, Any]:
    users = get_user_model().objects.filter(
        username__in=["admin", "enterprise", "servicepoint"], is_active=True
    )
    found = {u.username: u for u in users}
    if "admin" not in found:
        raise LookupError("No demo 'admin' superuser: load the alliance demo first.")
    return found


def _plan() -> list[_Spec]:
    rng = random.Random(SEED)
    actors = _actors()
    records: dict[int, list[EvidenceRecord]] = defaultdict(list)
    for record in (
        EvidenceRecord.objects.filter(
            deposited_at__year=YEAR,
            withdrawal__isnull=True,
            depositor__is_key_enterprise=True,
        )
        .select_related("service_point")
        .order_by("depositor_id", "deposited_at", "pk")
    ):
        records[record.depositor_id].append(record)
    key = list(
        Organization.objects.filter(
            kind=Organization.Kind.ENTERPRISE, is_key_enterprise=True, pk__in=list(records)
        )
        .select_related("parent")
        .order_by("uscc", "pk")
    )
    if len(key) < ENTERPRISES:
        return []
    demo = next((e for e in key if e.name == alliance_demo.DEMO_ENTERPRISE), None)
    others = [e for e in key if e is not demo]
    chosen = ([demo] if demo else []) + rng.sample(others, ENTERPRISES - (1 if demo else 0))
    chosen.sort(key=lambda e: (e.uscc, e.pk))
    # Every chosen enterprise acts at least once; the demo enterprise a few times.
    per_enterprise = {e.pk: 1 for e in chosen}
    if demo is not None:
        per_enterprise[demo.pk] += 3
    while sum(per_enterprise.values()) < ACTIONS:
        per_enterprise[rng.choice(chosen).pk] += 1
    kinds, outcomes = list(_KINDS), list(_OUTCOMES)
    rng.shuffle(kinds)
    rng.shuffle(outcomes)
    cases = _cases_of(chosen)
    point = Organization.objects.filter(name=alliance_demo.DEMO_SERVICE_POINT).first()
    specs: list[_Spec] = []
    for enterprise in chosen:
        for _n in range(per_enterprise[enterprise.pk]):
            kind, outcome = kinds[len(specs)], outcomes[len(specs)]
            own = records[enterprise.pk]
            anchor = rng.randrange(len(own))
            cited = own[max(0, anchor - rng.randint(0, 4)) : anchor + 1]
            started = cited[-1].deposited_at.astimezone(BEIJING).date() + dt.timedelta(
                days=rng.randint(0, 20)
            )
            started = min(started, dt.date(YEAR, 12, 31))
            concluded = None
            if outcome != Outcome.ONGOING:
                concluded = min(
                    started + dt.timedelta(days=rng.randint(3, 90)), dt.date(YEAR, 12, 31)
                )
            helper = cited[-1].service_point
            if enterprise == demo and "enterprise" in actors:
                actor = actors["enterprise"]
            elif helper == point and "servicepoint" in actors:
                actor = actors["servicepoint"]  # sees only what was deposited at the point
                cited = [r for r in cited if r.service_point_id == point.pk]
            else:
                actor = actors["admin"]
            shop = f"{rng.choice(_SHOPS)}{rng.choice(_SHOP_KINDS)}"
            brand = enterprise.short_name or enterprise.name
            title = _TITLES[kind].format(
                brand=brand,
                platform=rng.choice(_PLATFORMS),
                shop=shop,
                city=rng.choice(_CITIES),
            )
            spec = _Spec(
                enterprise=enterprise,
                kind=kind,
                outcome=outcome,
                title=title,
                description=_DESCRIPTIONS[kind],
                counterparty=shop,
                started_on=started,
                concluded_on=concluded,
                records=cited,
                handled_by=helper,
                actor=actor,
            )
            if kind == Kind.MEDIATION and cases.get(enterprise.pk):
                _link(spec, cases[enterprise.pk].pop(0))
                spec.actor = actors["admin"] if actor != actors.get("enterprise") else actor
            specs.append(spec)
    _set_amounts(rng, specs)
    return specs


def _link(spec: _Spec, case: MediationCase) -> None:
    """The action runs as the case does: it starts the day after the case was received (so
    its timeline event follows the case's own), and concludes no earlier."""
    spec.case = case
    spec.started_on = max(spec.started_on, case.received_on + dt.timedelta(days=1))
    if spec.concluded_on is not None:
        spec.concluded_on = max(spec.concluded_on, spec.started_on)


def _cases_of(enterprises: list[Organization]) -> dict[int, list[MediationCase]]:
    """2024 demo cases (submitted, not drafts) in which each enterprise is a party."""
    found: dict[int, list[MediationCase]] = defaultdict(list)
    rows = (
        MediationCase.objects.filter(
            received_on__year=YEAR,
            received_on__lte=dt.date(YEAR, 11, 30),
            parties__organization__in=enterprises,
        )
        .values_list("parties__organization", "pk")
        .order_by("received_on", "pk")
        .distinct()
    )
    by_pk = MediationCase.objects.in_bulk([pk for _org, pk in rows])
    for org, pk in rows:
        if by_pk[pk] not in found[org]:
            found[org].append(by_pk[pk])
    return found


def _set_amounts(rng: random.Random, specs: list[_Spec]) -> None:
    recovering = [
        (3 if s.kind == Kind.LITIGATION else 1) if s.outcome in _RECOVERING else 0 for s in specs
    ]
    recovered = _amounts(rng, recovering, RECOVERED, 100)
    evidence = _amounts(rng, [len(s.records) for s in specs], EVIDENCE_SAVED, 100)
    alliance = _amounts(
        rng, [1 if s.kind in _COOPERATIVE else 0 for s in specs], ALLIANCE_SAVED, 500
    )
    for spec, r, e, a in zip(specs, recovered, evidence, alliance, strict=True):
        spec.amount_recovered, spec.evidence_cost_saved, spec.alliance_cost_saved = r, e, a
        fee = (e / len(spec.records)).quantize(Decimal("1"))
        basis = [_EVIDENCE_BASIS.format(fee=fee, n=len(spec.records))]
        if a:
            basis.append(_ALLIANCE_BASIS)
        spec.cost_saved_basis = "\n".join(basis)


def figures(year: int = YEAR) -> dict[str, Any]:
    """The year's figures as the statistics count them (actions started in the year)."""
    qs = ProtectionAction.objects.filter(started_on__year=year)
    return qs.aggregate(
        actions=Count("pk"),
        enterprises=Count("enterprise", distinct=True),
        recovered=Sum("amount_recovered"),
        evidence_saved=Sum("evidence_cost_saved"),
        alliance_saved=Sum("alliance_cost_saved"),
    )


def _record(spec: _Spec, clock: list[dt.datetime | None]) -> None:
    day = spec.concluded_on or spec.started_on
    clock[0] = dt.datetime.combine(day, dt.time(16, 30), BEIJING)
    services.action_record(
        actor=spec.actor,
        enterprise=spec.enterprise,
        kind=spec.kind,
        title=spec.title,
        description=spec.description,
        counterparty=spec.counterparty,
        started_on=spec.started_on,
        concluded_on=spec.concluded_on,
        outcome=spec.outcome,
        amount_recovered=spec.amount_recovered,
        evidence_cost_saved=spec.evidence_cost_saved,
        alliance_cost_saved=spec.alliance_cost_saved,
        cost_saved_basis=spec.cost_saved_basis,
        handled_by=spec.handled_by,
        case=spec.case,
        evidence=spec.records,
    )


def load(*, stdout=None) -> dict[str, int]:
    """Add the demo protection actions unless they are there already."""
    specs = _plan()
    if not specs:
        if stdout is not None:
            stdout.write("  demo protection actions: no 2024 evidence of key enterprises, skipped")
        return {"protection_actions_2024": 0}
    loaded = ProtectionAction.objects.filter(title__in=[s.title for s in specs]).exists()
    if not loaded:
        quiet = override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
        with quiet, transaction.atomic(), base._simulated_clock() as clock:
            for spec in sorted(specs, key=lambda s: (s.concluded_on or s.started_on, s.title)):
                _record(spec, clock)
    result = figures()
    if stdout is not None:
        if loaded:
            stdout.write("  demo protection actions already loaded: nothing to do")
        else:
            stdout.write(
                f"  demo protection actions: {result['actions']} in {YEAR} for "
                f"{result['enterprises']} enterprises, {result['recovered']} yuan recovered"
            )
    return {
        "protection_actions_2024": result["actions"],
        "protection_enterprises_2024": result["enterprises"],
    }
