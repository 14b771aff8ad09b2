"""Protection actions in the benchmark data (``cases.benchdata``): key enterprises' actions
through their service points, citing earlier records."""

from __future__ import annotations

from cases.benchdata.common import ZERO, _at, _choice, _money, _next_id
from cases.benchdata.context import _Context
from cases.models import ProtectionAction
from evidence import demo as evidence_demo

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


# ---------------------------------------------------------------------------------------------
# Protection actions
# ---------------------------------------------------------------------------------------------


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
