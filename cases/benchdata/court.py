"""Judicial confirmations of benchmark cases (``cases.benchdata``) at the competent courts, with
民特 numbers continuing each court's year."""

from __future__ import annotations

from typing import Any

from alliance.models import Organization
from cases.benchdata.common import _at
from cases.benchdata.context import _Context
from cases.benchdata.story import _Story
from cases.benchdata.world import _Handler
from cases.choices import MediationKind
from cases.models import JudicialConfirmation

# ---------------------------------------------------------------------------------------------
# Judicial confirmations
# ---------------------------------------------------------------------------------------------


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
