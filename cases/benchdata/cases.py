"""Benchmark cases (``cases.benchdata``): received on working days at the handling
organisations, numbered gaplessly, each written with its parties, rights, timeline, sessions
and agreement as its story stands at ``as_of``."""

from __future__ import annotations

import bisect
import datetime as dt
import random
import time
from collections import defaultdict
from decimal import Decimal
from itertools import accumulate
from typing import Any

from django.db import transaction

from alliance import demo_collaboration as collab_demo
from alliance.models import CollaborationRequest, CourtJurisdiction, Organization
from cases import demo as case_demo
from cases.benchdata.common import (
    TZ,
    ZERO,
    BenchReport,
    D,
    IPKind,
    Kind,
    Progress,
    _at,
    _choice,
    _money,
    _next_id,
    _reset_sequences,
)
from cases.benchdata.context import _CaseWriter, _Context
from cases.benchdata.court import _confirmation, _court_numbers
from cases.benchdata.evidence import _Evidence
from cases.benchdata.protection import _protection_actions
from cases.benchdata.sharing import _shares_and_requests, _standalone_requests
from cases.benchdata.story import _Story, _story
from cases.benchdata.world import _Enterprise, _Handler, _World
from cases.choices import (
    OWNERSHIP_DISPUTES,
    MediationKind,
    PartyKind,
    PartyRole,
    SessionOutcome,
    Source,
    Status,
)
from cases.models import Agreement, CaseNumberCounter, MediationCase, ProtectionAction
from cases.services.workflow import format_case_number

#: Cases of a key enterprise citing its earlier records (probability).
EVIDENCE_CITED = 0.5
#: Applicants and enterprise respondents from the handling organisation's own city.
LOCAL_SHARE = 0.5
#: Collaboration requests not about a case, and protection actions, per case.
REQUESTS_PER_CASE = 0.03
ACTIONS_PER_CASE = 0.1
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
_CLOSE_WAIVERS = {
    "settle": "协议已履行完毕，双方书面声明不申请司法确认。",
    "fail": "申请人已向人民法院提起诉讼，不再申请诉调对接转办。",
}


# ---------------------------------------------------------------------------------------------
# Cases: numbered in receipt order, each with its parties, timeline, sessions, agreement
# ---------------------------------------------------------------------------------------------


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
