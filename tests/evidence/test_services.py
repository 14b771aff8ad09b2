"""Deposit and withdrawal services: validation, permissions, storage, numbering."""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from evidence import leaves, ledger, services
from evidence.models import (
    EvidenceBlob,
    EvidenceRecord,
    EvidenceWithdrawal,
    ImmutableError,
    blob_storage_name,
)
from evidence.tlog import merkle
from zhangzhou_ip.core.uploads import content_mismatch, safe_display_name

from .conftest import PNG

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def stored_files() -> list[str]:
    storage = services.evidence_storage()
    found = []

    def walk(path: str) -> None:
        if not storage.exists(path or "."):
            return
        dirs, files = storage.listdir(path or ".")
        found.extend(f"{path}/{name}".lstrip("/") for name in files)
        for name in dirs:
            walk(f"{path}/{name}".lstrip("/"))

    walk("")
    return found


def test_a_file_deposit_is_stored_under_its_hash_and_appended_to_the_ledger(world, deposit):
    data = PNG + b"listing"
    record = deposit(kind="file", upload=SimpleUploadedFile("商品.png", data))
    assert record.sha256 == hashlib.sha256(data).hexdigest()
    assert record.size == len(data)
    assert record.media_type == "image/png"
    assert record.original_name == "商品.png"
    assert record.service_point == world["orgs"]["service_point"]
    with services.evidence_storage().open(blob_storage_name(record.sha256), "rb") as handle:
        assert handle.read() == data
    assert record.ledger_index == 0
    assert ledger.current_size() == 1
    assert ledger.leaf_hash(0) == merkle.leaf_hash(leaves.stored_record_leaf(record))


def test_identical_content_is_stored_once(deposit):
    first = deposit(kind="file", upload=SimpleUploadedFile("a.png", PNG + b"same"))
    second = deposit(kind="file", upload=SimpleUploadedFile("b.png", PNG + b"same"))
    assert first.sha256 == second.sha256
    assert first.number != second.number
    assert EvidenceBlob.objects.count() == 1
    assert stored_files() == [blob_storage_name(first.sha256)]


def test_numbers_are_gapless_per_year_and_follow_the_deposit_time(deposit):
    at = dt.datetime(2024, 3, 5, 10, 0, tzinfo=SHANGHAI)
    a = deposit(deposited_at=at)
    b = deposit(deposited_at=at + dt.timedelta(minutes=1))
    c = deposit(deposited_at=dt.datetime(2025, 1, 2, 9, 0, tzinfo=SHANGHAI))
    assert [a.number, b.number, c.number] == [
        "益企证〔2024〕第000001号",
        "益企证〔2024〕第000002号",
        "益企证〔2025〕第000001号",
    ]
    assert [a.ledger_index, b.ledger_index, c.ledger_index] == [0, 1, 2]


def test_text_deposits_hash_the_utf8_bytes(deposit):
    record = deposit(kind="text", text="网店于2024年3月5日销售仿冒“平和蜜柚”产品")
    expected = "网店于2024年3月5日销售仿冒“平和蜜柚”产品".encode()
    assert record.sha256 == hashlib.sha256(expected).hexdigest()
    assert record.media_type.startswith("text/plain")


@pytest.mark.parametrize(
    ("kind", "extra", "code"),
    [
        ("text", {"text": "   "}, "empty_text"),
        ("file", {"upload": SimpleUploadedFile("empty.png", b"")}, "empty_file"),
        ("file", {"upload": SimpleUploadedFile("fake.pdf", PNG)}, "content_mismatch"),
        ("file", {"upload": None}, "file_required"),
        ("web_capture", {"upload": SimpleUploadedFile("page.exe", PNG)}, "capture_type"),
        ("web_capture", {"source_url": ""}, "source_url"),
        ("text", {"title": "  "}, "title"),
        ("text", {"category": "nonsense"}, "category"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(deposit, kind, extra, code):
    with pytest.raises(ValidationError) as caught:
        deposit(kind=kind, **extra)
    assert caught.value.code == code
    assert not EvidenceRecord.objects.exists()
    assert not EvidenceBlob.objects.exists()
    assert stored_files() == []
    assert ledger.current_size() == 0


def test_enterprise_users_deposit_only_for_their_enterprise(world, deposit):
    record = deposit(actor="enterprise", depositor="ent_a")
    # Deposited by the enterprise itself: its service point is its parent point.
    assert record.service_point == world["orgs"]["service_point"]
    with pytest.raises(ValidationError) as caught:
        deposit(actor="enterprise", depositor="ent_b")
    assert caught.value.code == "forbidden"
    for user in ("partner", "mediator", "court", "nobody"):
        with pytest.raises(ValidationError):
            deposit(actor=user, depositor="ent_a")


def test_service_point_staff_deposit_for_any_enterprise(world, deposit):
    record = deposit(actor="servicepoint", depositor="ent_b")
    assert record.depositor == world["orgs"]["ent_b"]
    assert record.service_point == world["orgs"]["service_point"]


def test_a_failed_deposit_removes_the_content_it_stored(deposit, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("ledger unavailable")

    monkeypatch.setattr(ledger, "append", broken)
    with pytest.raises(RuntimeError):
        deposit(kind="file", upload=SimpleUploadedFile("a.png", PNG + b"lost"))
    assert stored_files() == []
    assert not EvidenceBlob.objects.exists()


def test_withdrawal_is_a_new_ledger_entry_and_happens_once(world, deposit):
    record = deposit()
    withdrawal = services.withdraw(
        actor=world["users"]["enterprise"], record=record, reason="上传了错误的文件"
    )
    assert withdrawal.ledger_index == 1
    assert ledger.leaf_hash(1) == merkle.leaf_hash(
        leaves.withdrawal_leaf(withdrawal, record.number)
    )
    record = EvidenceRecord.objects.get(pk=record.pk)
    assert record.is_withdrawn
    with pytest.raises(ValidationError) as caught:
        services.withdraw(actor=world["users"]["superuser"], record=record, reason="again")
    assert caught.value.code == "already_withdrawn"
    with pytest.raises(ValidationError) as caught:
        services.withdraw(actor=world["users"]["partner"], record=deposit(), reason="x")
    assert caught.value.code == "forbidden"
    assert EvidenceWithdrawal.objects.count() == 1


def test_a_correction_names_the_record_it_corrects_in_its_leaf(world, deposit):
    old = deposit(text="错误的描述")
    new = deposit(text="更正后的描述", corrects=old)
    assert new.corrects == old
    assert b"corrects " + old.number.encode() in leaves.stored_record_leaf(new)
    with pytest.raises(ValidationError) as caught:
        deposit(depositor="ent_b", text="别家企业", corrects=old)
    assert caught.value.code == "corrects_depositor"


def test_records_cannot_be_changed_or_deleted_through_the_orm(deposit):
    record = deposit()
    record.title = "改过的标题"
    with pytest.raises(ImmutableError):
        record.save()
    with pytest.raises(ImmutableError):
        record.delete()
    with pytest.raises(ImmutableError):
        EvidenceRecord.objects.filter(pk=record.pk).update(title="x")
    with pytest.raises(ImmutableError):
        EvidenceRecord.objects.all().delete()
    assert EvidenceRecord.objects.get(pk=record.pk).title != "改过的标题"


def test_access_is_logged_per_record(world, deposit, rf):
    from evidence.models import AccessEvent

    records = [deposit(), deposit()]
    request = rf.get("/", HTTP_USER_AGENT="pytest", REMOTE_ADDR="10.1.2.3")
    services.log_access(
        records,
        action=AccessEvent.Action.EXPORT,
        user=world["users"]["mediator"],
        request=request,
        reason="诉讼准备",
    )
    events = list(AccessEvent.objects.order_by("record_id"))
    assert [e.record_id for e in events] == [r.pk for r in records]
    assert {(e.action, e.ip_address, e.user_agent, e.reason) for e in events} == {
        ("export", "10.1.2.3", "pytest", "诉讼准备")
    }


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("a.pdf", b"%PDF-1.7\n", None),
        ("a.pdf", PNG, "not a PDF file"),
        ("a.jpg", PNG, "not a JPG file"),
        ("a.docx", b"MZ\x90\x00\x03\x00\x00\x00", "not a DOCX file"),
        ("notes.txt", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "is a program"),
        ("page.har", b'{"log": {}}', None),
        ("page.har", b"<html>", "not a HAR"),
        ("page.mhtml", b"From: <Saved by Blink>\r\nMIME-Version: 1.0\r\n", None),
        ("page.mhtml", b"<html>", "not a saved web page"),
        ("data.bin", b"\x00\x01\x02", None),
    ],
)
def test_content_must_match_the_declared_type(name, content, problem):
    found = content_mismatch(SimpleUploadedFile(name, content), name)
    if problem is None:
        assert found is None
    else:
        assert problem in found


@pytest.mark.parametrize("name", ["", "  ", "..", "a/b.png", "a\\b.png", "a\x00.png", "x\n.png"])
def test_unsafe_file_names_are_refused(name):
    with pytest.raises(ValidationError):
        safe_display_name(name)


def test_a_plain_file_name_is_kept_for_display():
    assert safe_display_name(" 侵权商品照片 (1).jpg ") == "侵权商品照片 (1).jpg"
