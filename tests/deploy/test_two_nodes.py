"""Two application nodes on one machine (issue 11 part 4): two gunicorn instances on their own
loopback ports, sharing one PostgreSQL database (the test database), one Redis database and one
evidence store, behind a round-robin proxy (tests/deploy/proxy.py) — the production picture of
docs/deploy.md, minus the machines.

- a session logged in through node A keeps working through node B (sessions in Redis and the
  database, not in a process);
- 200 evidence deposits through the proxy land on both nodes and leave a gapless ledger that
  ``audit_ledger`` verifies, blobs included;
- ten concurrent ``accept`` requests for one case, five per node, have exactly one winner; the
  other nine get 409 with the conflict message;
- every access line of both nodes is JSON carrying the request id the proxy set.

Everything listens on 127.0.0.1; the nodes and the proxy are stopped however the test ends.
Runs in CI's PostgreSQL pass (REDIS_URL set); about a minute."""

from __future__ import annotations

import json
import threading
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from bench.common import API, HttpSession, Recorder
from bench.deposits import Depositor, deposit_summary
from bench.server import GunicornServer, audit_ledger, server_env, tree_size
from cases import services
from cases.models import CaseEvent
from evidence.models import EvidenceRecord
from tests.conftest import redis_url_for_worker
from tests.deploy.helpers import test_database_url
from tests.deploy.proxy import RoundRobinProxy

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="nodes share the database over the network: PostgreSQL (CI's PostgreSQL pass)",
    ),
    pytest.mark.skipif(
        not settings.REDIS_URL,
        reason="nodes share sessions and cache through Redis: REDIS_URL is not set",
    ),
]

PASSWORD = "two-nodes-pass-2026"
DEPOSITS = 200
RACERS_PER_NODE = 5


def _set_password(user) -> None:
    """A hash the nodes accept (the tests' MD5 hasher is not in their PASSWORD_HASHERS), with
    few iterations: the login is tested, not PBKDF2."""
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])


def _access_lines(log: Path) -> list[dict]:
    lines = []
    for text in log.read_text(errors="replace").splitlines():
        if text.startswith("{"):
            line = json.loads(text)
            if line.get("logger") == "gunicorn.access":
                lines.append(line)
    return lines


def test_two_nodes_share_sessions_ledger_and_locks(case_world, tmp_path):
    started = time.monotonic()
    users, orgs = case_world["users"], case_world["orgs"]
    for name in ("mediator", "servicepoint"):
        _set_password(users[name])
    case = case_world["cases"]["submitted"]
    services.case_assign(actor=users["mediator"], case=case, mediator=users["mediator"])
    case.refresh_from_db()
    prefix = f"twonodes-{uuid.uuid4().hex[:8]}"
    redis_url = redis_url_for_worker(settings.REDIS_URL)
    env = server_env(
        tmp_path,
        test_database_url(),
        REDIS_URL=redis_url,
        CACHE_KEY_PREFIX=prefix,
        LOG_FORMAT="json",
        # Static files are nginx's or a CDN's in production, not what this test is about: no
        # collectstatic, so no manifest.
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
    )
    size_before = tree_size(env)  # also generates the ledger key both nodes share
    timings: dict[str, float] = {}

    with ExitStack() as stack:
        t0 = time.monotonic()
        node_a = stack.enter_context(GunicornServer(env, tmp_path / "node-a.log", workers=2))
        node_b = stack.enter_context(GunicornServer(env, tmp_path / "node-b.log", workers=2))
        proxy = stack.enter_context(
            RoundRobinProxy({"a": (node_a.host, node_a.port), "b": (node_b.host, node_b.port)})
        )
        timings["start"] = time.monotonic() - t0

        # --- one session, two nodes ------------------------------------------------------
        on_a = stack.enter_context(_closing(HttpSession(node_a.host, node_a.port)))
        on_a.login("mediator", PASSWORD)
        session_key = on_a.cookies["sessionid"]
        raw = redis.Redis.from_url(redis_url)
        stack.callback(raw.close)
        assert raw.exists(f"{prefix}:1:django.contrib.sessions.cached_db{session_key}") == 1
        on_b = stack.enter_context(_closing(HttpSession(node_b.host, node_b.port)))
        on_b.cookies = dict(on_a.cookies)
        page = on_b.get(f"/cases/{case.pk}/")
        assert page.status == 200, page.text()[:300]
        assert case.title in page.text()
        api = on_b.get(f"/api/v1/mediation-cases/{case.pk}/", API)
        assert api.status == 200 and api.json()["status"] == "submitted"

        # --- a transition raced from both nodes ------------------------------------------
        t0 = time.monotonic()
        racers = [
            HttpSession(node.host, node.port)
            for node in (node_a, node_b)
            for _ in range(RACERS_PER_NODE)
        ]
        for racer in racers:
            racer.cookies = dict(on_a.cookies)
            racer.headers.update({"Accept-Language": "en", **API})
        barrier = threading.Barrier(len(racers))
        answers: list = [None] * len(racers)

        def accept(index: int) -> None:
            body = json.dumps({"version": case.version}).encode()
            barrier.wait()
            answers[index] = racers[index].post(
                f"/api/v1/mediation-cases/{case.pk}/accept/", body, "application/json"
            )

        threads = [threading.Thread(target=accept, args=(i,)) for i in range(len(racers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        for racer in racers:
            racer.close()
        timings["race"] = time.monotonic() - t0
        statuses = sorted(answer.status for answer in answers)
        assert statuses == [200] + [409] * (len(racers) - 1), [a.text()[:200] for a in answers]
        winner = next(answer for answer in answers if answer.status == 200)
        assert winner.json()["status"] == "accepted"
        for loser in (answer for answer in answers if answer.status == 409):
            assert loser.json()["code"] == "conflict"
            assert loser.json()["detail"]
        case.refresh_from_db()
        assert (case.status, case.version) == ("accepted", winner.json()["version"])
        assert CaseEvent.objects.filter(case=case, to_status="accepted").count() == 1

        # --- 200 deposits spread over both nodes -----------------------------------------
        t0 = time.monotonic()
        depositor = Depositor("127.0.0.1", proxy.port, timeout=60)
        depositor.web.login("servicepoint", PASSWORD)
        depositor.api.api_token("servicepoint", PASSWORD)
        depositor.enterprise = orgs["ent_a"].pk
        depositor.service_point = orgs["service_point"].pk
        recorder = Recorder(DEPOSITS)
        go = threading.Event()
        go.set()
        depositor.run(recorder, rate=40.0, start=go)
        depositor.verify()
        depositor.web.close()
        depositor.api.close()
        timings["deposits"] = time.monotonic() - t0
        summary = deposit_summary(depositor.deposits)
        assert summary["problems"] == []
        assert (summary["attempted"], summary["stored"], summary["verified"]) == (
            DEPOSITS, DEPOSITS, DEPOSITS,
        )  # fmt: skip
        posts = {name: proxy.counts[(name, "POST")] for name in ("a", "b")}
        assert min(posts.values()) >= DEPOSITS // 3, posts
        log_a, log_b = node_a.log_path, node_b.log_path

    # --- after the nodes stopped: the ledger and the logs ---------------------------------
    t0 = time.monotonic()
    ledger = audit_ledger(env, size_before, DEPOSITS)
    timings["audit"] = time.monotonic() - t0
    assert ledger["clean"], ledger["output"]
    assert ledger["grew_by_deposits"], ledger
    indices = sorted(EvidenceRecord.objects.values_list("ledger_index", flat=True))
    assert indices == list(range(size_before, size_before + DEPOSITS))

    assert all(sent == back for sent, back in proxy.answered_ids.items())  # nodes kept the ids
    for name, log in (("a", log_a), ("b", log_b)):
        lines = _access_lines(log)
        logged = {line["request_id"] for line in lines}
        missing = [proxy.requests[i] for i in proxy.request_ids[name] if i not in logged]
        assert missing == [], f"node {name}: requests missing from its access log"
        assert all(isinstance(line["status"], int) for line in lines)

    timings["total"] = time.monotonic() - started
    print(
        "two nodes:",
        {key: round(value, 1) for key, value in timings.items()},
        "requests per node:",
        dict(proxy.counts),
        "ledger:",
        f"{ledger['tree_size_before']} → {ledger['tree_size_after']}",
    )


class _closing:
    """``with _closing(session):`` closes an HttpSession's connection at the end."""

    def __init__(self, session: HttpSession) -> None:
        self.session = session

    def __enter__(self) -> HttpSession:
        return self.session

    def __exit__(self, *exc_info: object) -> None:
        self.session.close()
