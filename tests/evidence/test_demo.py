"""Demo evidence (``evidence.demo``, run by ``load_demo``): 2,765 deposits in 2024 by the 55 key
enterprises via the 17 service points, through the services, with monthly checkpoints — and a
ledger the audit finds clean."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import F
from django.test.utils import override_settings

from alliance import demo as alliance_demo
from alliance.models import Organization
from evidence import demo, ledger
from evidence.models import (
    AccessEvent,
    Checkpoint,
    EvidenceBlob,
    EvidenceRecord,
    EvidenceWithdrawal,
    blob_storage_name,
)
from evidence.selectors import evidence_visible_to

BEIJING = ZoneInfo("Asia/Shanghai")
Kind = Organization.Kind


def _evidence_storage(location: str) -> dict:
    return {
        **django_settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location},
        },
    }


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("demo-evidence") / "store")


@pytest.fixture(scope="module")
def demo_counts(django_db_setup, django_db_blocker, store, ledger_private_key):
    """The alliance demo plus the evidence demo, loaded once for the module and rolled back
    afterwards (thousands of deposits take a while)."""
    isolated = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        STORAGES=_evidence_storage(store),
        EVIDENCE_SIGNING_KEY=ledger_private_key,
        EVIDENCE_GENERATE_KEY=False,
    )
    with django_db_blocker.unblock(), isolated, transaction.atomic():
        alliance_demo.load()
        counts = demo.load_evidence_demo()
        yield counts
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo_counts, db, settings, store):
    """Each test reads the module's evidence store (the autouse fixture gives it a fresh one)."""
    settings.STORAGES = _evidence_storage(store)
    return demo_counts


def test_exactly_the_press_release_count_all_in_2024(loaded):
    records = EvidenceRecord.objects.all()
    assert records.count() == demo.RECORDS == 2765
    assert loaded["records"] == 2765
    deposited = records.values_list("deposited_at", flat=True)
    assert {at.astimezone(BEIJING).year for at in deposited} == {2024}


def test_55_key_enterprises_via_17_service_points(loaded):
    records = EvidenceRecord.objects.all()
    depositors = set(records.values_list("depositor", flat=True))
    key = set(
        Organization.objects.filter(kind=Kind.ENTERPRISE, is_key_enterprise=True).values_list(
            "pk", flat=True
        )
    )
    assert len(depositors) == 55
    assert depositors == key
    points = set(records.values_list("service_point", flat=True))
    assert len(points) == 17
    assert points == set(
        Organization.objects.filter(kind=Kind.SERVICE_POINT).values_list("pk", flat=True)
    )
    # every enterprise deposits through its own service point
    mismatched = records.exclude(service_point=F("depositor__parent"))
    assert not mismatched.exists()
    assert loaded["enterprises"] == 55
    assert loaded["service_points"] == 17


def test_numbers_are_gapless_and_ledger_order_is_time_order(loaded):
    rows = list(
        EvidenceRecord.objects.order_by("ledger_index").values_list("number", "deposited_at")
    )
    expected = [
        django_settings.EVIDENCE_NUMBER_FORMAT.format(year=2024, seq=seq) for seq in range(1, 2766)
    ]
    assert [number for number, _at in rows] == expected
    assert expected[0] == "益企证〔2024〕第000001号"
    assert expected[-1] == "益企证〔2024〕第002765号"
    times = [at for _number, at in rows]
    assert times == sorted(times)
    assert len(set(times)) == len(times)


def test_deposits_fall_in_working_hours_of_working_days(loaded):
    for at in EvidenceRecord.objects.values_list("deposited_at", flat=True):
        local = at.astimezone(BEIJING)
        assert chinese_calendar.is_workday(local.date()), local
        minute = local.hour * 60 + local.minute
        assert (8 * 60 + 30 <= minute < 12 * 60) or (14 * 60 + 30 <= minute < 17 * 60 + 30), local


def test_depositors_are_real_users_of_the_point(loaded):
    User = get_user_model()
    clerk = User.objects.get(username="servicepoint")
    admin = User.objects.get(username="admin")
    point = Organization.objects.get(kind=Kind.SERVICE_POINT, name=alliance_demo.DEMO_SERVICE_POINT)
    records = EvidenceRecord.objects.all()
    assert set(records.filter(service_point=point).values_list("deposited_by", flat=True)) == {
        clerk.pk
    }
    assert set(records.exclude(service_point=point).values_list("deposited_by", flat=True)) == {
        admin.pk
    }


def test_kinds_are_mixed_and_captures_are_complete(loaded):
    records = EvidenceRecord.objects.all()
    counts = {kind: records.filter(kind=kind).count() for kind in EvidenceRecord.Kind.values}
    assert counts["file"] > counts["text"] > 0
    assert counts["web_capture"] > counts["text"]
    for record in records.filter(kind="web_capture"):
        assert record.source_url.startswith("https://")
        assert record.captured_at is not None and record.captured_at < record.deposited_at
    assert len(set(records.values_list("category", flat=True))) >= 6


def test_files_are_small_real_content_stored_once(loaded, store):
    storage = storages["evidence"]
    assert storage.location == store
    records = EvidenceRecord.objects.all()
    assert records.filter(size__gt=2000).count() == 0
    blobs = EvidenceBlob.objects.count()
    assert blobs == loaded["blobs"]
    assert blobs == 2765 - demo.DUPLICATES  # a handful of re-deposits share content
    sample = records.filter(media_type="image/png").order_by("ledger_index")[:3]
    for record in sample:
        with storage.open(blob_storage_name(record.sha256), "rb") as handle:
            assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    assert records.filter(media_type="application/pdf").exists()


def test_withdrawals_and_a_correction(loaded):
    withdrawals = EvidenceWithdrawal.objects.select_related("record")
    assert withdrawals.count() == demo.WITHDRAWALS
    for withdrawal in withdrawals:
        assert withdrawal.withdrawn_at > withdrawal.record.deposited_at
        assert withdrawal.ledger_index > withdrawal.record.ledger_index
        assert withdrawal.withdrawn_at.astimezone(BEIJING).year == 2024
    correction = EvidenceRecord.objects.get(corrects__isnull=False)
    assert correction.corrects.depositor_id == correction.depositor_id
    assert correction.corrects.ledger_index < correction.ledger_index
    assert correction.depositor.name == alliance_demo.DEMO_ENTERPRISE


def test_checkpoint_at_every_month_end_and_the_latest_covers_everything(loaded):
    checkpoints = list(Checkpoint.objects.order_by("tree_size"))
    assert len(checkpoints) == 12
    months = [c.created_at.astimezone(BEIJING) for c in checkpoints]
    assert [(m.year, m.month, m.day, m.hour) for m in months] == [
        (2024, month, (dt.date(2024 + month // 12, month % 12 + 1, 1) - dt.timedelta(1)).day, 23)
        for month in range(1, 13)
    ]
    sizes = [c.tree_size for c in checkpoints]
    assert sizes == sorted(set(sizes))
    latest = ledger.latest_checkpoint()
    size = EvidenceRecord.objects.count() + EvidenceWithdrawal.objects.count()
    assert latest.tree_size == ledger.current_size() == size
    assert bytes(latest.root_hash) == ledger.root(size)
    # each month's checkpoint covers exactly the entries made up to that month's end
    for checkpoint in checkpoints:
        entries = (
            EvidenceRecord.objects.filter(deposited_at__lte=checkpoint.created_at).count()
            + EvidenceWithdrawal.objects.filter(withdrawn_at__lte=checkpoint.created_at).count()
        )
        assert checkpoint.tree_size == entries


def test_the_demo_enterprise_sees_its_records_and_their_custody_log(loaded):
    user = get_user_model().objects.get(username="enterprise")
    visible = evidence_visible_to(user)
    assert visible.count() >= demo.DEMO_ENTERPRISE_RECORDS
    assert set(visible.values_list("depositor__name", flat=True)) == {alliance_demo.DEMO_ENTERPRISE}
    assert visible.filter(withdrawal__isnull=False).exists()
    events = AccessEvent.objects.all()
    assert events.count() == demo.ACCESS_EVENTS == loaded["access_events"]
    assert events.filter(record__in=visible, user=user).exists()
    assert events.filter(action=AccessEvent.Action.VERIFY, user__isnull=True).exists()
    for at, deposited_at in events.values_list("at", "record__deposited_at"):
        assert deposited_at <= at
        assert at.astimezone(BEIJING).year == 2024


def test_the_audit_finds_the_demo_ledger_clean(loaded):
    from evidence.audit import audit_ledger

    report = audit_ledger(check_blobs=True)
    assert report.ok, [str(finding) for finding in report.findings[:10]]


def test_a_second_load_writes_nothing(loaded):
    before = {
        "records": EvidenceRecord.objects.count(),
        "withdrawals": EvidenceWithdrawal.objects.count(),
        "checkpoints": Checkpoint.objects.count(),
        "events": AccessEvent.objects.count(),
        "size": ledger.current_size(),
    }
    again = demo.load_evidence_demo()
    assert again == loaded
    after = {
        "records": EvidenceRecord.objects.count(),
        "withdrawals": EvidenceWithdrawal.objects.count(),
        "checkpoints": Checkpoint.objects.count(),
        "events": AccessEvent.objects.count(),
        "size": ledger.current_size(),
    }
    assert after == before


def test_the_plan_is_deterministic(loaded):
    enterprises, demo_enterprise = demo._read_enterprises()
    first = demo.build_plan(enterprises, demo_enterprise)
    second = demo.build_plan(enterprises, demo_enterprise)
    assert [(d.at, d.title, d.data, d.text) for d in first.deposits] == [
        (d.at, d.title, d.data, d.text) for d in second.deposits
    ]
    titles = list(
        EvidenceRecord.objects.order_by("ledger_index").values_list("title", flat=True)[:50]
    )
    assert titles == [d.title for d in first.deposits[:50]]


def test_generated_files_are_what_their_names_say():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zhangzhou_ip.core.uploads import content_mismatch

    rng = random.Random(1)
    at = dt.datetime(2024, 5, 6, 10, 0, tzinfo=BEIJING)
    samples = {
        "a.png": demo.tiny_png(rng, "label"),
        "a.pdf": demo.tiny_pdf("label"),
        "a.mhtml": demo.tiny_mhtml("https://x.example/1", "标题", at, "正文"),
        "a.har": demo.tiny_har("https://x.example/1", at, 1234, "Chrome 120"),
    }
    for name, data in samples.items():
        assert 100 < len(data) < 1500, name
        assert content_mismatch(SimpleUploadedFile(name, data), name) is None, name
    assert demo.tiny_png(random.Random(2), "x") != demo.tiny_png(random.Random(3), "x")
