"""Real concurrency on PostgreSQL: row locks and the locked counter keep the workflow and the
numbering correct when many users act at once. SQLite serialises every writer on one database
lock, so these races cannot happen there and the tests are skipped with that reason."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections
from django.utils import translation

from alliance.models import Membership, Organization
from cases import services
from cases.choices import PartyRole, Status
from cases.models import CaseEvent, CaseNumberCounter, MediationCase
from tests.cases.conftest import advance, make_case, org_party
from zhangzhou_ip.core.errors import DomainError

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite has one writer at a time; row-lock races need PostgreSQL (CI runs both)",
    ),
]

WORKERS = 20


def _race(jobs: list[Callable[[], object]]) -> list[object]:
    """Run the jobs in threads released together; return each result or exception."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(i: int, job: Callable[[], object]) -> None:
        try:
            barrier.wait()
            with translation.override("en"):  # threads do not inherit the test's language
                results[i] = job()
        except Exception as exc:  # collected and asserted on by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_twenty_concurrent_submissions_get_gapless_unique_numbers(case_world):
    """In an organisation whose first case this year it is: the counter row itself is created
    in the race."""
    users, orgs = case_world["users"], case_world["orgs"]
    centre = Organization.objects.create(
        kind=Organization.Kind.PROTECTION_CENTER,
        name="漳州市知识产权保护中心",
        region=orgs["committee"].region,
        parent=orgs["zz_bureau"],
    )
    Membership.objects.create(user=users["clerk"], organization=centre, role=Membership.Role.CLERK)
    clerk = type(users["clerk"]).objects.get(pk=users["clerk"].pk)  # memberships are cached
    parties = [
        org_party(PartyRole.APPLICANT, orgs["ent_a"]),
        org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
    ]
    drafts = [make_case(clerk, centre, parties=parties) for _ in range(WORKERS)]
    assert not CaseNumberCounter.objects.filter(organization=centre).exists()

    results = _race(
        [(lambda d=d: services.case_submit(actor=clerk, case=d).number_seq) for d in drafts]
    )

    assert [r for r in results if isinstance(r, Exception)] == []
    assert sorted(results) == list(range(1, WORKERS + 1))  # gapless and unique
    assert CaseNumberCounter.objects.get(organization=centre).last_value == WORKERS
    numbers = list(
        MediationCase.objects.filter(handling_organization=centre).values_list("number", flat=True)
    )
    assert len(set(numbers)) == WORKERS


def test_twenty_concurrent_transitions_of_one_case_exactly_one_wins(case_world):
    users = case_world["users"]
    case = case_world["cases"]["submitted"]
    services.case_assign(actor=users["mediator"], case=case, mediator=users["mediator"])
    case.refresh_from_db()
    seen_version = case.version
    mediators = [users["mediator"], users["mediator2"], users["org_admin"], users["superuser"]]

    def accept(i: int) -> object:
        return services.case_accept(
            actor=mediators[i % len(mediators)], case=case, expected_version=seen_version
        )

    results = _race([(lambda i=i: accept(i)) for i in range(WORKERS)])

    wins = [r for r in results if isinstance(r, MediationCase)]
    losses = [r for r in results if isinstance(r, Exception)]
    assert len(wins) == 1
    assert len(losses) == WORKERS - 1
    assert all(isinstance(e, DomainError) and e.http_status == 409 for e in losses)
    assert all("changed by someone else" in e.messages[0] for e in losses)
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
    assert case.version == seen_version + 1
    assert CaseEvent.objects.filter(case=case, verb="case.accepted").count() == 1


def test_racing_different_transitions_leaves_one_consistent_outcome(case_world):
    """Settle and fail and withdraw at once, without versions: the row lock orders them; the
    first wins and the others are refused as illegal from the new state."""
    users, orgs = case_world["users"], case_world["orgs"]
    case = advance(
        make_case(
            users["clerk"],
            orgs["committee"],
            parties=[
                org_party(PartyRole.APPLICANT, orgs["ent_a"]),
                org_party(PartyRole.RESPONDENT, orgs["ent_b"]),
            ],
        ),
        users["clerk"],
        users["mediator"],
        "mediating",
    )
    services.agreement_save(
        actor=users["mediator"],
        case=case,
        terms="停止侵权。",
        signed_on=case.accepted_on,
        effective_on=case.accepted_on,
    )
    jobs = []
    for i in range(WORKERS):
        if i % 3 == 0:
            jobs.append(lambda: services.case_settle(actor=users["mediator"], case=case))
        elif i % 3 == 1:
            jobs.append(lambda: services.case_fail(actor=users["mediator"], case=case, reason="x"))
        else:
            jobs.append(
                lambda: services.case_withdraw(actor=users["mediator"], case=case, reason="y")
            )
    results = _race(jobs)
    wins = [r for r in results if isinstance(r, MediationCase)]
    assert len(wins) == 1
    assert all(getattr(e, "code", None) == "invalid_transition" for e in results if e not in wins)
    case.refresh_from_db()
    assert case.status == wins[0].status
    finished = CaseEvent.objects.filter(case=case, from_status=Status.MEDIATING)
    assert finished.count() == 1
