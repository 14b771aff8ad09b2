"""The public verification page: no login, the JS-free server path (``?sha256=``) runs the
same checks as the page's script (signed checkpoint, leaf, RFC 9162 inclusion), logs a VERIFY
event per record found, answers a malformed hash with a clear 400 and too many requests with
a 429 and the time to wait."""

from __future__ import annotations

import base64
import copy
import hashlib
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evidence import ledger, receipts, services
from evidence.models import AccessEvent
from evidence.throttles import VerifyRateThrottle
from evidence.views import FAILED, PENDING, VERIFIED, check_public_answer

VERIFY = reverse("evidence:verify")
Action = AccessEvent.Action
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    """The throttle counts in the default (LocMem) cache: every test starts at zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_page_is_public_and_loads_its_script(english, world):
    response = english.get(VERIFY)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="verify-form"' in html
    assert 'data-api-url="/api/v1/evidence/verify/"' in html
    assert "evidence/verify.js" in html
    assert "<script>" not in html  # scripts come from static files only (CSP)
    assert "answer" not in response.context


def test_a_deposited_files_hash_shows_its_number_and_a_checked_proof(english, world, deposit):
    records = [deposit(kind="text", text=f"text {n}") for n in range(5)]
    target = records[3]
    ledger.sign_checkpoint()
    response = english.get(VERIFY, {"sha256": target.sha256})
    assert response.status_code == 200
    html = response.content.decode()
    assert target.number in html
    assert 'id="found"' in html and 'id="not-found"' not in html
    [row] = response.context["result"]["records"]
    assert row["status"] == VERIFIED
    assert row["ledger_index"] == 3
    assert response.context["result"]["checkpoint"].size == 5
    assert 'data-status="verified"' in html
    # Beijing time on the page.
    local = target.deposited_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    assert local in html
    # Anonymous verification is on the custody log, without a user.
    [event] = AccessEvent.objects.filter(action=Action.VERIFY)
    assert event.record == target
    assert event.user is None
    assert event.ip_address == "127.0.0.1"


def test_the_hash_of_uploaded_bytes_matches(english, world, deposit):
    """What a browser computes over the file is what the server recorded."""
    content = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    record = deposit(kind="file", upload=SimpleUploadedFile("p.png", content))
    response = english.get(VERIFY, {"sha256": hashlib.sha256(content).hexdigest().upper()})
    assert response.status_code == 200
    assert record.number in response.content.decode()


def test_logged_in_verification_names_the_user(client, world, deposit):
    record = deposit()
    client.force_login(world["users"]["enterprise"])
    client.get(VERIFY, {"sha256": record.sha256})
    [event] = AccessEvent.objects.filter(action=Action.VERIFY)
    assert event.user == world["users"]["enterprise"]


def test_before_a_checkpoint_the_record_is_pending(english, deposit):
    record = deposit()
    response = english.get(VERIFY, {"sha256": record.sha256})
    [row] = response.context["result"]["records"]
    assert row["status"] == PENDING
    assert 'data-status="pending"' in response.content.decode()


def test_withdrawn_and_duplicate_deposits_are_all_listed(english, world, deposit):
    first = deposit(kind="text", text="same")
    second = deposit(kind="text", text="same")
    services.withdraw(actor=world["users"]["servicepoint"], record=first, reason="重复")
    ledger.sign_checkpoint()
    response = english.get(VERIFY, {"sha256": first.sha256})
    rows = response.context["result"]["records"]
    assert [r["number"] for r in rows] == [first.number, second.number]
    assert [r["status"] for r in rows] == [VERIFIED, VERIFIED]
    assert rows[0]["withdrawn_at"] is not None and rows[1]["withdrawn_at"] is None
    assert "not withdrawn" in response.content.decode()
    assert '<span class="badge text-bg-warning">withdrawn</span>' in response.content.decode()
    assert AccessEvent.objects.filter(action=Action.VERIFY).count() == 2


def test_an_unknown_hash_is_not_found(english, deposit):
    deposit()
    ledger.sign_checkpoint()
    response = english.get(VERIFY, {"sha256": "ab" * 32})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="not-found"' in html and 'id="found"' not in html
    assert "ab" * 32 in html
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize(
    "value", ["abc", "g" * 64, "ab" * 33, "", "' OR 1=1 --", "ab" * 31 + "a b"]
)
def test_a_malformed_hash_is_400_and_nothing_else(english, deposit, value):
    deposit()
    response = english.get(VERIFY, {"sha256": value})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This is not a SHA-256 hash: enter exactly 64 hexadecimal characters" in html
    assert "answer" not in response.context
    assert 'id="found"' not in html and 'id="not-found"' not in html
    assert not AccessEvent.objects.exists()


def test_too_many_verifications_get_429_with_the_wait(english, deposit, monkeypatch):
    monkeypatch.setattr(VerifyRateThrottle, "rate", "2/min", raising=False)
    record = deposit()
    assert english.get(VERIFY, {"sha256": record.sha256}).status_code == 200
    assert english.get(VERIFY, {"sha256": "ab" * 32}).status_code == 200
    response = english.get(VERIFY, {"sha256": record.sha256})
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 60
    assert f"Please wait {wait} seconds" in response.content.decode()
    # The refused request learned nothing and was not logged as a verification.
    assert AccessEvent.objects.filter(action=Action.VERIFY).count() == 1
    # Another client address has its own budget.
    other = english.get(VERIFY, {"sha256": record.sha256}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_the_empty_page_does_not_use_up_the_limit(english, deposit, monkeypatch):
    monkeypatch.setattr(VerifyRateThrottle, "rate", "1/min", raising=False)
    record = deposit()
    for _ in range(3):
        assert english.get(VERIFY).status_code == 200
    assert english.get(VERIFY, {"sha256": record.sha256}).status_code == 200
    assert english.get(VERIFY, {"sha256": record.sha256}).status_code == 429


# --- the server-side check catches what the page's script must catch -----------------------


@pytest.fixture
def answer(world, deposit):
    records = [deposit(kind="text", text=f"t{n}") for n in range(6)]
    ledger.sign_checkpoint()
    return receipts.public_verification(records[4].sha256)


def test_a_genuine_answer_verifies(answer):
    result = check_public_answer(answer)
    assert result["checkpoint"].size == 6
    assert [r["status"] for r in result["records"]] == [VERIFIED]


def test_a_changed_proof_hash_fails(answer):
    bad = copy.deepcopy(answer)
    proof = bad["records"][0]["proof"]
    proof[0] = base64.b64encode(b"\x00" * 32).decode()
    [row] = check_public_answer(bad)["records"]
    assert row["status"] == FAILED
    assert "does not lead to the root" in row["problem"]


def test_a_leaf_for_other_content_fails(answer, deposit):
    other = deposit(kind="text", text="other")
    ledger.sign_checkpoint()
    bad = copy.deepcopy(answer)
    bad["sha256"] = other.sha256
    [row] = check_public_answer(bad)["records"]
    assert row["status"] == FAILED
    assert row["problem"] == "The ledger entry is not a deposit of this content."


def test_a_resized_checkpoint_fails_its_signature(answer):
    bad = copy.deepcopy(answer)
    bad["checkpoint"] = bad["checkpoint"].replace("\n6\n", "\n7\n", 1)
    result = check_public_answer(bad)
    assert result["checkpoint"] is None
    assert "bad signature" in result["checkpoint_problem"]
    assert [r["status"] for r in result["records"]] == [FAILED]


def test_the_size_comes_from_the_checkpoint_not_the_answer(answer):
    """A proof for index 4 of 6 must not pass against any other claimed position."""
    bad = copy.deepcopy(answer)
    bad["records"][0]["ledger_index"] = 5
    [row] = check_public_answer(bad)["records"]
    assert row["status"] == FAILED
