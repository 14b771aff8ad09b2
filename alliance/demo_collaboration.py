"""Demo protection collaboration between the member bureaus (issue 5), run by ``alliance.demo``.

What it adds (all fictional):

* **135 collaboration requests sent in 2024** between the 34 member bureaus; ``cases.demo_sharing``
  adds the other **24 of the 159** — requests about a case, which also share the case. Zhangzhou
  sends or receives most of them; a bureau that joined in 2024 appears only after it joined.
  Each kind has its own subjects (evidence, joint mediation, service of documents, remote
  judicial confirmation, investigation, information exchange). Most are completed, mostly
  within the response term; some were declined or cancelled, a few are still accepted or open.
  Completed requests carry the receiving bureau's reply (a few with a PDF attachment), some a
  thank-you from the sender.
* **Current requests** dated back from today: open and accepted ones, some overdue, with the
  demo ``partner`` bureau (Shenyang) among the counterparts.

Rules it keeps, as the other demo loaders: every row through ``alliance.collaboration`` as the
user who would act — the demo ``clerk`` and ``mediator`` for Zhangzhou, ``partner`` for Shenyang,
and the platform administrator ``admin`` recording the other bureaus' side (they have no demo
accounts) — replayed in date order on a simulated clock (``timezone.now`` patched while it
runs); deterministic (one ``random.Random(SEED)`` over rows read in a fixed order); idempotent
(nothing is written when the plan's first request exists); one transaction. Notifications about
the replayed 2024 history are not queued (they would be a year old); current ones are.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from alliance import collaboration, deadlines
from alliance import demo as alliance_demo
from alliance.models import CollaborationRequest, Organization

SEED = 20245
YEAR = 2024
REQUESTS_2024 = 159
#: Sent by ``cases.demo_sharing`` about a case (the case is shared while the request runs).
CASE_LINKED_2024 = 24
STANDALONE_2024 = REQUESTS_2024 - CASE_LINKED_2024

Kind = CollaborationRequest.Kind
ZHANGZHOU = alliance_demo.ZHANGZHOU_BUREAU
SHENYANG = alliance_demo.PARTNER_BUREAU

# --- words --------------------------------------------------------------------------------------

#: Subject templates per kind: {brand} a Zhangzhou brand, {city} the other bureau's city,
#: {enterprise} a Zhangzhou enterprise.
SUBJECTS: dict[str, list[str]] = {
    Kind.EVIDENCE: [
        "协助调取{city}辖区商户销售涉嫌侵犯“{brand}”商标权商品的证据",
        "协助对{city}批发市场涉嫌侵犯{enterprise}外观设计专利的产品进行证据固定",
        "协助核实{enterprise}维权线索中{city}网店的经营主体及销售记录",
        "协助调取“{brand}”仿冒产品在{city}物流网点的发货记录",
    ],
    Kind.JOINT_MEDIATION: [
        "商请联合调解{enterprise}与{city}经营者商标侵权纠纷",
        "邀请派员参加“{brand}”专利侵权纠纷线上联合调解",
        "商请共同主持{enterprise}与{city}企业专利实施许可合同纠纷调解",
    ],
    Kind.SERVICE: [
        "协助向{city}当事人送达调解申请书及调解通知书",
        "协助向{city}被申请人送达《调解协议书》（{enterprise}案）",
        "协助送达{enterprise}纠纷调解会议通知",
    ],
    Kind.CONFIRMATION: [
        "协助{city}当事人办理调解协议异地司法确认（“{brand}”案）",
        "协助{city}当事人在线签署司法确认申请材料",
    ],
    Kind.INVESTIGATION: [
        "协助调查{city}电商主体销售假冒“{brand}”产品情况",
        "协查{city}企业涉嫌侵犯{enterprise}发明专利权线索",
        "协助核查{city}生产企业涉嫌使用“{brand}”近似标识情况",
    ],
    Kind.INFORMATION: [
        "通报“{brand}”商标侵权线索（{city}）",
        "请提供{city}相关市场主体登记及行政处罚信息（{enterprise}维权）",
        "互通{quarter}知识产权纠纷调解及协作案件信息",
        "通报{city}地区“{brand}”品牌产品市场监测情况",
    ],
}
BODIES: dict[str, str] = {
    Kind.EVIDENCE: "我局受理的一起知识产权纠纷中，权利人反映{city}有商户销售涉嫌侵权商品。"
    "根据《知识产权保护协作联盟协作办法》，请贵局协助对相关经营场所进行检查，"
    "固定购货凭证、库存及销售记录，并将检查笔录及照片反馈我局。",
    Kind.JOINT_MEDIATION: "该纠纷双方当事人分属两地，为便于当事人参加调解，"
    "拟采用线上线下结合方式联合调解，请贵局指派调解员一名参加，具体时间另行商定。",
    Kind.SERVICE: "因被申请人住所地在贵局辖区，邮寄送达未果，请协助当面送达相关文书，"
    "并将送达回证寄回我局。",
    Kind.CONFIRMATION: "双方已达成调解协议并拟申请司法确认，一方当事人在贵地，"
    "请协助其通过在线诉讼平台完成身份核验并签署申请材料。",
    Kind.INVESTIGATION: "权利人提供的线索显示，侵权产品可能来源于贵局辖区。"
    "请协助核实生产经营主体、规模及是否仍在销售，如发现违法行为请依法处理并告知结果。",
    Kind.INFORMATION: "为加强联盟成员间信息共享，现将有关情况通报如下，请结合辖区实际"
    "开展排查，并反馈相关市场主体信息。",
}
REPLIES: dict[str, list[str]] = {
    Kind.EVIDENCE: [
        "我局已于来函次日对相关商户进行现场检查，固定了购货凭证及库存照片，检查笔录随函附上。",
        "经检查，涉事网店实际经营地址已确认，销售记录已调取，现将材料反馈贵局。",
    ],
    Kind.JOINT_MEDIATION: [
        "我局已指派调解员参加联合调解，双方当事人当场达成调解协议。",
        "联合调解已完成，被申请人承诺停止销售并赔偿，相关情况已记录。",
    ],
    Kind.SERVICE: [
        "相关文书已当面送达被申请人，送达回证已寄出。",
        "经多次联系，已于今日完成送达，送达回证扫描件随函附上。",
    ],
    Kind.CONFIRMATION: [
        "已协助当事人在线完成身份核验并签署司法确认申请材料。",
        "当事人已通过在线诉讼平台提交申请，我局已告知其后续注意事项。",
    ],
    Kind.INVESTIGATION: [
        "经核查，涉事企业已停止生产，库存侵权产品已依法扣押，立案调查情况随函通报。",
        "经实地调查，未发现线索所述生产行为，已对相关经营者进行行政指导。",
    ],
    Kind.INFORMATION: [
        "已收悉，我局已组织辖区排查，并将相关市场主体信息反馈贵局。",
        "相关登记及处罚信息已整理完毕，现予反馈。",
    ],
}
THANKS = [
    "收悉，感谢贵局大力协助！",
    "材料已收到，谢谢支持，后续进展另行通报。",
    "感谢协助，案件已据此推进。",
]
DECLINE_NOTES = [
    "经核查，涉事经营主体不在我局辖区，建议转请其实际经营地市场监管部门协助。",
    "该事项已由人民法院立案受理，我局不宜再行协助调查。",
    "来函所附线索不足以确定协查对象，请补充材料后重新提出。",
]
CANCEL_NOTES = [
    "双方当事人已自行和解，撤回本次协作请求。",
    "申请人已撤回调解申请，本协作请求不再需要。",
    "经进一步核实，线索已在我市查清，撤回请求。",
]
_KINDS = (
    [Kind.EVIDENCE] * 30
    + [Kind.INFORMATION] * 22
    + [Kind.SERVICE] * 15
    + [Kind.JOINT_MEDIATION] * 12
    + [Kind.INVESTIGATION] * 12
    + [Kind.CONFIRMATION] * 9
)
# Outcomes of the 135 standalone requests of 2024.
_OUTCOMES_2024 = (
    ["completed"] * 95 + ["late"] * 13 + ["declined"] * 12 + ["cancelled"] * 9
    + ["accepted"] * 4 + ["open"] * 2
)  # fmt: skip
# Who the request is between: with Zhangzhou (either way) or between two other members.
_SIDES_2024 = ["zz_sends"] * 54 + ["zz_receives"] * 46 + ["others"] * 35


# --- days ---------------------------------------------------------------------------------------


@functools.cache
def _rest(day: dt.date) -> bool:
    try:
        return deadlines.is_rest_day(day)
    except deadlines.CalendarUnavailable:
        return day.weekday() >= 5


def workday_on_or_after(day: dt.date) -> dt.date:
    while _rest(day):
        day += dt.timedelta(days=1)
    return day


def workday_on_or_before(day: dt.date) -> dt.date:
    while _rest(day):
        day -= dt.timedelta(days=1)
    return day


def workdays_after(day: dt.date, n: int) -> dt.date:
    while n > 0:
        day += dt.timedelta(days=1)
        if not _rest(day):
            n -= 1
    return day


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


# --- the plan -----------------------------------------------------------------------------------


@dataclass
class Reply:
    side: str  # "target" or "sender"
    body: str
    day: dt.date
    attachment: bool = False


@dataclass
class RequestSpec:
    """One request and the days of its steps (``accept``, ``close``; replies have theirs)."""

    sender: Organization
    target: Organization
    kind: str
    subject: str
    body: str
    sent: dt.date
    outcome: str  # completed, late, declined, cancelled, accepted, open
    accept: dt.date | None = None
    close: dt.date | None = None
    note: str = ""
    replies: list[Reply] = field(default_factory=list)


@dataclass
class Words:
    """Zhangzhou brands and enterprises (from the alliance demo's plan) for the subjects."""

    brands: list[str]
    enterprises: list[str]


def words() -> Words:
    plan = alliance_demo.build_plan()
    key = [
        s for s in plan.organizations if s.is_key_enterprise and s.region_code.startswith("3506")
    ]
    return Words(
        brands=sorted({s.brand for s in key if s.brand}), enterprises=[s.name for s in key]
    )


def city_of(org: Organization) -> str:
    return org.region.name


def subject_and_body(
    rng: random.Random,
    kind: str,
    sender: Organization,
    target: Organization,
    vocabulary: Words,
    sent: dt.date,
    *,
    brand: str | None = None,
    enterprise: str | None = None,
) -> tuple[str, str]:
    """A subject of ``kind`` about a Zhangzhou brand or enterprise: assistance happens in the
    target's city; information is about the sender's."""
    place = sender if kind == Kind.INFORMATION else target
    values = {
        "brand": brand or rng.choice(vocabulary.brands),
        "enterprise": enterprise or rng.choice(vocabulary.enterprises),
        "city": city_of(place),
        "quarter": f"{sent.year}年第{(sent.month - 1) // 3 + 1}季度",
    }
    subject = rng.choice(SUBJECTS[kind]).format(**values)
    return subject[:200], BODIES[kind].format(**values)


def members() -> list[Organization]:
    """The demo plan's member bureaus, in region-code order."""
    names = {s.name for s in alliance_demo.build_plan().organizations if s.alliance_joined_on}
    return list(
        Organization.objects.filter(
            alliance_joined_on__isnull=False, is_active=True, name__in=names
        )
        .select_related("region")
        .order_by("region__code", "pk")
    )


def lifecycle(
    rng: random.Random, spec: RequestSpec, *, today: dt.date | None = None
) -> RequestSpec:
    """Fill in the days of accepting, closing and replying after ``spec.sent`` by outcome;
    days after ``today`` (current requests) are left out."""
    due = collaboration.response_due_on(spec.kind, spec.sent)
    outcome = spec.outcome
    if outcome == "declined":
        spec.close = workdays_after(spec.sent, rng.randint(1, 3))
        spec.note = rng.choice(DECLINE_NOTES)
        return spec
    if outcome == "cancelled":
        if rng.random() < 0.5:
            spec.accept = workdays_after(spec.sent, rng.randint(1, 2))
        spec.close = workdays_after(spec.accept or spec.sent, rng.randint(2, 6))
        spec.note = rng.choice(CANCEL_NOTES)
        return spec
    if outcome == "open":
        return spec
    spec.accept = workdays_after(spec.sent, rng.randint(0, 2))
    if outcome == "accepted":
        return spec
    if outcome == "late":
        spec.close = workdays_after(due, rng.randint(1, 8))
    else:
        room = max(1, sum(1 for d in _days(spec.accept, due) if not _rest(d)))
        spec.close = workdays_after(spec.accept, rng.randint(1, room) if due > spec.accept else 0)
        spec.close = min(spec.close, max(due, spec.accept))
    if today is not None and spec.close >= today:
        spec.close, spec.outcome = None, "accepted"
        return spec
    spec.replies.append(
        Reply("target", rng.choice(REPLIES[spec.kind]), spec.close, rng.random() < 0.08)
    )
    if rng.random() < 0.3 and spec.sender.name in (ZHANGZHOU, SHENYANG):
        # Only bureaus with a demo account thank (the administrator answers for the others).
        spec.replies.append(Reply("sender", rng.choice(THANKS), workdays_after(spec.close, 1)))
    return spec


def _days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        yield day


def _pick_pair(
    rng: random.Random, side: str, zz: Organization, others: list[Organization], sent: dt.date
) -> tuple[Organization, Organization]:
    joined = [o for o in others if o.alliance_joined_on <= sent]
    if side == "zz_sends":
        return zz, rng.choice(joined)
    if side == "zz_receives":
        return rng.choice(joined), zz
    first = rng.choice(joined)
    # Neighbours exchange most: prefer a member of the same province.
    same = [o for o in joined if o.region.code[:2] == first.region.code[:2] and o.pk != first.pk]
    second = rng.choice(same) if same and rng.random() < 0.6 else first
    while second.pk == first.pk:
        second = rng.choice(joined)
    return first, second


def build_plan(today: dt.date) -> list[RequestSpec]:
    """The standalone requests of 2024, then the current ones, from one ``Random(SEED)``."""
    rng = random.Random(SEED)
    bureaus = members()
    zz = next(o for o in bureaus if o.name == ZHANGZHOU)
    sy = next(o for o in bureaus if o.name == SHENYANG)
    others = [o for o in bureaus if o.pk != zz.pk]
    vocabulary = words()
    outcomes, sides = list(_OUTCOMES_2024), list(_SIDES_2024)
    rng.shuffle(outcomes)
    rng.shuffle(sides)
    specs: list[RequestSpec] = []
    start, end = dt.date(YEAR, 1, 3), dt.date(YEAR, 12, 20)
    span = (end - start).days
    for index in range(STANDALONE_2024):
        sent = workday_on_or_after(start + dt.timedelta(days=round(index * span / STANDALONE_2024)))
        outcome, side = outcomes[index], sides[index]
        if outcome in ("accepted", "open") and side == "others":
            side = "zz_receives"  # the open leftovers sit in a queue someone can see
        sender, target = _pick_pair(rng, side, zz, others, sent)
        kind = rng.choice(_KINDS)
        subject, body = subject_and_body(rng, kind, sender, target, vocabulary, sent)
        spec = RequestSpec(sender, target, kind, subject, body, sent, outcome)
        specs.append(lifecycle(rng, spec))
    specs.extend(_current(rng, zz, sy, others, vocabulary, today))
    return specs


def _current(
    rng: random.Random,
    zz: Organization,
    sy: Organization,
    others: list[Organization],
    vocabulary: Words,
    today: dt.date,
) -> list[RequestSpec]:
    """A handful of this year's requests around today: open and accepted, some overdue."""
    xm = next(o for o in others if o.region.code == "350200")
    qz = next(o for o in others if o.region.code == "350500")
    rows = [
        # sender, target, kind, working days ago, outcome
        (sy, zz, Kind.CONFIRMATION, 14, "open"),  # overdue in Zhangzhou's queue
        (zz, xm, Kind.SERVICE, 18, "accepted"),  # overdue at Xiamen
        (zz, sy, Kind.EVIDENCE, 2, "open"),  # waiting in the partner's inbox
        (qz, zz, Kind.INFORMATION, 1, "open"),
        (zz, qz, Kind.INVESTIGATION, 6, "accepted"),
        (sy, zz, Kind.JOINT_MEDIATION, 4, "accepted"),
        (zz, sy, Kind.INFORMATION, 20, "completed"),
        (xm, zz, Kind.EVIDENCE, 25, "completed"),
    ]
    specs = []
    for sender, target, kind, back, outcome in rows:
        sent = today
        for _n in range(back):
            sent = workday_on_or_before(sent - dt.timedelta(days=1))
        subject, body = subject_and_body(rng, kind, sender, target, vocabulary, sent)
        spec = RequestSpec(sender, target, kind, subject, body, sent, outcome)
        specs.append(lifecycle(rng, spec, today=today))
    return specs


# --- replaying ----------------------------------------------------------------------------------


@dataclass
class Step:
    when: dt.datetime
    order: tuple[int, ...]
    run: Callable[[], Any]


def demo_users() -> dict[str, Any]:
    names = {"admin", "clerk", "mediator", "partner"}
    return {u.username: u for u in get_user_model().objects.filter(username__in=names)}


def actor(users: dict[str, Any], org: Organization, *, answering: bool = False) -> Any:
    """Who acts for ``org`` in the demo: Zhangzhou's clerk sends and its mediator answers,
    Shenyang's partner, and the administrator records the other bureaus' side."""
    if org.name == ZHANGZHOU:
        return users["mediator" if answering else "clerk"]
    if org.name == SHENYANG:
        return users["partner"]
    return users["admin"]


def pdf_bytes(text: str) -> bytes:
    """A tiny valid one-page PDF (a stand-in for a scanned letter)."""
    stream = f"BT /F1 12 Tf 72 770 Td ({text}) Tj ET".encode("ascii")
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


def request_steps(
    spec: RequestSpec,
    order: tuple[int, ...],
    users: dict[str, Any],
    *,
    send: Callable[[], CollaborationRequest] | None = None,
    send_at: dt.datetime | None = None,
) -> list[Step]:
    """The service calls of one request, with their times. ``send`` replaces the plain
    ``collaboration_send`` (``cases.demo_sharing`` sends about a case)."""
    rng = random.Random(f"{spec.subject}|{spec.sent.isoformat()}")  # str seeds are stable
    state: dict[str, Any] = {}
    steps: list[Step] = []
    sender = actor(users, spec.sender)
    target = actor(users, spec.target, answering=True)

    def add(when: dt.datetime, run: Callable[[], Any]) -> None:
        if steps and when <= steps[-1].when:
            when = steps[-1].when + dt.timedelta(minutes=20)
        steps.append(Step(when, (*order, len(steps)), run))

    def do_send() -> None:
        if send is not None:
            state["request"] = send()
        else:
            state["request"] = collaboration.collaboration_send(
                actor=sender,
                from_organization=spec.sender,
                to_organization=spec.target,
                kind=spec.kind,
                subject=spec.subject,
                body=spec.body,
            )

    add(send_at or at(spec.sent, rng.randint(9, 11), rng.choice([0, 15, 30, 45])), do_send)

    def call(service: Callable[..., Any], who: Any, **kwargs: Any) -> Callable[[], None]:
        def run() -> None:
            state["request"] = service(actor=who, request=state["request"], **kwargs)

        return run

    if spec.accept is not None:
        add(
            at(spec.accept, rng.randint(13, 16), rng.choice([0, 20, 40])),
            call(collaboration.collaboration_accept, target),
        )
    closing = spec.close is not None and spec.outcome in ("completed", "late")
    for reply in spec.replies:
        who = target if reply.side == "target" else sender

        def run(reply: Reply = reply, who: Any = who) -> None:
            attachment = None
            if reply.attachment:
                attachment = ContentFile(pdf_bytes("Reply"), name="reply.pdf")
            collaboration.collaboration_reply(
                actor=who, request=state["request"], body=reply.body, attachment=attachment
            )

        hour = 10 if reply.side == "target" else 15
        add(at(reply.day, hour, rng.choice([0, 10, 20])), run)
        if closing and reply.side == "target":
            add(
                at(reply.day, hour, 45),
                call(collaboration.collaboration_complete, target, note=""),
            )
            closing = False
    if closing:
        add(at(spec.close, 16), call(collaboration.collaboration_complete, target, note=""))
    elif spec.outcome == "declined":
        add(
            at(spec.close, 11),
            call(collaboration.collaboration_decline, target, note=spec.note),
        )
    elif spec.outcome == "cancelled":
        add(
            at(spec.close, 17),
            call(collaboration.collaboration_cancel, sender, note=spec.note),
        )
    return steps


@contextmanager
def simulated_clock() -> Iterator[list[dt.datetime | None]]:
    """Patch ``timezone.now`` (and so ``localdate`` and ``auto_now`` fields) to the time of
    the step being replayed."""
    real_now = timezone.now
    current: list[dt.datetime | None] = [None]
    with mock.patch.object(timezone, "now", lambda: current[0] or real_now()):
        yield current


def _drop(func: Callable[[], Any], using: str | None = None, robust: bool = False) -> None:
    """``transaction.on_commit`` while replaying history: the notification is dropped."""


def replay(steps: list[Step], *, history_before: dt.date) -> None:
    """Run ``steps`` in time order on the simulated clock. Steps before ``history_before``
    queue no after-commit work (their notifications would be stale)."""
    steps = sorted(steps, key=lambda s: (s.when, s.order))
    history = [s for s in steps if s.when.date() < history_before]
    recent = [s for s in steps if s.when.date() >= history_before]
    with simulated_clock() as clock:
        with mock.patch.object(transaction, "on_commit", _drop):
            for step in history:
                clock[0] = step.when
                step.run()
        for step in recent:
            clock[0] = step.when
            step.run()


def _counts(specs: list[RequestSpec]) -> dict[str, int]:
    of_year = [s for s in specs if s.sent.year == YEAR]
    return {
        "collaboration_requests_2024": len(of_year),
        "collaboration_requests_current": len(specs) - len(of_year),
    }


def load(*, stdout=None) -> dict[str, int]:
    """Add the demo collaboration requests unless they are there already; return counts."""
    today = timezone.localdate()
    specs = build_plan(today)
    counts = _counts(specs)
    first = specs[0]
    if CollaborationRequest.objects.filter(
        from_organization=first.sender, subject=first.subject, sent_on=first.sent
    ).exists():
        if stdout is not None:
            stdout.write("  demo collaboration requests already loaded: nothing to do")
        return counts
    users = demo_users()
    quiet = override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
    with quiet, transaction.atomic():
        steps = [
            step
            for index, spec in enumerate(specs)
            for step in request_steps(spec, (index,), users)
        ]
        replay(steps, history_before=dt.date(today.year, 1, 1))
    if stdout is not None:
        stdout.write(
            f"  demo collaboration requests: {counts['collaboration_requests_2024']} sent in "
            f"{YEAR} (with {CASE_LINKED_2024} about cases from the cases demo: "
            f"{REQUESTS_2024}), {counts['collaboration_requests_current']} current"
        )
    return counts
