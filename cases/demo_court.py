"""Demo judicial confirmations and court referrals (issue 4), run by ``cases.demo.load``.

What it adds (all fictional):

* **45 judicial confirmations filed in 2024** on cases received, mediated and settled in 2024
  (numbers of the 2024 sequence): **26 on administrative mediation** by the Zhangzhou bureau and
  19 at the mediation committee, 6 of them delegated (委派) by the 芗城 and 龙文 courts with
  ``民诉前调`` numbers (two with an extended term). Most are confirmed; a few rejected, not
  accepted or withdrawn. Technical disputes go to 厦门中院 (闽02, remote), design disputes to
  漳州中院 (闽06, where the demo ``court`` liaison works), the rest to the basic courts of the
  parties' or the organisation's districts and counties. Each has its uploaded materials (small
  generated PDFs).
* 2024 failures: four cases referred to litigation (with the court's result) and a delegation
  returned to its court without agreement.
* **Current items** (dated back from today): applications prepared, filed and accepted with
  their windows and court clocks near and past, a settled case whose window closes in a few
  days, open delegations whose terms end soon, have ended or were extended, an entrustment
  from 闽06, and fresh referrals of failed cases to litigation — so the court desk and
  ``send_reminders`` show something.

The same rules as ``cases.demo``: every row through the services as the user who would act
(the ``court`` liaison records the decisions of 闽06; the handling mediator copies the other
courts' paper), replayed in date order on the simulated clock; deterministic (one
``random.Random(SEED)`` over rows read in a fixed order; current dates counted back from
today); idempotent (nothing is written when the plan's cases exist) in one transaction. No
account is added.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from alliance import deadlines
from alliance.models import IntellectualProperty, Organization
from cases import demo as base
from cases import routing, services
from cases.choices import MediationKind, SessionOutcome, Source
from cases.models import ConfirmationMaterial, CourtReferral, MediationCase

SEED = 20244
YEAR = 2024
IPKind = IntellectualProperty.Kind
MKind = ConfirmationMaterial.Kind
RKind = CourtReferral.Kind
Outcome = CourtReferral.Outcome

# Outcomes of the 2024 applications per handling organisation (26 + 19 = 45).
_BUREAU_2024 = ["confirmed"] * 22 + ["rejected"] * 2 + ["not_accepted", "withdrawn"]
_COMMITTEE_2024 = ["confirmed"] * 16 + ["rejected", "not_accepted", "withdrawn"]
# Dispute groups per organisation: design → 闽06, technical → 闽02 (remote), general → basic.
_BUREAU_GROUPS = ["design"] * 8 + ["technical"] * 6 + ["general"] * 12
_COMMITTEE_GROUPS = ["design"] * 4 + ["technical"] * 3 + ["general"] * 6
_DELEGATING_COURTS = ["闽0602", "闽0602", "闽0603", "闽0602", "闽0603", "闽0602"]
_PREFER = {"design": ("闽06",), "technical": ("闽02",), "general": ()}

_REJECT_REASONS = [
    "经审查，调解协议第三项违约金条款约定不明确，无法确认（内容不明确），裁定驳回申请；当事人"
    "可以通过调解方式变更原调解协议或者达成新的调解协议，也可以向人民法院提起诉讼。",
    "一方当事人到庭陈述其签署调解协议并非真实意思表示，不符合自愿原则，裁定驳回申请。",
    "调解协议约定的赔偿款由案外人代为支付，可能损害案外人合法权益，裁定驳回申请。",
]
_NOT_ACCEPT_REASONS = [
    "申请确认的调解协议所涉纠纷不属于本院管辖（民诉法解释第三百五十五条第二项），不予受理，"
    "已告知当事人向有管辖权的人民法院提出。",
    "申请人补充材料期限届满仍未提交双方身份证明及送达地址确认书，不予受理。",
]
_WITHDRAW_REASONS = [
    "被申请人已全额履行调解协议，双方共同撤回司法确认申请。",
    "双方当事人重新协商变更了履行方式，撤回本次申请，拟另行申请。",
]
_LITIGATION_RESULTS = [
    (Outcome.JUDGMENT, "{court}作出（2024）{code}民初{n}号民事判决，判令被告停止侵权并赔偿损失。"),
    (Outcome.COURT_MEDIATION, "经{court}主持调解达成协议，出具（2024）{code}民初{n}号民事调解书。"),
    (Outcome.JUDGMENT, "{court}作出（2024）{code}民初{n}号民事判决，驳回原告部分诉讼请求。"),
    (Outcome.FILED, "{court}已立案受理，案号（2024）{code}民初{n}号，审理中。"),
]


# ---------------------------------------------------------------------------------------------
# Days
# ---------------------------------------------------------------------------------------------


@functools.cache
def _rest(day: dt.date) -> bool:
    try:
        return deadlines.is_rest_day(day)
    except deadlines.CalendarUnavailable:
        return day.weekday() >= 5


def _workday_on_or_before(day: dt.date) -> dt.date:
    while _rest(day):
        day -= dt.timedelta(days=1)
    return day


def _workday_on_or_after(day: dt.date) -> dt.date:
    while _rest(day):
        day += dt.timedelta(days=1)
    return day


def _wd(day: dt.date, n: int) -> dt.date:
    """``n`` working days after ``day``."""
    while n > 0:
        day += dt.timedelta(days=1)
        if not _rest(day):
            n -= 1
    return day


def _period_end(start: dt.date, days: int) -> dt.date:
    try:
        return deadlines.statutory_period_end(start, days=days)
    except deadlines.CalendarUnavailable:
        return start + dt.timedelta(days=days)


def _start_ending(today: dt.date, days: int, low: int, high: int, *, first: int) -> dt.date:
    """The latest working day, ``first`` or more days back, from which a ``days`` period ends
    between ``today + low`` and ``today + high``."""
    for back in range(first, first + 15):
        start = today - dt.timedelta(days=back)
        if not _rest(start) and low <= (_period_end(start, days) - today).days <= high:
            return start
    return _workday_on_or_before(today - dt.timedelta(days=first))


# ---------------------------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------------------------


@dataclass
class _Inbound:
    court: str  # court code
    kind: str  # delegation / entrustment
    reference: str


@dataclass
class _Item:
    """One case of this demo and the days of each of its steps (``days`` keys: received,
    accept, schedule, session, extend_term, fail, refer, result, prepare, file, court_accept,
    extend, decide, not_accept, withdraw, close)."""

    spec: base._CaseSpec
    group: str  # "2024" or "current"
    outcome: str  # of the application, or "mediating" / "litigation" / "returned" / "settled"
    days: dict[str, dt.date]
    prefer: tuple[str, ...] = ()
    court_pick: int = 0
    inbound: _Inbound | None = None
    litigation: tuple[str, str, str] | None = None  # court code, outcome, result template
    materials: tuple[str, ...] = ()
    reason: str = ""
    extension_days: int = 0

    @property
    def administrative(self) -> bool:
        return self.spec.mediation_kind == MediationKind.ADMINISTRATIVE


@dataclass
class _Plan:
    items: list[_Item] = field(default_factory=list)

    @property
    def titles(self) -> list[str]:
        return [item.spec.title for item in self.items]


def _pools(world: base._World) -> dict[str, list[tuple[Organization, IntellectualProperty]]]:
    """(key enterprise, right) pairs per dispute group, in a fixed order."""
    groups = {
        "design": {IPKind.DESIGN_PATENT},
        "technical": {IPKind.INVENTION_PATENT, IPKind.UTILITY_MODEL},
        "general": {IPKind.TRADEMARK, IPKind.COPYRIGHT},
    }
    pools: dict[str, list] = {name: [] for name in groups}
    for enterprise in world.key_enterprises:
        for ip in world.rights.get(enterprise.pk, []):
            for name, kinds in groups.items():
                if ip.kind in kinds:
                    pools[name].append((enterprise, ip))
    return pools


def _respondent(rng: random.Random, world: base._World, applicant: Organization):
    roll = rng.random()
    if roll < 0.45:
        return base._person(rng, rng.choice(world.zz_counties))
    if roll < 0.7:
        return rng.choice(world.other_enterprises)
    return rng.choice([k for k in world.key_enterprises if k.pk != applicant.pk])


def _spec(
    rng: random.Random,
    world: base._World,
    pools: dict[str, list],
    group: str,
    *,
    org: Organization,
    creator: str,
    lead: str,
    administrative: bool,
) -> base._CaseSpec:
    applicant, ip = rng.choice(pools[group])
    respondent = _respondent(rng, world, applicant)
    # The right is chosen here (by group), so the base helper sees only that one.
    view = dataclasses.replace(world, rights={**world.rights, applicant.pk: [ip]})
    if administrative:
        kind = MediationKind.ADMINISTRATIVE
        source = rng.choice([Source.DIRECT, Source.ADMINISTRATIVE_REFERRAL])
    else:
        kind = MediationKind.PEOPLES
        source = rng.choice([Source.DIRECT, Source.DIRECT, Source.ALLIANCE_COLLABORATION])
    return base._spec(
        rng,
        view,
        org=org,
        creator=creator,
        mediators=[lead],
        target="settled",
        applicant=applicant,
        respondent=respondent,
        mediation_kind=kind,
        source=source,
    )


def _materials(rng: random.Random, spec: base._CaseSpec) -> tuple[str, ...]:
    kinds = [*ConfirmationMaterial.REQUIRED, MKind.UNDERTAKING]
    if rng.random() < 0.4:
        kinds.append(MKind.RIGHTS)
    if any(p.get("agent_name") for p in spec.parties):
        kinds.append(MKind.AUTHORITY)
    return tuple(kinds)


def _confirmation_days(
    rng: random.Random, days: dict[str, dt.date], outcome: str, after: dt.date
) -> None:
    """Prepare, file and the court's steps of a 2024 application, from ``after``."""
    days["prepare"] = _wd(after, rng.randint(1, 6))
    days["file"] = _wd(days["prepare"], rng.randint(0, 2))
    if outcome == "not_accepted":
        days["not_accept"] = _wd(days["file"], rng.randint(1, 2))
        end = days["not_accept"]
    else:
        days["court_accept"] = _wd(days["file"], rng.randint(1, 2))
        if outcome == "withdrawn":
            days["withdraw"] = _wd(days["court_accept"], rng.randint(2, 5))
            end = days["withdraw"]
        else:
            days["decide"] = _wd(days["court_accept"], rng.randint(4, 10))
            end = days["decide"]
    days["close"] = _wd(end, rng.randint(3, 10))


def _mediation_days(rng: random.Random, received: dt.date, *, long: bool = False) -> dict:
    days = {"received": received}
    days["accept"] = _wd(received, rng.randint(1, 3))
    days["schedule"] = _wd(days["accept"], rng.randint(0, 1))
    if long:  # a delegated case that needs the extension
        days["extend_term"] = _wd(received, 15)
        days["session"] = _wd(received, rng.randint(24, 27))
    else:
        days["session"] = _wd(days["schedule"], rng.randint(3, 8))
    return days


def _plan_2024(rng: random.Random, world: base._World, pools: dict, plan: _Plan) -> None:
    bureau_outcomes, committee_outcomes = list(_BUREAU_2024), list(_COMMITTEE_2024)
    bureau_groups, committee_groups = list(_BUREAU_GROUPS), list(_COMMITTEE_GROUPS)
    for values in (bureau_outcomes, committee_outcomes, bureau_groups, committee_groups):
        rng.shuffle(values)
    # 26 bureau + 13 direct committee + 6 delegated + 4 to litigation + 1 returned, spread
    # over the year in an interleaved, fixed order.
    lanes = (
        [("bureau", i) for i in range(26)]
        + [("committee", i) for i in range(13)]
        + [("delegated", i) for i in range(6)]
        + [("litigation", i) for i in range(4)]
        + [("returned", 0)]
    )
    rng.shuffle(lanes)
    start = dt.date(YEAR, 1, 8)
    team = ["mediator", *base.COMMITTEE_MEDIATORS]
    committee_outcomes_left = iter(committee_outcomes)
    for position, (lane, index) in enumerate(lanes):
        received = _workday_on_or_after(start + dt.timedelta(days=round(position * 5.8)))
        if lane == "bureau":
            outcome, group = bureau_outcomes[index], bureau_groups[index]
            spec = _spec(
                rng,
                world,
                pools,
                group,
                org=world.bureau,
                creator="clerk",
                lead="mediator",
                administrative=True,
            )
        elif lane in ("committee", "delegated"):
            outcome = next(committee_outcomes_left)
            group = committee_groups[index] if lane == "committee" else "general"
            lead = "mediator" if index % 3 != 2 else team[1 + index % 2]
            spec = _spec(
                rng,
                world,
                pools,
                group,
                org=world.committee,
                creator=rng.choice(team),
                lead=lead,
                administrative=False,
            )
        else:
            outcome, group = lane, rng.choice(["design", "general", "technical"])
            spec = _spec(
                rng,
                world,
                pools,
                group if lane == "litigation" else "general",
                org=world.committee if index != 3 else world.bureau,
                creator="mediator" if index != 3 else "clerk",
                lead="mediator",
                administrative=index == 3 and lane == "litigation",
            )
        item = _Item(spec=spec, group="2024", outcome=outcome, days={})
        item.prefer, item.court_pick = _PREFER[group], rng.randrange(12)
        if lane in ("delegated", "returned"):
            court = _DELEGATING_COURTS[index] if lane == "delegated" else "闽0603"
            item.inbound = _Inbound(court, RKind.DELEGATION, "")  # numbered below, in order
        long = lane == "delegated" and index in (1, 4)
        item.days = _mediation_days(rng, received, long=long)
        if long:
            item.extension_days = rng.choice([15, 20, 30])
        if lane in ("litigation", "returned"):
            item.days["fail"] = _wd(item.days["session"], rng.randint(1, 3))
        if lane == "litigation":
            code = {"design": "闽06", "technical": "闽02", "general": "闽0602"}[group]
            result_outcome, template = _LITIGATION_RESULTS[index]
            item.litigation = (code, result_outcome, template)
            item.days["refer"] = _wd(item.days["fail"], rng.randint(1, 3))
            item.days["result"] = _wd(item.days["refer"], rng.randint(25, 45))
            item.days["close"] = _wd(item.days["result"], rng.randint(1, 5))
        elif lane == "returned":
            item.days["result"] = _wd(item.days["fail"], 1)
            item.days["close"] = _wd(item.days["result"], rng.randint(2, 5))
        else:
            item.materials = _materials(rng, spec)
            _confirmation_days(rng, item.days, outcome, item.days["session"])
            item.reason = {
                "rejected": rng.choice(_REJECT_REASONS),
                "not_accepted": rng.choice(_NOT_ACCEPT_REASONS),
                "withdrawn": rng.choice(_WITHDRAW_REASONS),
            }.get(outcome, "")
        plan.items.append(item)
    # 民诉前调 numbers in the order the courts delegated.
    sequence = {"闽0602": 112, "闽0603": 57}
    delegated = [i for i in plan.items if i.inbound is not None]
    for item in sorted(delegated, key=lambda i: i.days["received"]):
        code = item.inbound.court
        sequence[code] += rng.randint(3, 40)
        item.inbound.reference = f"（{YEAR}）{code}民诉前调{sequence[code]}号"


def _plan_current(
    rng: random.Random, world: base._World, pools: dict, plan: _Plan, today: dt.date
) -> None:
    def back(days: int) -> dt.date:
        return _workday_on_or_before(today - dt.timedelta(days=days))

    def item(
        key: str,
        group: str,
        outcome: str,
        days: dict[str, dt.date],
        *,
        bureau: bool,
        inbound: _Inbound | None = None,
        litigation: tuple[str, str, str] | None = None,
    ) -> _Item:
        org = world.bureau if bureau else world.committee
        spec = _spec(
            rng,
            world,
            pools,
            group,
            org=org,
            creator="clerk" if bureau else "mediator",
            lead="mediator",
            administrative=bureau,
        )
        new = _Item(
            spec=spec,
            group="current",
            outcome=outcome,
            days=days,
            prefer=_PREFER[group],
            court_pick=rng.randrange(12),
            inbound=inbound,
            litigation=litigation,
        )
        if outcome not in ("settled", "mediating", "litigation", "returned"):
            new.materials = (
                (MKind.APPLICATION, MKind.AGREEMENT)
                if outcome == "prepared"
                else _materials(rng, spec)
            )
        plan.items.append(new)
        return new

    def case_days(received: int, session: dt.date, **more: dt.date) -> dict[str, dt.date]:
        days = {"received": back(received)}
        days["accept"] = _wd(days["received"], 1)
        days["schedule"] = _wd(days["accept"], 1)
        days["session"] = session
        days.update(more)
        return days

    year = today.year
    # Windows closing within 5 days: one prepared (materials missing), one not started.
    effective = _start_ending(today, 30, 1, 5, first=27)
    item("window", "general", "prepared", case_days(50, effective, prepare=back(3)), bureau=False)
    effective = _start_ending(today, 30, 1, 5, first=27)
    item("window2", "design", "settled", case_days(45, effective), bureau=True)
    # At 闽06: filed, the acceptance clock run out; filed yesterday; accepted and overdue;
    # confirmed last month.
    item(
        "c3",
        "design",
        "filed",
        case_days(40, back(22), prepare=back(10), file=back(9)),
        bureau=True,
    )
    item(
        "c4",
        "design",
        "filed",
        case_days(35, back(15), prepare=back(2), file=back(1)),
        bureau=False,
    )
    item(
        "c5",
        "design",
        "accepted",
        case_days(60, back(40), prepare=back(33), file=back(32), court_accept=back(30)),
        bureau=False,
    )
    item(
        "c8",
        "design",
        "confirmed",
        case_days(
            70, back(50), prepare=back(40), file=back(39), court_accept=back(37), decide=back(25)
        ),
        bureau=True,
    )
    # A basic court's decision due in a few days; an extended one at 厦门中院 (remote).
    item(
        "c6",
        "general",
        "accepted",
        case_days(45, back(25), prepare=back(16), file=back(15), court_accept=back(13)),
        bureau=True,
    )
    item(
        "c7",
        "technical",
        "extended",
        case_days(
            55, back(34), prepare=back(26), file=back(25), court_accept=back(23), extend=back(9)
        ),
        bureau=False,
    )
    # Delegations and an entrustment, terms ending, ended, extended; one returned; one settled
    # and at the court for confirmation.
    numbers = iter(range(rng.randint(300, 400), 10_000, 17))

    def reference(code: str, kind: str = "民诉前调") -> str:
        return f"（{year}）{code}{kind}{next(numbers)}号"

    referred = _start_ending(today, 30, 0, 3, first=27)
    item(
        "r1",
        "general",
        "mediating",
        case_days((today - referred).days, back(12)),
        bureau=False,
        inbound=_Inbound("闽0602", RKind.DELEGATION, reference("闽0602")),
    )
    item(
        "r2",
        "general",
        "mediating",
        case_days(38, back(20)),
        bureau=False,
        inbound=_Inbound("闽0603", RKind.DELEGATION, reference("闽0603")),
    )
    r3 = item(
        "r3",
        "general",
        "mediating",
        case_days(45, back(22), extend_term=back(26)),
        bureau=False,
        inbound=_Inbound("闽0602", RKind.DELEGATION, reference("闽0602")),
    )
    r3.extension_days = 20
    item(
        "r4",
        "design",
        "mediating",
        case_days(10, back(3)),
        bureau=False,
        inbound=_Inbound("闽06", RKind.ENTRUSTMENT, reference("闽06", "民初")),
    )
    r5 = item(
        "r5",
        "general",
        "returned",
        case_days(60, back(30), extend_term=back(35), fail=back(19), result=back(18)),
        bureau=False,
        inbound=_Inbound("闽0603", RKind.DELEGATION, reference("闽0603")),
    )
    r5.extension_days = 10
    r5.days["close"] = back(15)
    item(
        "r6",
        "general",
        "accepted",
        case_days(40, back(16), prepare=back(8), file=back(6), court_accept=back(5)),
        bureau=False,
        inbound=_Inbound("闽0602", RKind.DELEGATION, reference("闽0602")),
    )
    # Failed mediations just referred to litigation (open).
    item(
        "l1",
        "design",
        "litigation",
        case_days(40, back(20), fail=back(18), refer=back(10)),
        bureau=False,
        litigation=("闽06", "", ""),
    )
    item(
        "l2",
        "general",
        "litigation",
        case_days(35, back(16), fail=back(12), refer=back(5)),
        bureau=True,
        litigation=("闽0602", "", ""),
    )


def build_plan(world: base._World, today: dt.date) -> _Plan:
    """Every case of this demo, drawn from one ``random.Random(SEED)`` in a fixed order. The
    base demo's titles are reserved (on a copy: ``world`` is not changed)."""
    reserved = dataclasses.replace(world, used_titles=set())
    base.build_plan(reserved)
    world = dataclasses.replace(world, used_titles=reserved.used_titles)
    rng = random.Random(SEED)
    pools = _pools(world)
    plan = _Plan()
    _plan_2024(rng, world, pools, plan)
    _plan_current(rng, world, pools, plan, today)
    return plan


# ---------------------------------------------------------------------------------------------
# Replaying the plan through the services
# ---------------------------------------------------------------------------------------------


def minimal_pdf(text: str) -> bytes:
    """A valid one-page PDF showing ``text`` (ASCII) — a stand-in for a scanned document."""
    safe = text.encode("ascii", "replace").decode("ascii")
    safe = safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 72 770 Td ({safe}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


_ORDER_OFFSET = 1_000_000


class _Track:
    """The steps of one case, at increasing times."""

    def __init__(self, index: int, rng: random.Random) -> None:
        self.index, self.rng = index, rng
        self.steps: list[base._Step] = []
        self.now: dt.datetime | None = None
        self.state: dict[str, Any] = {}

    def on(self, day: dt.date, hour: int | None = None) -> _Track:
        hour = hour if hour is not None else self.rng.randint(8, 15)
        when = base._at(day, hour, self.rng.choice([0, 10, 20, 30, 40, 50]))
        if self.now is not None and when <= self.now:
            when = self.now + dt.timedelta(minutes=5)
        self.now = when
        return self

    def do(self, run: Callable[[], Any], minutes: int = 4) -> None:
        order = (_ORDER_OFFSET + self.index, len(self.steps))  # after the base demo's, on ties
        self.steps.append(base._Step(self.now, order, run))
        self.now += dt.timedelta(minutes=minutes)


@dataclass
class _Context:
    users: dict[str, Any]
    courts: dict[str, Organization]
    numbers: dict[tuple[int, int], int] = field(default_factory=dict)  # (court, year) → last

    def court_number(self, court: Organization, year: int) -> str:
        key = (court.pk, year)
        self.numbers[key] = self.numbers.get(key, 100 + sum(map(ord, court.court_code)) % 60) + 1
        return f"（{year}）{court.court_code}民特{self.numbers[key]}号"


def _choose_court(item: _Item, case: MediationCase) -> Organization:
    proposals = sorted(
        routing.competent_courts(case), key=lambda p: (p.court.court_code, p.court.pk)
    )
    for code in item.prefer:
        for proposal in proposals:
            if proposal.court.court_code == code:
                return proposal.court
    return proposals[item.court_pick % len(proposals)].court


def _open(track: _Track, item: _Item, ctx: _Context) -> None:
    spec, days, state = item.spec, item.days, track.state
    creator, lead = ctx.users[spec.creator], ctx.users[spec.mediators[0]]
    track.on(days["received"], track.rng.randint(8, 10))
    if item.inbound is not None:
        inbound = item.inbound
        court = ctx.courts[inbound.court]
        when = "于立案前委派" if inbound.kind == RKind.DELEGATION else "立案后委托"
        facts = f"{spec.facts}本案由{court.name}{when}本会调解（{inbound.reference}）。"

        def receive() -> None:
            referral = services.referral_receive(
                actor=lead,
                handling_organization=spec.org,
                court=court,
                kind=inbound.kind,
                court_reference=inbound.reference,
                referred_on=timezone.localdate(),
                title=spec.title,
                dispute_type=spec.dispute_type,
                facts=facts,
                claim_amount=spec.claim_amount,
                is_online=spec.is_online,
            )
            state["referral"], state["case"] = referral, referral.case

        track.do(receive)
        creator = lead
    else:

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

        track.do(create)
    for party in spec.parties:
        track.do(lambda p=party, a=creator: services.party_add(actor=a, case=state["case"], **p))
    for right in spec.rights:
        track.do(lambda r=right, a=creator: services.right_add(actor=a, case=state["case"], **r))
    track.do(lambda a=creator: services.case_submit(actor=a, case=state["case"]))


def _mediate(track: _Track, item: _Item, ctx: _Context) -> None:
    spec, days, state = item.spec, item.days, track.state
    lead = ctx.users[spec.mediators[0]]
    track.on(days["accept"])
    track.do(lambda: services.case_assign(actor=lead, case=state["case"], mediator=lead))
    track.do(lambda: services.case_accept(actor=lead, case=state["case"]))
    starts = base._at(days["session"], track.rng.choice([9, 10, 14]), 30)
    where = (
        {"online_link": f"https://meeting.tencent.com/dm/{track.rng.randint(10**8, 10**9 - 1)}"}
        if spec.is_online
        else {"location": spec.place or f"{spec.org.name} 调解室"}
    )
    attendees = "、".join(p.get("name") or p["organization"].name for p in spec.parties)
    track.on(days["schedule"])
    track.do(
        lambda: services.session_schedule(
            actor=lead,
            case=state["case"],
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            attendees=f"{attendees}；调解员：{lead.last_name}{lead.first_name}",
            **where,
        )
    )
    track.do(lambda: services.case_start_mediation(actor=lead, case=state["case"]))
    if "extend_term" in days:
        consent = (
            f"双方当事人于{days['extend_term']:%Y年%m月%d日}书面同意延长调解期限"
            f"{item.extension_days}日，已报{ctx.courts[item.inbound.court].name}备案。"
        )
        track.on(days["extend_term"])
        track.do(
            lambda: services.referral_extend(
                actor=lead, referral=state["referral"], days=item.extension_days, consent=consent
            )
        )
    track.on(days["session"])
    track.now = max(track.now, starts + dt.timedelta(hours=2))

    def record(outcome: str, minutes: str) -> Callable[[], None]:
        def run() -> None:
            session = state["case"].sessions.order_by("-starts_at").first()
            services.session_record(actor=lead, session=session, minutes=minutes, outcome=outcome)

        return run

    if item.outcome == "mediating":
        track.do(
            record(
                SessionOutcome.CONTINUED,
                "双方陈述了各自意见，被申请人初步认可侵权事实，对赔偿数额有异议，约定补充证据后"
                "再次调解。",
            )
        )
        return
    if item.outcome in ("litigation", "returned"):
        track.do(record(SessionOutcome.NO_AGREEMENT, "双方未能就赔偿数额达成一致，调解不成。"))
        reason = base._FAIL_REASONS[track.index % len(base._FAIL_REASONS)]
        track.on(days["fail"])
        track.do(lambda: services.case_fail(actor=lead, case=state["case"], reason=reason))
        return
    track.do(
        record(SessionOutcome.AGREEMENT, "经调解员释法说理，双方自愿达成调解协议，当场签字确认。")
    )
    signed = days["session"]
    track.do(
        lambda: services.agreement_save(
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
    )
    track.do(lambda: services.case_settle(actor=lead, case=state["case"]))
    if item.inbound is not None:
        track.do(
            lambda: services.referral_close(
                actor=lead,
                referral=state["referral"],
                outcome=Outcome.AGREEMENT,
                result="双方达成调解协议，拟共同向委派法院申请司法确认。",
            )
        )


def _confirm(track: _Track, item: _Item, ctx: _Context) -> None:
    spec, days, state = item.spec, item.days, track.state
    lead = ctx.users[spec.mediators[0]]
    track.on(days["prepare"])

    def prepare() -> None:
        case = state["case"]
        state["confirmation"] = services.confirmation_prepare(
            actor=lead,
            case=case,
            court=_choose_court(item, case),
            joint_application=True,
            joint_application_note="双方当事人共同签署司法确认申请书。",
        )

    track.do(prepare)
    for number, kind in enumerate(item.materials, start=1):

        def upload(kind: str = kind, number: int = number) -> None:
            confirmation = state["confirmation"]
            text = f"zhangzhou_ip demo material {number}: {kind}, confirmation {confirmation.pk}"
            services.confirmation_material_add(
                actor=lead,
                confirmation=confirmation,
                kind=kind,
                file=ContentFile(minimal_pdf(text), name=f"{kind}.pdf"),
            )

        track.do(upload, minutes=2)
    if "file" not in days:
        return
    track.on(days["file"])
    track.do(lambda: services.confirmation_file(actor=lead, confirmation=state["confirmation"]))

    def court_user() -> Any:
        code = state["confirmation"].court.court_code
        return ctx.users["court"] if code == base.alliance_demo.COURT_CODE else lead

    if "not_accept" in days:
        track.on(days["not_accept"])
        track.do(
            lambda: services.confirmation_not_accept(
                actor=court_user(), confirmation=state["confirmation"], reason=item.reason
            )
        )
    if "court_accept" in days:
        track.on(days["court_accept"])

        def accept() -> None:
            confirmation = state["confirmation"]
            year = timezone.localdate().year
            state["confirmation"] = services.confirmation_accept(
                actor=court_user(),
                confirmation=confirmation,
                court_case_number=ctx.court_number(confirmation.court, year),
            )

        track.do(accept)
    if "extend" in days:
        track.on(days["extend"])
        track.do(
            lambda: services.confirmation_extend(
                actor=court_user(), confirmation=state["confirmation"]
            )
        )
    if "withdraw" in days:
        track.on(days["withdraw"])
        track.do(
            lambda: services.confirmation_withdraw(
                actor=lead, confirmation=state["confirmation"], reason=item.reason
            )
        )
    if "decide" in days:
        track.on(days["decide"])
        confirmed = item.outcome != "rejected"
        track.do(
            lambda: services.confirmation_decide(
                actor=court_user(),
                confirmation=state["confirmation"],
                confirmed=confirmed,
                ruling_on=timezone.localdate(),
                reason=item.reason,
            )
        )


def _refer(track: _Track, item: _Item, ctx: _Context) -> None:
    days, state = item.days, track.state
    lead = ctx.users[item.spec.mediators[0]]
    code, outcome, template = item.litigation
    court = ctx.courts[code]
    track.on(days["refer"])

    def refer() -> None:
        state["referral"] = services.referral_to_litigation(
            actor=lead,
            case=state["case"],
            court=court,
            note="调解不成，申请人决定起诉，已将调解材料移送法院诉讼服务中心。",
        )

    track.do(refer)
    if outcome:
        result = template.format(court=court.name, code=code, n=300 + track.index * 13)
        track.on(days["result"])
        track.do(
            lambda: services.referral_close(
                actor=lead, referral=state["referral"], outcome=outcome, result=result
            )
        )


def _return(track: _Track, item: _Item, ctx: _Context) -> None:
    state = track.state
    lead = ctx.users[item.spec.mediators[0]]
    track.on(item.days["result"])
    track.do(
        lambda: services.referral_close(
            actor=lead,
            referral=state["referral"],
            outcome=Outcome.RETURNED,
            result="调解期限届满未达成协议，已将案件材料退回委派法院立案审理。",
        )
    )


def _close(track: _Track, item: _Item, ctx: _Context) -> None:
    lead = ctx.users[item.spec.mediators[0]]
    waiver = "调解不成，已退回委派法院立案审理。" if item.outcome == "returned" else ""
    track.on(item.days["close"])
    track.do(
        lambda: services.case_close(actor=lead, case=track.state["case"], waiver_reason=waiver)
    )


def _timeline(item: _Item, index: int, rng: random.Random, ctx: _Context) -> list[base._Step]:
    track = _Track(index, rng)
    _open(track, item, ctx)
    _mediate(track, item, ctx)
    if item.litigation is not None:
        _refer(track, item, ctx)
    elif item.outcome == "returned":
        _return(track, item, ctx)
    elif "prepare" in item.days:
        _confirm(track, item, ctx)
    if "close" in item.days:
        _close(track, item, ctx)
    return track.steps


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------

_CONFIRMATION_OUTCOMES = {
    "confirmed",
    "rejected",
    "not_accepted",
    "withdrawn",
    "prepared",
    "filed",
    "accepted",
    "extended",
}


def _counts(plan: _Plan) -> dict[str, int]:
    applications = [i for i in plan.items if i.outcome in _CONFIRMATION_OUTCOMES]
    of_2024 = [i for i in applications if i.group == "2024"]
    return {
        "court_demo_cases": len(plan.items),
        "confirmations": len(applications),
        "confirmations_2024": len(of_2024),
        "administrative_2024": sum(1 for i in of_2024 if i.administrative),
        "confirmed_2024": sum(1 for i in of_2024 if i.outcome == "confirmed"),
        "referrals_inbound": sum(1 for i in plan.items if i.inbound is not None),
        "referrals_outbound": sum(1 for i in plan.items if i.litigation is not None),
    }


def _context() -> _Context:
    names = {"mediator", "clerk", "court", *base.COMMITTEE_MEDIATORS}
    users = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
    courts = {
        org.court_code: org
        for org in Organization.objects.filter(kind=Organization.Kind.COURT).select_related(
            "region__parent"
        )
    }
    return _Context(users=users, courts=courts)


def steps(world: base._World, today: dt.date) -> tuple[list[base._Step], dict[str, int]]:
    """The steps of this demo and its counts, for ``cases.demo.load`` to replay together with
    the base demo's in one pass of the simulated clock — so case numbers follow the order of
    receipt across both. Call inside the loader's transaction, after its accounts exist."""
    plan = build_plan(world, today)
    ctx = _context()
    rng = random.Random(SEED + 1)
    timeline = [
        step for index, item in enumerate(plan.items) for step in _timeline(item, index, rng, ctx)
    ]
    return timeline, _counts(plan)


def report(stdout, counts: dict[str, int]) -> None:
    if stdout is not None:
        stdout.write(
            f"  demo confirmations: {counts['confirmations']} "
            f"({counts['confirmations_2024']} filed in {YEAR}, "
            f"{counts['administrative_2024']} on administrative mediation); "
            f"referrals: {counts['referrals_inbound']} from courts, "
            f"{counts['referrals_outbound']} to litigation"
        )


def load(*, stdout=None) -> dict[str, int]:
    """On its own (when the base demo cases were loaded before this module existed): add the
    demo confirmations and referrals unless they are there already; return the counts."""
    world = base._read_world()
    today = timezone.localdate()
    plan = build_plan(world, today)
    counts = _counts(plan)
    if MediationCase.objects.filter(title__in=plan.titles).exists():
        if stdout is not None:
            stdout.write("  demo confirmations and referrals already loaded: nothing to do")
        return counts
    quiet = override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
    with quiet, transaction.atomic():
        timeline, counts = steps(world, today)
        timeline.sort(key=lambda s: (s.when, s.order))
        with base._simulated_clock() as clock:
            for step in timeline:
                clock[0] = step.when
                step.run()
    report(stdout, counts)
    return counts
