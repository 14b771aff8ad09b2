"""Demo case sharing and case collaboration (issue 5), run at the end of ``cases.demo.load``.

What it adds (all fictional):

* **89 coordinated cases received in 2024** — a case counts once however many members took
  part; it is coordinated when it has at least one share with, or collaboration request to,
  another member (``MediationCaseFilterSet``'s ``coordinated``):
  - 44 of the Zhangzhou cases of 2024 (``cases.demo_court``): shared with the member bureau of a
    party's city (or another member), as ``view`` or ``collaborate``, or — 14 of them — the
    subject of a collaboration request from the Zhangzhou bureau;
  - 45 new cases of 2024 at other founding member bureaus (a Zhangzhou right infringed in their
    city, mediated to the end), shared with the Zhangzhou bureau or — 10 of them — the subject
    of a collaboration request to it.
  The 24 requests are the part of the **159 requests of 2024** that ``alliance.demo_collaboration``
  leaves to this module.
* **Current shares with the demo ``partner`` bureau (Shenyang)**, so its "shared with us" inbox
  has cases: a ``view`` share, a ``collaborate`` share with comments from both sides, a case
  collaboration request still open, and one share revoked; a share with Xiamen; and a Shenyang
  case shared with the Zhangzhou bureau.

The same rules as the other demo loaders: through the services as the user who would act (the
assigned mediator shares; the administrator records other bureaus' answers, see
``alliance.demo_collaboration``), replayed in date order on the simulated clock; deterministic;
idempotent (nothing is written when its cases or shares exist); one transaction; notifications
of the replayed 2024 history are not queued.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.test.utils import override_settings
from django.utils import timezone

from alliance import demo_collaboration as collab
from alliance.models import CollaborationRequest, Organization
from cases import demo as base
from cases import demo_court, services
from cases.choices import MediationKind, Source, Status
from cases.models import CaseShare, MediationCase

SEED = 20246
YEAR = 2024
COORDINATED_2024 = 89
EXISTING_SHARED = 44  # of demo_court's 2024 cases at Zhangzhou
EXISTING_LINKED = 14  # of which through a collaboration request
NEW_CASES = COORDINATED_2024 - EXISTING_SHARED  # at other member bureaus
NEW_LINKED = collab.CASE_LINKED_2024 - EXISTING_LINKED

Kind = CollaborationRequest.Kind
Level = CaseShare.Level
_CASE_KINDS = (
    [Kind.EVIDENCE] * 4
    + [Kind.SERVICE] * 3
    + [Kind.INVESTIGATION] * 2
    + [
        Kind.JOINT_MEDIATION,
        Kind.CONFIRMATION,
    ]
)
# Outcomes of the 14 + 10 case requests of 2024 (their share ends with the request).
_EXISTING_OUTCOMES = ["completed"] * 11 + ["late", "declined", "cancelled"]
_NEW_OUTCOMES = ["completed"] * 7 + ["late", "declined", "cancelled"]
_SHARE_REASONS = [
    "被申请人住所地在{city}，共享案情以便协助了解其经营情况。",
    "涉案侵权商品在{city}销售，共享案件以便当地市场监管部门协查。",
    "一方当事人在{city}，共享案件以便协助送达和联络当事人。",
    "同一权利人在{city}有关联纠纷，共享案件信息以便统一调解尺度。",
]
_ZZ_REASONS = [
    "申请人系漳州企业，共享案件以便漳州市市场监管局协助核实权属及许可情况。",
    "涉案权利为漳州地理标志及商标，共享案情以便权利人所在地协助调解。",
    "申请人住所地在漳州，共享案件以便协助联络申请人及送达文书。",
]


def _members_of(world: base._World) -> dict[str, Organization]:
    return {b.name: b for b in world.bureaus}


def _lead(case: MediationCase) -> Any:
    assignment = (
        case.assignments.filter(unassigned_at__isnull=True)
        .select_related("user")
        .order_by("assigned_at", "pk")
        .first()
    )
    return assignment.user if assignment is not None else None


def _reason(rng: random.Random, target: Organization) -> str:
    return rng.choice(_SHARE_REASONS).format(city=target.region.name)


class _Plan:
    """Steps and counts, built in a fixed order from one ``random.Random(SEED)``."""

    def __init__(self, world: base._World, today: dt.date) -> None:
        self.world, self.today = world, today
        self.rng = random.Random(SEED)
        self.steps: list[collab.Step] = []
        self.users = collab.demo_users() | {
            u.username: u for u in get_user_model().objects.filter(username__startswith="mediator_")
        }
        self.vocabulary = collab.words()
        bureaus = _members_of(world)
        self.zz = world.bureau
        self.sy = world.partner
        self.xm = next(b for b in bureaus.values() if b.region.code == "350200")
        self.court_plan = demo_court.build_plan(world, today)
        reserved = dataclasses.replace(world, used_titles=set())
        base.build_plan(reserved)
        self.base_titles = sorted(reserved.used_titles)
        self.new_world = dataclasses.replace(
            world, used_titles=reserved.used_titles | set(self.court_plan.titles)
        )
        self.existing_titles = [i.spec.title for i in self.court_plan.items if i.group == "2024"]
        self.new_specs: list[tuple[base._CaseSpec, dt.date]] = []
        self.counts = {"coordinated_cases_2024": 0, "case_requests_2024": 0, "shares_current": 0}

    # --- 2024 ----------------------------------------------------------------------------

    def _request(
        self,
        order: int,
        case_ref: dict[str, MediationCase],
        sender: Organization,
        target: Organization,
        sent_at: dt.datetime,
        outcome: str,
        who: Any,
    ) -> None:
        rng = self.rng
        kind = rng.choice(_CASE_KINDS)
        applicant = next(
            (p for p in case_ref["spec"].parties if p.get("organization") is not None), None
        )
        subject, body = collab.subject_and_body(
            rng,
            kind,
            sender,
            target,
            self.vocabulary,
            sent_at.date(),
            enterprise=applicant["organization"].name if applicant else None,
        )
        spec = collab.RequestSpec(sender, target, kind, subject, body, sent_at.date(), outcome)
        collab.lifecycle(rng, spec, today=self.today)

        def send() -> CollaborationRequest:
            return services.case_collaboration_request(
                actor=who,
                case=case_ref["case"],
                from_organization=sender,
                to_organization=target,
                kind=kind,
                subject=subject,
                body=body,
            )

        self.steps += collab.request_steps(
            spec, (300_000 + order,), self.users, send=send, send_at=sent_at
        )
        self.counts["case_requests_2024"] += spec.sent.year == YEAR

    def existing_2024(self) -> None:
        """Share 44 of demo_court's Zhangzhou cases of 2024 while they were being mediated."""
        rng = self.rng
        cases = list(
            MediationCase.objects.filter(title__in=self.existing_titles, received_on__year=YEAR)
            .select_related("handling_organization")
            .order_by("received_on", "pk")
        )
        chosen = sorted(rng.sample(cases, min(EXISTING_SHARED, len(cases))), key=lambda c: c.pk)
        others = [b for b in self.world.bureaus if b.pk != self.zz.pk]
        linked = 0
        outcomes = list(_EXISTING_OUTCOMES)
        rng.shuffle(outcomes)
        for index, case in enumerate(chosen):
            lead = _lead(case)
            day = collab.workdays_after(case.accepted_on, rng.randint(1, 3))
            if case.closed_on and day >= case.closed_on:
                day = case.accepted_on
            # The bureau of a party's city if it had joined by then, else another member.
            proposed = [
                b
                for b in services.share_targets(case).select_related("region")
                if b.alliance_joined_on <= day
            ]
            joined = [b for b in others if b.alliance_joined_on <= day]
            target = proposed[0] if proposed else rng.choice(joined)
            when = base._at(day, 16, rng.choice([5, 25, 45]))
            if lead is not None and lead.username == "mediator" and linked < EXISTING_LINKED:
                spec = {"spec": _spec_of(case, self.court_plan), "case": case}
                self._request(index, spec, self.zz, target, when, outcomes[linked], lead)
                linked += 1
            else:
                level = Level.COLLABORATE if rng.random() < 0.4 else Level.VIEW
                reason = _reason(rng, target)
                self.steps.append(
                    collab.Step(
                        when,
                        (300_000 + index, 0),
                        lambda c=case, a=lead, t=target, lv=level, r=reason: services.share_grant(
                            actor=a, case=c, organization=t, level=lv, reason=r
                        ),
                    )
                )
            self.counts["coordinated_cases_2024"] += 1

    def new_2024(self) -> None:
        """45 cases of 2024 at other founding members, shared with or asking Zhangzhou."""
        rng, world = self.rng, self.new_world
        founders = [
            b for b in world.bureaus if b.pk != self.zz.pk and b.alliance_joined_on.year < YEAR
        ]
        linked = 0
        outcomes = list(_NEW_OUTCOMES)
        rng.shuffle(outcomes)
        for index in range(NEW_CASES):
            bureau = founders[index % len(founders)]
            user = "partner" if bureau.pk == self.sy.pk else base._other_mediator(bureau)
            local = [e for e in world.other_enterprises if e.region_id == bureau.region_id]
            respondent = (
                local[0] if local and rng.random() < 0.5 else base._person(rng, bureau.region)
            )
            spec = base._spec(
                rng,
                world,
                org=bureau,
                creator=user,
                mediators=[user],
                target="closed",
                applicant=rng.choice(world.key_enterprises),
                respondent=respondent,
                mediation_kind=MediationKind.ADMINISTRATIVE,
                source=rng.choice([Source.ALLIANCE_COLLABORATION, Source.DIRECT]),
            )
            end = dt.date(YEAR, 5, 20) + dt.timedelta(days=round(index * 205 / NEW_CASES))
            timeline = base._timeline(spec, 100_000 + index, rng, self.users, end)
            self.steps += timeline
            self.new_specs.append((spec, end))
            accepted = timeline[3 + len(spec.parties) + len(spec.rights)].when
            when = accepted + dt.timedelta(minutes=40)
            case_ref: dict[str, Any] = {"spec": spec}
            lead = self.users[user]

            def created(case_ref: dict[str, Any] = case_ref, title: str = spec.title) -> None:
                case_ref["case"] = MediationCase.objects.get(title=title)

            self.steps.append(
                collab.Step(when - dt.timedelta(minutes=1), (100_000 + index, 99), created)
            )
            if linked < NEW_LINKED and index % 4 == 1:
                self._request(1000 + index, case_ref, bureau, self.zz, when, outcomes[linked], lead)
                linked += 1
            else:
                level = Level.COLLABORATE if rng.random() < 0.5 else Level.VIEW
                reason = rng.choice(_ZZ_REASONS)
                self.steps.append(
                    collab.Step(
                        when,
                        (100_000 + index, 100),
                        lambda c=case_ref, a=lead, lv=level, r=reason: services.share_grant(
                            actor=a, case=c["case"], organization=self.zz, level=lv, reason=r
                        ),
                    )
                )
            self.counts["coordinated_cases_2024"] += 1

    # --- this year ---------------------------------------------------------------------------

    def current(self) -> None:
        """Shares with the partner bureau (Shenyang) and others around today."""
        rng, today, users = self.rng, self.today, self.users
        mediator, partner = users["mediator"], users["partner"]
        titles = self.base_titles
        recent = today - dt.timedelta(days=10)
        ours = list(
            MediationCase.objects.filter(
                title__in=titles,
                handling_organization__in=[self.world.committee, self.zz],
                status__in=[Status.ACCEPTED, Status.MEDIATING, Status.SETTLED],
                accepted_on__lte=recent,
                assignments__user=mediator,
                assignments__unassigned_at__isnull=True,
            )
            .distinct()
            .order_by("accepted_on", "pk")
        )[:5]
        theirs = (
            MediationCase.objects.filter(
                title__in=titles,
                handling_organization=self.sy,
                accepted_on__lte=recent,
                assignments__user=partner,
                assignments__unassigned_at__isnull=True,
            )
            .order_by("accepted_on", "pk")
            .first()
        )

        def back(days: int, hour: int) -> dt.datetime:
            day = today
            for _n in range(days):
                day = collab.workday_on_or_before(day - dt.timedelta(days=1))
            return base._at(day, hour, rng.choice([0, 15, 30]))

        def share(order: int, when: dt.datetime, case, org, level, who=mediator) -> None:
            reason = _reason(rng, org)
            self.steps.append(
                collab.Step(
                    when,
                    (400_000 + order, 0),
                    lambda: services.share_grant(
                        actor=who, case=case, organization=org, level=level, reason=reason
                    ),
                )
            )
            self.counts["shares_current"] += 1

        if len(ours) >= 5:
            share(0, back(6, 10), ours[0], self.sy, Level.VIEW)
            share(1, back(5, 10), ours[1], self.sy, Level.COLLABORATE)
            self._comments(ours[1], back(4, 9), back(3, 14))
            spec = {"spec": None, "case": ours[2]}
            self._current_request(spec, back(2, 9))
            share(3, back(8, 11), ours[3], self.sy, Level.VIEW)
            self._revoke(ours[3], back(6, 16))
            share(4, back(7, 15), ours[4], self.xm, Level.COLLABORATE)
        if theirs is not None:
            share(5, back(3, 11), theirs, self.zz, Level.COLLABORATE, who=partner)

    def _comments(self, case: MediationCase, first: dt.datetime, answer: dt.datetime) -> None:
        mediator, partner = self.users["mediator"], self.users["partner"]
        state: dict[str, Any] = {}

        def ask() -> None:
            state["comment"] = services.comment_add(
                actor=mediator,
                case=case,
                body="被申请人称其进货来源为沈阳某批发商，请贵局协助核实该批发商的登记信息。",
            )

        def reply() -> None:
            state["reply"] = services.comment_add(
                actor=partner,
                case=case,
                reply_to=state["comment"],
                body="已核实：该批发商登记于沈阳市于洪区，近两年无行政处罚记录，经营地址已随函告知。",
            )

        def thanks() -> None:
            services.comment_add(
                actor=mediator,
                case=case,
                reply_to=state["reply"],
                body="收到，谢谢！将据此通知被申请人补充进货凭证。",
            )

        self.steps += [
            collab.Step(first, (410_000, 0), ask),
            collab.Step(answer, (410_000, 1), reply),
            collab.Step(answer + dt.timedelta(hours=1), (410_000, 2), thanks),
        ]

    def _current_request(self, case_ref: dict[str, Any], when: dt.datetime) -> None:
        mediator = self.users["mediator"]
        case = case_ref["case"]
        subject = "协助向沈阳当事人送达调解通知书及补充证据通知"
        body = collab.BODIES[Kind.SERVICE].format(city=self.sy.region.name)

        def send() -> None:
            services.case_collaboration_request(
                actor=mediator,
                case=case,
                from_organization=self.zz,
                to_organization=self.sy,
                kind=Kind.SERVICE,
                subject=subject,
                body=body,
            )

        self.steps.append(collab.Step(when, (420_000, 0), send))
        self.counts["shares_current"] += 1

    def _revoke(self, case: MediationCase, when: dt.datetime) -> None:
        mediator = self.users["mediator"]

        def revoke() -> None:
            share = case.shares.get(organization=self.sy, revoked_at__isnull=True)
            services.share_revoke(
                actor=mediator, share=share, reason="协查事项已办结，不再需要共享案件。"
            )

        self.steps.append(collab.Step(when, (430_000, 0), revoke))


def coordinated_cases(year: int) -> QuerySet[MediationCase]:
    """Cases received in ``year`` with at least one share or case collaboration request to
    another member — each counted once (the ``coordinated`` filter's definition)."""
    shared = CaseShare.objects.filter(case=OuterRef("pk"))
    return MediationCase.objects.filter(received_on__year=year).filter(Exists(shared))


def _spec_of(case: MediationCase, court_plan: demo_court._Plan) -> base._CaseSpec:
    return next(i.spec for i in court_plan.items if i.spec.title == case.title)


def load(*, stdout=None) -> dict[str, int]:
    """Add the demo shares, comments and case requests unless they are there already."""
    world = base._read_world()
    today = timezone.localdate()
    plan = _Plan(world, today)
    loaded = CaseShare.objects.filter(case__title__in=plan.existing_titles).exists()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        if not loaded:
            with transaction.atomic():
                plan.existing_2024()
                plan.new_2024()
                plan.current()
                collab.replay(plan.steps, history_before=dt.date(today.year, 1, 1))
    counts = {
        "coordinated_cases_2024": coordinated_cases(YEAR).count(),
        "collaboration_requests_2024": CollaborationRequest.objects.filter(
            sent_on__year=YEAR
        ).count(),
    }
    if stdout is not None:
        if loaded:
            stdout.write("  demo shares already loaded: nothing to do")
        else:
            stdout.write(
                f"  demo sharing: {plan.counts['coordinated_cases_2024']} coordinated cases "
                f"received in {YEAR} ({NEW_CASES} new), {plan.counts['case_requests_2024']} "
                f"case collaboration requests in {YEAR}, {plan.counts['shares_current']} "
                "current shares with partners"
            )
    return counts
