"""Sharing and collaboration in the benchmark data (``cases.benchdata``): case shares with
partner bureaus, collaboration requests about cases and between member bureaus."""

from __future__ import annotations

import datetime as dt
from typing import Any

from alliance import demo_collaboration as collab_demo
from alliance.models import CollaborationRequest, Organization
from cases import demo_sharing
from cases.benchdata.common import _at, _choice, _Days
from cases.benchdata.context import _Context
from cases.benchdata.story import _Story
from cases.benchdata.world import _Handler
from cases.models import CaseShare

#: Per case: a share with a partner bureau (cross-region; any case), a collaboration request
#: about it (probabilities).
SHARE_CROSS_REGION = 0.3
SHARE_LOCAL = 0.02
CASE_REQUEST = 0.04
_CASE_REQUEST_KINDS = [
    CollaborationRequest.Kind.EVIDENCE,
    CollaborationRequest.Kind.EVIDENCE,
    CollaborationRequest.Kind.SERVICE,
    CollaborationRequest.Kind.INVESTIGATION,
    CollaborationRequest.Kind.JOINT_MEDIATION,
    CollaborationRequest.Kind.CONFIRMATION,
]
_COLLAB_ENDS = [("completed", 82), ("declined", 8), ("cancelled", 10)]


# ---------------------------------------------------------------------------------------------
# Shares and collaboration requests
# ---------------------------------------------------------------------------------------------


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
