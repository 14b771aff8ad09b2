"""Evidence REST API (/api/v1/evidence-records/ and the public ledger endpoints): scoping by
role, filters, deposits through the service (errors naming the field, 413 over the limit with
nothing kept), receipts that verify offline, public checkpoint/key/verify, custody log."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from evidence import keys, leaves, ledger, services, visibility
from evidence.models import AccessEvent, EvidenceBlob, EvidenceRecord, EvidenceWithdrawal
from evidence.throttles import VerifyRateThrottle
from evidence.tlog import merkle
from evidence.tlog.note import Verifier, open_checkpoint
from evidence.tlog.proof import parse_receipt, verify_receipt

RECORDS = "/api/v1/evidence-records/"
CHECKPOINT = "/api/v1/evidence/checkpoint/"
PUBLIC_KEY = "/api/v1/evidence/public-key/"
VERIFY = "/api/v1/evidence/verify/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
Action = AccessEvent.Action


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    """The verify throttle counts in the default cache; every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(world):
    def login(name: str | None = None) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        if name is not None:
            client.force_authenticate(world["users"][name])
        return client

    return login


@pytest.fixture
def records(deposit):
    """t1: ent_a at the service point; t2: ent_b at the service point; t3: ent_b, no point."""
    return {
        "t1": deposit(actor="servicepoint", depositor="ent_a", title="甲 网页截图"),
        "t2": deposit(actor="servicepoint", depositor="ent_b", title="乙 合同"),
        "t3": deposit(actor="superuser", depositor="ent_b", title="乙 设计图"),
    }


def _numbers(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()["results"]}


def _url(record: EvidenceRecord, action: str = "") -> str:
    return f"{RECORDS}{record.pk}/{action + '/' if action else ''}"


def _store_files(settings) -> list[str]:
    root = Path(settings.STORAGES["evidence"]["OPTIONS"]["location"])
    return [str(p) for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _temp_files(settings) -> list[str]:
    root = Path(settings.FILE_UPLOAD_TEMP_DIR)
    return os.listdir(root) if root.exists() else []


def _events(record: EvidenceRecord, action: str) -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(record=record, action=action))


# ---------------------------------------------------------------------------------------------
# List and retrieve
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("superuser", {"t1", "t2", "t3"}),
        ("enterprise", {"t1"}),
        ("servicepoint", {"t1", "t2"}),
        ("partner", set()),
        ("nobody", set()),
        ("mediator", set()),
    ],
)
def test_list_is_scoped_by_role(api, records, user, expected):
    response = api(user).get(RECORDS)
    assert _numbers(response) == {records[key].number for key in expected}


def test_list_needs_a_login(api, records):
    assert api().get(RECORDS).status_code in (401, 403)


def test_list_rows_carry_the_fixed_fields(api, records):
    t1 = records["t1"]
    row = next(
        r for r in api("superuser").get(RECORDS).json()["results"] if r["number"] == t1.number
    )
    assert row["id"] == t1.pk
    assert row["sha256"] == hashlib.sha256(b"evidence text 1").hexdigest()
    assert row["ledger_index"] == t1.ledger_index
    assert row["kind"] == "text"
    assert row["depositor"] == {"id": t1.depositor_id, "name": "漳州甲食品有限公司"}
    assert row["service_point"]["id"] == t1.service_point_id
    assert row["withdrawn"] is False
    assert row["withdrawn_at"] is None
    assert row["corrects"] is None
    assert dt.datetime.fromisoformat(row["deposited_at"]) == t1.deposited_at


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "合同"}, {"t2"}),
        ({"q": "乙"}, {"t2", "t3"}),
        ({"kind": "text"}, {"t1", "t2", "t3"}),
        ({"kind": "file"}, set()),
    ],
)
def test_list_filters(api, records, query, expected):
    response = api("superuser").get(RECORDS, query)
    assert _numbers(response) == {records[key].number for key in expected}


def test_filter_by_sha256(api, records):
    sha = records["t2"].sha256
    assert _numbers(api("superuser").get(RECORDS, {"sha256": sha.upper()})) == {
        records["t2"].number
    }
    assert _numbers(api("superuser").get(RECORDS, {"sha256": "0" * 64})) == set()


def test_search_by_the_start_of_the_sha256(api, records):
    sha = records["t2"].sha256
    assert _numbers(api("superuser").get(RECORDS, {"q": sha[:12].upper()})) == {
        records["t2"].number
    }


def test_filter_withdrawn(api, records, world):
    services.withdraw(actor=world["users"]["superuser"], record=records["t3"], reason="重复")
    assert _numbers(api("superuser").get(RECORDS, {"withdrawn": "true"})) == {records["t3"].number}
    assert _numbers(api("superuser").get(RECORDS, {"withdrawn": "false"})) == {
        records["t1"].number,
        records["t2"].number,
    }


def test_unknown_query_parameter_and_ordering_are_refused(api, records):
    response = api("superuser").get(RECORDS, {"depositr": "1"})
    assert response.status_code == 400
    assert "depositr" in response.json()
    response = api("superuser").get(RECORDS, {"ordering": "salt"})
    assert response.status_code == 400
    assert "ordering" in response.json()


def test_ordering_by_size_and_number(api, deposit):
    small = deposit(text="a")
    large = deposit(text="a much longer text")
    rows = api("superuser").get(RECORDS, {"ordering": "-size"}).json()["results"]
    assert [r["number"] for r in rows] == [large.number, small.number]
    rows = api("superuser").get(RECORDS, {"ordering": "number"}).json()["results"]
    assert [r["number"] for r in rows] == [small.number, large.number]


def test_retrieve_logs_a_view_with_the_reason(api, records, world):
    t1 = records["t1"]
    response = api("enterprise").get(_url(t1), {"reason": "调解准备"}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    assert response.json()["number"] == t1.number
    (event,) = _events(t1, Action.VIEW)
    assert event.user == world["users"]["enterprise"]
    assert event.reason == "调解准备"
    assert event.ip_address == "10.1.2.3"


def test_retrieve_out_of_scope_is_404_and_not_logged(api, records):
    assert api("enterprise").get(_url(records["t2"])).status_code == 404
    assert api("partner").get(_url(records["t1"])).status_code == 404
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_records_cannot_be_changed_or_deleted(api, records, method):
    t1 = records["t1"]
    response = getattr(api("superuser"), method)(_url(t1), {"title": "changed"})
    assert response.status_code == 405
    t1.refresh_from_db()
    assert t1.title == "甲 网页截图"


# ---------------------------------------------------------------------------------------------
# Deposit (multipart)
# ---------------------------------------------------------------------------------------------


def _post(client: APIClient, **fields):
    return client.post(RECORDS, fields, format="multipart")


def test_deposit_a_file(api, world, settings):
    content = PNG + b"product photo"
    response = _post(
        api("servicepoint"),
        kind="file",
        depositor=world["orgs"]["ent_b"].pk,
        title="包装照片",
        category="product",
        description="展会现场",
        file=SimpleUploadedFile("包装.png", content, content_type="image/png"),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    sha = hashlib.sha256(content).hexdigest()
    assert body["sha256"] == sha
    assert body["original_name"] == "包装.png"
    assert body["media_type"] == "image/png"
    assert body["size"] == len(content)
    assert body["service_point"]["id"] == world["orgs"]["service_point"].pk
    record = EvidenceRecord.objects.get(pk=body["id"])
    assert record.number == body["number"]
    assert record.ledger_index == body["ledger_index"]
    stored = services.evidence_storage().open(record.blob.storage_name, "rb").read()
    assert stored == content


def test_deposit_a_text_as_the_enterprise(api, world):
    text = "  2024年3月1日 在某电商平台发现仿冒商品链接。\n"
    response = _post(
        api("enterprise"),
        kind="text",
        depositor=world["orgs"]["ent_a"].pk,
        title="发现记录",
        category="listing",
        text=text,
    )
    assert response.status_code == 201, response.content
    assert response.json()["sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert response.json()["depositor"]["id"] == world["orgs"]["ent_a"].pk


def test_deposit_a_web_capture_keeps_url_and_time(api, world):
    captured = dt.datetime(2024, 5, 1, 10, 30, tzinfo=dt.UTC)
    response = _post(
        api("servicepoint"),
        kind="web_capture",
        depositor=world["orgs"]["ent_a"].pk,
        title="商品页截图",
        category="listing",
        source_url="https://shop.example.com/item/9",
        captured_at=captured.isoformat(),
        file=SimpleUploadedFile("page.png", PNG + b"page"),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["source_url"] == "https://shop.example.com/item/9"
    assert dt.datetime.fromisoformat(body["captured_at"]) == captured


def test_deposit_refused_for_a_partner(api, world):
    response = _post(
        api("partner"),
        kind="text",
        depositor=world["orgs"]["ent_a"].pk,
        title="x",
        category="other",
        text="x",
    )
    assert response.status_code == 403
    assert not EvidenceRecord.objects.exists()


def test_enterprise_user_cannot_deposit_for_another_enterprise(api, world):
    response = _post(
        api("enterprise"),
        kind="text",
        depositor=world["orgs"]["ent_b"].pk,
        title="x",
        category="other",
        text="x",
    )
    assert response.status_code == 400
    assert "depositor" in response.json()
    assert not EvidenceRecord.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"kind": "file", "file": ("empty.png", b"")}, "file", "empty_file"),
        ({"kind": "file", "file": ("scan.pdf", PNG)}, "file", "content_mismatch"),
        ({"kind": "file"}, "file", "file_required"),
        ({"kind": "text", "text": "   \n "}, "text", "empty_text"),
        ({"kind": "text"}, "text", "empty_text"),
        (
            {"kind": "web_capture", "source_url": "https://a.example/", "file": ("x.txt", b"x")},
            "file",
            "capture_type",
        ),
    ],
)
def test_bad_deposits_name_the_field_and_store_nothing(api, world, settings, fields, field, code):
    fields = dict(fields)
    if "file" in fields:
        name, content = fields["file"]
        fields["file"] = SimpleUploadedFile(name, content)
    response = _post(
        api("servicepoint"),
        depositor=world["orgs"]["ent_a"].pk,
        title="坏输入",
        category="other",
        **fields,
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body[field] and all(isinstance(m, str) and m for m in body[field])
    assert body.get("code") == code
    assert not EvidenceRecord.objects.exists()
    assert not EvidenceBlob.objects.exists()
    assert _store_files(settings) == []


def test_text_deposit_refuses_a_file_alongside(api, world):
    response = _post(
        api("servicepoint"),
        kind="text",
        depositor=world["orgs"]["ent_a"].pk,
        title="x",
        category="other",
        text="hello",
        file=SimpleUploadedFile("a.png", PNG),
    )
    assert response.status_code == 400
    assert "file" in response.json()
    assert not EvidenceRecord.objects.exists()


@pytest.mark.parametrize("size", [5_000, 200_000])
def test_over_the_limit_upload_is_413_and_leaves_nothing(api, world, settings, size):
    """5 kB streams in and is stopped at the first chunk; 200 kB is refused from its
    Content-Length before the body is read. Either way: 413 JSON, nothing kept."""
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1_000
    response = _post(
        api("servicepoint"),
        kind="file",
        depositor=world["orgs"]["ent_a"].pk,
        title="太大",
        category="other",
        file=SimpleUploadedFile("big.png", PNG + b"\x00" * size),
    )
    assert response.status_code == 413
    body = response.json()
    assert body["limit_bytes"] == 1_000
    assert "limit" in body["file"][0]
    assert not EvidenceRecord.objects.exists()
    assert not EvidenceBlob.objects.exists()
    assert _store_files(settings) == []
    assert _temp_files(settings) == []


def test_over_the_limit_file_with_a_text_deposit_stores_no_text(api, world, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1_000
    response = _post(
        api("servicepoint"),
        kind="text",
        depositor=world["orgs"]["ent_a"].pk,
        title="太大",
        category="other",
        text="would be valid alone",
        file=SimpleUploadedFile("big.png", PNG + b"\x00" * 5_000),
    )
    assert response.status_code == 413
    assert not EvidenceRecord.objects.exists()
    assert _store_files(settings) == []


# ---------------------------------------------------------------------------------------------
# Receipt, content, withdrawal, custody log
# ---------------------------------------------------------------------------------------------


def test_receipt_verifies_offline(api, records):
    t2 = records["t2"]
    response = api("servicepoint").get(_url(t2, "receipt"), {"reason": "法院调取"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "evidence-" in response["Content-Disposition"]
    receipt = parse_receipt(response.content.decode("utf-8"))
    assert receipt.index == t2.ledger_index
    assert receipt.extra == leaves.stored_record_leaf(t2)
    checkpoint = verify_receipt(receipt, keys.ledger_verifier(), merkle.leaf_hash(receipt.extra))
    assert checkpoint.size > t2.ledger_index
    (event,) = _events(t2, Action.RECEIPT)
    assert event.reason == "法院调取"


def test_tampered_receipt_does_not_verify(api, records):
    from evidence.tlog.proof import ReceiptError

    text = api("superuser").get(_url(records["t1"], "receipt")).content.decode()
    receipt = parse_receipt(text)
    with pytest.raises(ReceiptError):
        verify_receipt(receipt, keys.ledger_verifier(), merkle.leaf_hash(b"other leaf"))


def test_receipt_out_of_scope_is_404_json(api, records):
    response = api("enterprise").get(_url(records["t3"], "receipt"))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()
    assert not AccessEvent.objects.exists()


def test_content_download_is_logged(api, deposit, world):
    content = PNG + b"label"
    record = deposit(kind="file", upload=SimpleUploadedFile("标签.png", content))
    response = api("enterprise").get(_url(record, "content"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "image/png"
    assert "attachment" in response["Content-Disposition"]
    (event,) = _events(record, Action.DOWNLOAD)
    assert event.user == world["users"]["enterprise"]
    assert api("partner").get(_url(record, "content")).status_code == 404
    assert len(_events(record, Action.DOWNLOAD)) == 1


def test_text_content_downloads_as_utf8_text(api, deposit):
    record = deposit(text="证据正文")
    response = api("servicepoint").get(_url(record, "content"))
    assert b"".join(response.streaming_content).decode("utf-8") == "证据正文"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert ".txt" in response["Content-Disposition"]


def test_withdraw(api, records, world):
    t1 = records["t1"]
    response = api("enterprise").post(_url(t1, "withdraw"), {"reason": "误传"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == t1.number
    assert body["reason"] == "误传"
    assert body["ledger_index"] > t1.ledger_index
    assert EvidenceWithdrawal.objects.get(record=t1).withdrawn_by == world["users"]["enterprise"]
    row = api("enterprise").get(_url(t1)).json()
    assert row["withdrawn"] is True
    assert row["withdrawn_at"] is not None
    # Twice: refused, nothing added to the ledger.
    size = ledger.current_size()
    again = api("enterprise").post(_url(t1, "withdraw"), {"reason": "再次"}, format="json")
    assert again.status_code == 400
    assert again.json()["code"] == "already_withdrawn"
    assert ledger.current_size() == size


def test_withdraw_needs_a_reason(api, records):
    response = api("servicepoint").post(
        _url(records["t1"], "withdraw"), {"reason": " "}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()
    assert not EvidenceWithdrawal.objects.exists()


def test_withdraw_refused_to_who_sees_but_does_not_manage(api, records, monkeypatch):
    """The court sees a record (e.g. cited in a case) but may not withdraw it: 403."""

    def court_sees_all(user, few):
        records = EvidenceRecord.objects.values_list("pk", flat=True)
        return records if user.username == "court" else records.none()

    monkeypatch.setattr(visibility, "_providers", [*visibility._providers, court_sees_all])
    t1 = records["t1"]
    assert api("court").get(_url(t1)).status_code == 200
    response = api("court").post(_url(t1, "withdraw"), {"reason": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert api("court").get(_url(t1, "access-events")).status_code == 403
    assert api("partner").post(_url(t1, "withdraw"), {"reason": "x"}).status_code == 404
    assert not EvidenceWithdrawal.objects.exists()


def test_access_events_for_the_depositor(api, records, world):
    t1 = records["t1"]
    api("servicepoint").get(_url(t1), {"reason": "核对"})
    api("servicepoint").get(_url(t1, "receipt"))
    response = api("enterprise").get(_url(t1, "access-events"))
    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == 2
    assert [row["action"] for row in body["results"]] == ["receipt", "view"]
    assert body["results"][1]["reason"] == "核对"
    assert body["results"][1]["user"]["username"] == "servicepoint"
    assert api("partner").get(_url(t1, "access-events")).status_code == 404


# ---------------------------------------------------------------------------------------------
# Public ledger endpoints
# ---------------------------------------------------------------------------------------------


def test_checkpoint_is_public_and_signed(api, records):
    assert ledger.latest_checkpoint() is None
    response = api().get(CHECKPOINT)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    checkpoint = open_checkpoint(response.content.decode("utf-8"), keys.ledger_verifier())
    assert checkpoint.size == ledger.current_size() == 3
    assert checkpoint.root == ledger.root(3)
    # Asking again returns the same checkpoint (no new signature per request).
    assert api().get(CHECKPOINT).content == response.content


def test_public_key_is_public_and_verifies_the_checkpoint(api, records):
    response = api().get(PUBLIC_KEY)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    key = response.content.decode("ascii").strip()
    assert key == keys.public_key()
    note = api().get(CHECKPOINT).content.decode("utf-8")
    assert open_checkpoint(note, Verifier(key)).size == 3


def test_verify_found_with_a_proof_anyone_can_check(api, records):
    ledger.sign_checkpoint()
    t2 = records["t2"]
    response = api().get(VERIFY, {"sha256": t2.sha256.upper()})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["found"] is True
    assert body["sha256"] == t2.sha256
    (item,) = body["records"]
    assert item["number"] == t2.number
    assert item["ledger_index"] == t2.ledger_index
    assert dt.datetime.fromisoformat(item["deposited_at"]) == t2.deposited_at
    assert item["in_checkpoint"] is True
    assert "depositor" not in item
    checkpoint = open_checkpoint(body["checkpoint"], Verifier(body["public_key"]))
    merkle.verify_inclusion(
        item["ledger_index"],
        checkpoint.size,
        merkle.leaf_hash(base64.b64decode(item["leaf"])),
        [base64.b64decode(h) for h in item["proof"]],
        checkpoint.root,
    )
    (event,) = _events(t2, Action.VERIFY)
    assert event.user is None


def test_verify_logs_the_signed_in_user(api, records, world):
    api("enterprise").get(VERIFY, {"sha256": records["t1"].sha256})
    (event,) = _events(records["t1"], Action.VERIFY)
    assert event.user == world["users"]["enterprise"]


def test_verify_not_found(api, records):
    response = api().get(VERIFY, {"sha256": "0" * 64})
    assert response.status_code == 200
    assert response.json()["found"] is False
    assert response.json()["records"] == []
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize("query", [{}, {"sha256": ""}, {"sha256": "abc"}, {"sha256": "g" * 64}])
def test_verify_refuses_a_malformed_hash(api, query):
    response = api().get(VERIFY, query)
    assert response.status_code == 400
    assert list(response.json()) == ["sha256"]
    assert response.json()["sha256"][0]


def test_verify_is_throttled(api, monkeypatch, db):
    monkeypatch.setattr(VerifyRateThrottle, "THROTTLE_RATES", {"evidence-verify": "2/min"})
    client = api()
    for _ in range(2):
        assert client.get(VERIFY, {"sha256": "a" * 64}).status_code == 200
    response = client.get(VERIFY, {"sha256": "a" * 64})
    assert response.status_code == 429
    assert "detail" in response.json()
