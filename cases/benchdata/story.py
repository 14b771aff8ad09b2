"""The story of a benchmark case (``cases.benchdata``): its path and the days of its steps,
judicial confirmation included, cut at ``as_of``."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from cases.benchdata.common import CStatus, _choice, _Days
from cases.choices import Status

#: Share of cases left as drafts, and the paths of the others (weights).
DRAFT_SHARE = 0.03
PATHS = {"settle": 70, "fail": 15, "withdraw": 9, "decline": 6}
#: Settled / failed cases that are never formally closed (the close step is often skipped).
NEVER_CLOSED = {"settle": 0.25, "fail": 0.3}
#: Settled cases (with a competent court) whose agreement goes to judicial confirmation.
CONFIRMATION = 0.3
_CONFIRMATION_ENDS = [("confirmed", 85), ("rejected", 5), ("not_accepted", 5), ("withdrawn", 5)]


# ---------------------------------------------------------------------------------------------
# Cases: a story per case, cut at ``as_of``
# ---------------------------------------------------------------------------------------------


@dataclass
class _Story:
    """The days of one case's steps that happened by ``as_of`` and its status then."""

    path: str
    created: dt.date
    steps: list[tuple[str, dt.date]]  # (status reached, day), in order
    session: dt.date | None = None  # the first session (may lie ahead for an accepted case)
    second_session: dt.date | None = None
    confirmation: dict[str, Any] | None = None

    @property
    def status(self) -> str:
        return self.steps[-1][0] if self.steps else Status.DRAFT

    def day(self, status: str) -> dt.date | None:
        for reached, day in self.steps:
            if reached == status:
                return day
        return None


def _story(rng: random.Random, days: _Days, received: dt.date, *, confirmable: bool) -> _Story:
    """Draw a case's path and the days of its steps; keep the steps up to ``days.last``."""
    last, after = days.last, days.after
    if rng.random() < DRAFT_SHARE:
        return _Story("draft", received, [])
    path = _choice(rng, list(PATHS.items()))
    created = received - dt.timedelta(days=rng.choice([0, 0, 0, 1, 2]))
    planned: list[tuple[str, dt.date]] = [(Status.SUBMITTED, received)]
    accepted = after(received, rng.randint(1, 8))
    mediating = after(accepted, rng.randint(2, 15))
    story = _Story(path, created, [])
    if path == "decline":
        planned.append((Status.DECLINED, after(received, rng.randint(1, 6))))
    elif path == "withdraw":
        stage = rng.random()
        if stage >= 0.4:
            planned.append((Status.ACCEPTED, accepted))
        if stage >= 0.7:
            planned.append((Status.MEDIATING, mediating))
            story.session = mediating
        base = planned[-1][1]
        planned.append((Status.WITHDRAWN, after(base, rng.randint(1, 15))))
    else:
        planned += [(Status.ACCEPTED, accepted), (Status.MEDIATING, mediating)]
        story.session = mediating
        if path == "settle":
            settled = after(mediating, rng.choice([0, 0, 2, 5, 10, 20, 30]))
            if settled > mediating:
                story.second_session = settled
            planned.append((Status.SETTLED, settled))
            finished = settled
            if confirmable and rng.random() < CONFIRMATION:
                # A case is closed only once the court has decided (``case_close``).
                story.confirmation = _confirmation_days(rng, days, settled)
                finished = story.confirmation["end_day"]
        else:
            story.second_session = after(mediating, rng.randint(5, 15))
            failed = after(story.second_session, rng.randint(1, 10))
            planned.append((Status.FAILED, failed))
            finished = failed
        if rng.random() >= NEVER_CLOSED[path]:
            closed = after(max(finished, planned[-1][1]), rng.randint(10, 60))
            planned.append((Status.CLOSED, closed))
    story.steps = [(status, day) for status, day in planned if day <= last]
    if story.session is not None and story.session > last:
        # An accepted case has its first session booked half of the time.
        booked = story.status == Status.ACCEPTED and rng.random() < 0.5
        story.session = story.session if booked else None
    if story.second_session is not None and story.second_session > last:
        story.second_session = None
    if story.confirmation is not None:
        settled_day = story.day(Status.SETTLED)
        if settled_day is None:
            story.confirmation = None
        else:
            story.confirmation = _confirmation_cut(story.confirmation, last)
    return story


def _confirmation_days(rng: random.Random, days: _Days, settled: dt.date) -> dict[str, Any]:
    """Prepared, filed (within the 30-day window), accepted, decided — and how it ended."""
    window = days.period_end(settled, days=30) or settled + dt.timedelta(days=30)
    prepared = days.after(settled, rng.randint(1, 8))
    filed = min(days.after(prepared, rng.randint(0, 5)), window)
    end = _choice(rng, _CONFIRMATION_ENDS)
    plan: dict[str, Any] = {"window": window, "prepared": prepared, "filed": filed, "end": end}
    if end == "not_accepted":
        plan["end_day"] = days.after(filed, rng.randint(2, 5))
    elif end == "withdrawn":
        plan["end_day"] = days.after(filed, rng.randint(1, 10))
    else:
        plan["accepted"] = days.after(filed, rng.randint(0, 3))
        plan["ruling"] = days.after(plan["accepted"], rng.randint(3, 15))
        plan["end_day"] = plan["ruling"]
    return plan


def _confirmation_cut(plan: dict[str, Any], last: dt.date) -> dict[str, Any] | None:
    """The confirmation as it stands on ``last`` (``None`` before it was prepared)."""
    if plan["prepared"] > last:
        return None
    if plan["filed"] > last:
        return {**plan, "status": CStatus.PREPARED, "filed": None, "accepted": None, "ruling": None}
    if plan["end_day"] > last:
        if plan["end"] in ("not_accepted", "withdrawn") or plan["accepted"] > last:
            return {**plan, "status": CStatus.FILED, "accepted": None, "ruling": None}
        return {**plan, "status": CStatus.ACCEPTED, "ruling": None}
    return {**plan, "status": plan["end"]}
