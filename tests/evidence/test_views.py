"""Evidence pages: who sees and does what (404 out of scope, 403 in scope but not allowed),
the deposit form through the service, downloads with exact bytes and safe headers, exports of
exactly the filtered rows, and the chain of custody — one ``AccessEvent`` per look."""

from __future__ import annotations

import csv
import hashlib
import io
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from alliance.models import Membership, Organization
from evidence import documents, ledger, receipts, services, visibility
from evidence.models import AccessEvent, Category, EvidenceRecord
from evidence.tlog import merkle
from evidence.tlog.note import Verifier
from evidence.tlog.proof import parse_receipt, verify_receipt
from tests.evidence.conftest import PNG

Action = AccessEvent.Action
LIST = reverse("evidence:list")
DEPOSIT = reverse("evidence:deposit")
LOGIN = reverse("login")
RECORD_PAGES = ("detail", "content", "certificate", "receipt", "withdraw", "access-log")


@pytest.fixture
def login(client, world):
    def as_user(name: str):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        client.force_login(world["users"][name])
        return client

    return as_user


@pytest.fixture
def record_b(world, deposit):
    """A record of the other enterprise (no service point): out of scope for ent_a's people."""
    return deposit(actor="superuser", depositor="ent_b", kind="text", text="乙的证据")


@pytest.fixture
def visible_to_mediator(world, monkeypatch):
    """Let the mediator see given records as a case citing them would (not manage them)."""

    def grant(*records: EvidenceRecord) -> None:
        ids = [r.pk for r in records]

        def provider(user, few):
            records = EvidenceRecord.objects.values_list("pk", flat=True)
            if user.pk == world["users"]["mediator"].pk:
                return records.filter(pk__in=ids)
            return records.none()

        monkeypatch.setattr(visibility, "_providers", [*visibility.providers(), provider])

    return grant


def _events(record: EvidenceRecord, action: str) -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(record=record, action=action))


# --- login and scope -----------------------------------------------------------------------


@pytest.mark.parametrize("name", RECORD_PAGES)
def test_record_pages_need_a_login(client, deposit, name):
    record = deposit()
    response = client.get(reverse(f"evidence:{name}", args=[record.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize("url", [LIST, DEPOSIT])
def test_list_and_deposit_need_a_login(client, world, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize("user", ["partner", "nobody", "enterprise", "servicepoint"])
@pytest.mark.parametrize("name", RECORD_PAGES)
def test_out_of_scope_records_are_404(login, record_b, user, name):
    response = login(user).get(reverse(f"evidence:{name}", args=[record_b.pk]))
    assert response.status_code == 404
    assert not AccessEvent.objects.filter(record=record_b).exists()


@pytest.mark.parametrize("user", ["partner", "nobody", "mediator", "court"])
def test_users_who_may_not_deposit_get_403(login, user):
    client = login(user)
    assert client.get(DEPOSIT).status_code == 403
    response = client.post(DEPOSIT, {"kind": "text", "text": "x", "title": "x"})
    assert response.status_code == 403
    assert not EvidenceRecord.objects.exists()


# --- list ----------------------------------------------------------------------------------


def test_list_shows_only_visible_records(login, deposit, record_b):
    own = deposit(title="甲的网店截图")
    page = login("enterprise").get(LIST)
    assert page.status_code == 200
    assert list(page.context["object_list"]) == [own]
    assert own.number in page.content.decode()
    assert record_b.number not in page.content.decode()
    assert set(login("superuser").get(LIST).context["object_list"]) == {own, record_b}


def test_list_is_empty_for_outsiders(login, deposit):
    deposit()
    page = login("partner").get(LIST)
    assert page.status_code == 200
    assert list(page.context["object_list"]) == []
    assert "No evidence has been deposited that you may see." in page.content.decode()


def test_list_filters_and_sorts(login, deposit):
    small = deposit(kind="text", text="a", title="small")
    big = deposit(kind="text", text="a much longer text", title="big")
    png = deposit(kind="file", title="photo")
    client = login("servicepoint")
    by_kind = client.get(LIST, {"kind": "text"}).context["object_list"]
    assert set(by_kind) == {small, big}
    assert list(client.get(LIST, {"q": "phot"}).context["object_list"]) == [png]
    assert list(client.get(LIST, {"sha256": big.sha256}).context["object_list"]) == [big]
    assert list(client.get(LIST, {"sort": "size", "kind": "text"}).context["object_list"]) == [
        small,
        big,
    ]
    assert list(client.get(LIST, {"sort": "-size", "kind": "text"}).context["object_list"]) == [
        big,
        small,
    ]
    assert list(client.get(LIST, {"sort": "title"}).context["object_list"]) == [big, png, small]


def test_withdrawn_filter(login, world, deposit):
    kept, gone = deposit(), deposit()
    services.withdraw(actor=world["users"]["servicepoint"], record=gone, reason="重复提交")
    client = login("servicepoint")
    assert list(client.get(LIST, {"withdrawn": "true"}).context["object_list"]) == [gone]
    assert list(client.get(LIST, {"withdrawn": "false"}).context["object_list"]) == [kept]


def test_list_query_count_does_not_grow_with_rows(login, world, deposit):
    deposit()
    client = login("servicepoint")
    client.get(LIST)  # the filter dropdowns' options are kept after the first page
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    for n in range(6):
        record = deposit(kind="web_capture" if n % 2 else "file")
        if n == 3:
            services.withdraw(actor=world["users"]["servicepoint"], record=record, reason="x")
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    assert len(response.context["object_list"]) == 7
    assert len(many) == len(few)


# --- exports -------------------------------------------------------------------------------


def _csv_rows(response) -> list[list[str]]:
    body = response.content
    assert body.startswith("\ufeff".encode())  # Excel needs the BOM to read UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_export_has_exactly_the_filtered_visible_rows(login, deposit, record_b):
    text = deposit(kind="text", text="=1+1", title="=HYPERLINK(1)")
    photo = deposit(kind="file", title="photo")
    response = login("enterprise").get(LIST, {"kind": "text", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="evidence-')
    rows = _csv_rows(response)
    assert rows[0][:3] == ["Record number", "Title", "Kind"]
    assert [row[0] for row in rows[1:]] == [text.number]
    assert rows[1][1] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet
    assert rows[1][12] == text.sha256
    # One custody event per exported record, none for the rows the filter left out.
    assert len(_events(text, Action.EXPORT)) == 1
    assert _events(photo, Action.EXPORT) == []
    assert _events(record_b, Action.EXPORT) == []


def test_xlsx_export_logs_every_exported_record(login, deposit, record_b):
    records = [deposit(), deposit(kind="text")]
    response = login("servicepoint").get(LIST, {"format": "xlsx", "sort": "number"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [r.number for r in records]
    assert rows[1][14] == records[0].ledger_index
    events = AccessEvent.objects.filter(action=Action.EXPORT)
    assert sorted(e.record_id for e in events) == sorted(r.pk for r in records)
    assert all(e.user.username == "servicepoint" for e in events)


def test_export_refuses_unknown_formats_and_bad_filters(login, deposit):
    deposit()
    client = login("servicepoint")
    response = client.get(LIST, {"format": "pdf"})
    assert response.status_code == 400
    assert "format=csv or format=xlsx" in response.content.decode()
    response = client.get(LIST, {"format": "csv", "deposited_after": "not-a-date"})
    assert response.status_code == 400
    assert "The filters are not valid" in response.content.decode()
    assert not AccessEvent.objects.exists()


# --- deposit -------------------------------------------------------------------------------


def test_enterprise_user_deposits_only_for_their_enterprise(login, world):
    page = login("enterprise").get(DEPOSIT)
    assert page.status_code == 200
    form = page.context["form"]
    assert list(form.fields["depositor"].queryset) == [world["orgs"]["ent_a"]]
    assert form.fields["depositor"].widget.is_hidden
    assert form.single_depositor == world["orgs"]["ent_a"]
    assert "service_point" not in form.fields
    assert world["orgs"]["ent_b"].name not in page.content.decode()


def test_enterprise_user_cannot_pick_another_enterprise(login, world):
    response = login("enterprise").post(
        DEPOSIT,
        {
            "kind": "text",
            "depositor": world["orgs"]["ent_b"].pk,
            "title": "不是我的",
            "category": Category.OTHER,
            "text": "text",
        },
    )
    assert response.status_code == 200
    assert "Choose one of the enterprises you may deposit evidence for." in (
        response.content.decode()
    )
    assert not EvidenceRecord.objects.exists()


def test_service_point_staff_choose_any_enterprise(login, world):
    form = login("servicepoint").get(DEPOSIT).context["form"]
    choices = set(form.fields["depositor"].queryset)
    assert {world["orgs"]["ent_a"], world["orgs"]["ent_b"]} <= choices
    assert not form.fields["depositor"].widget.is_hidden


def test_deposit_a_file_shows_its_hash(login, world):
    content = PNG + "蜜柚包装".encode()
    client = login("servicepoint")
    response = client.post(
        DEPOSIT,
        {
            "kind": "file",
            "depositor": world["orgs"]["ent_b"].pk,
            "title": "包装设计稿",
            "description": "2024 年春节包装",
            "category": Category.DESIGN,
            "file": SimpleUploadedFile("包装 设计.png", content, content_type="image/png"),
        },
        follow=True,
    )
    record = EvidenceRecord.objects.get()
    assert response.redirect_chain == [(record.get_absolute_url(), 302)]
    digest = hashlib.sha256(content).hexdigest()
    assert record.sha256 == digest
    assert record.depositor == world["orgs"]["ent_b"]
    assert record.service_point == world["orgs"]["service_point"]
    assert record.original_name == "包装 设计.png"
    page = response.content.decode()
    assert f"SHA-256: {digest}" in page
    assert record.number in page
    with services.evidence_storage().open(f"sha256/{digest[:2]}/{digest[2:4]}/{digest}") as f:
        assert f.read() == content


def test_deposit_text_keeps_the_exact_characters(login, world):
    text = "  第一行\n第二行  \n"
    login("enterprise").post(
        DEPOSIT,
        {
            "kind": "text",
            "depositor": world["orgs"]["ent_a"].pk,
            "title": "聊天记录",
            "category": Category.TRANSACTION,
            "text": text,
        },
    )
    record = EvidenceRecord.objects.get()
    assert record.kind == "text"
    assert record.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert record.deposited_by == world["users"]["enterprise"]


def test_web_capture_needs_a_url_and_keeps_the_capture_time(login, world):
    client = login("servicepoint")
    data = {
        "kind": "web_capture",
        "depositor": world["orgs"]["ent_a"].pk,
        "title": "网店页面",
        "category": Category.LISTING,
    }
    response = client.post(DEPOSIT, {**data, "file": SimpleUploadedFile("shot.png", PNG)})
    assert "A web capture needs the captured URL." in response.content.decode()
    assert not EvidenceRecord.objects.exists()
    response = client.post(
        DEPOSIT,
        {
            **data,
            "file": SimpleUploadedFile("shot.png", PNG),
            "source_url": "https://shop.example.com/item/9",
            "captured_at": "2026-01-05T09:30",
        },
    )
    record = EvidenceRecord.objects.get()
    assert response.status_code == 302
    assert record.source_url == "https://shop.example.com/item/9"
    assert record.captured_at.isoformat() == "2026-01-05T01:30:00+00:00"  # Beijing time in


def test_xhr_deposit_answers_with_the_page_to_go_to(login, world):
    response = login("servicepoint").post(
        DEPOSIT,
        {
            "kind": "file",
            "depositor": world["orgs"]["ent_a"].pk,
            "title": "x",
            "category": Category.OTHER,
            "file": SimpleUploadedFile("a.png", PNG),
        },
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    record = EvidenceRecord.objects.get()
    assert response.status_code == 200
    assert response["X-Redirect"] == record.get_absolute_url()


def test_deposit_a_correction(login, world, deposit):
    old = deposit(title="价格写错了", category=Category.TRANSACTION)
    client = login("enterprise")
    form = client.get(DEPOSIT, {"corrects": old.pk}).context["form"]
    assert form.initial["corrects"] == old.pk
    assert form.initial["title"] == old.title
    response = client.post(
        f"{DEPOSIT}?corrects={old.pk}",
        {
            "kind": "text",
            "depositor": world["orgs"]["ent_a"].pk,
            "title": "价格（更正）",
            "category": Category.TRANSACTION,
            "text": "正确的价格",
            "corrects": old.pk,
        },
    )
    new = EvidenceRecord.objects.get(corrects=old)
    assert response.status_code == 302
    page = client.get(reverse("evidence:detail", args=[old.pk])).content.decode()
    assert "Corrected by" in page
    assert reverse("evidence:detail", args=[new.pk]) in page
    page = client.get(reverse("evidence:detail", args=[new.pk])).content.decode()
    assert "This record corrects" in page
    assert old.number in page


def test_correcting_someone_elses_record_is_refused(login, world, record_b):
    client = login("enterprise")
    assert client.get(DEPOSIT, {"corrects": record_b.pk}).status_code == 404
    response = client.post(
        DEPOSIT,
        {
            "kind": "text",
            "depositor": world["orgs"]["ent_a"].pk,
            "title": "x",
            "category": Category.OTHER,
            "text": "x",
            "corrects": record_b.pk,
        },
    )
    assert "The record to correct does not exist or you may not correct it." in (
        response.content.decode()
    )
    assert EvidenceRecord.objects.count() == 1


# --- detail --------------------------------------------------------------------------------


def test_detail_shows_the_record_and_logs_the_view(login, world, deposit):
    record = deposit(kind="web_capture", description="店铺首页")
    ledger.sign_checkpoint()
    page = login("enterprise").get(reverse("evidence:detail", args=[record.pk]))
    html = page.content.decode()
    for text in (record.number, record.title, "店铺首页", record.sha256, "shop.example.com"):
        assert text in html
    assert page.context["in_checkpoint"] is True
    assert page.context["can_withdraw"] and page.context["can_view_log"]
    assert reverse("evidence:withdraw", args=[record.pk]) in html
    assert f"{DEPOSIT}?corrects={record.pk}" in html
    [event] = _events(record, Action.VIEW)
    assert event.user == world["users"]["enterprise"]
    assert event.ip_address == "127.0.0.1"


def test_detail_says_when_no_checkpoint_covers_the_record(login, deposit):
    ledger.sign_checkpoint()  # empty tree
    record = deposit()
    page = login("servicepoint").get(reverse("evidence:detail", args=[record.pk]))
    assert page.context["in_checkpoint"] is False
    assert "awaiting the next checkpoint" in page.content.decode()


def test_viewers_who_do_not_manage_see_no_actions(login, deposit, visible_to_mediator):
    record = deposit()
    visible_to_mediator(record)
    page = login("mediator").get(reverse("evidence:detail", args=[record.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("evidence:withdraw", args=[record.pk]) not in html
    assert reverse("evidence:access-log", args=[record.pk]) not in html
    assert reverse("evidence:content", args=[record.pk]) in html


# --- content, receipt, certificate ---------------------------------------------------------


def test_content_download_is_the_deposited_bytes(login, world, deposit):
    content = PNG + b"original"
    record = deposit(kind="file", upload=SimpleUploadedFile("网店截图.png", content))
    url = reverse("evidence:content", args=[record.pk])
    response = login("enterprise").get(url, {"reason": "提交调解委员会"})
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == (
        f"attachment; filename*=utf-8''{quote('网店截图.png')}"
    )
    [event] = _events(record, Action.DOWNLOAD)
    assert event.reason == "提交调解委员会"
    assert event.user == world["users"]["enterprise"]


def test_text_content_is_named_after_the_record(login, deposit):
    record = deposit(kind="text", text="文字证据")
    response = login("servicepoint").get(reverse("evidence:content", args=[record.pk]))
    assert b"".join(response.streaming_content) == "文字证据".encode()
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == (
        f"attachment; filename*=utf-8''{quote(record.number + '.txt')}"
    )
    assert len(_events(record, Action.DOWNLOAD)) == 1


def test_receipt_verifies_against_the_published_key(login, deposit):
    record = deposit()
    deposit()
    response = login("enterprise").get(reverse("evidence:receipt", args=[record.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{receipts.receipt_filename(record)}"'
    )
    receipt = parse_receipt(response.content.decode())
    checkpoint = verify_receipt(
        receipt, Verifier(receipts.public_key()), merkle.leaf_hash(receipt.extra)
    )
    assert receipt.index == record.ledger_index
    assert checkpoint.size == 2
    assert f"sha256 {record.sha256}" in receipt.extra.decode()
    assert len(_events(record, Action.RECEIPT)) == 1


def test_certificate_is_a_pdf_pointing_at_the_verify_page(login, deposit, monkeypatch):
    record = deposit()
    calls = []
    real = documents.certificate_pdf

    def spy(rec, *, verify_url):
        calls.append(verify_url)
        return real(rec, verify_url=verify_url)

    monkeypatch.setattr(documents, "certificate_pdf", spy)
    response = login("enterprise").get(reverse("evidence:certificate", args=[record.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"].startswith("attachment; ")
    assert calls == [f"http://testserver/evidence/verify/?sha256={record.sha256}"]
    assert len(_events(record, Action.CERTIFICATE)) == 1


def test_each_look_is_one_event_with_its_action(login, deposit):
    record = deposit()
    client = login("servicepoint")
    for name in ("detail", "content", "receipt"):
        response = client.get(reverse(f"evidence:{name}", args=[record.pk]))
        assert response.status_code == 200
    client.get(reverse("evidence:withdraw", args=[record.pk]))  # a form, not a look
    client.get(reverse("evidence:access-log", args=[record.pk]))  # the log itself
    actions = sorted(AccessEvent.objects.filter(record=record).values_list("action", flat=True))
    assert actions == sorted([Action.VIEW, Action.DOWNLOAD, Action.RECEIPT])


# --- withdraw ------------------------------------------------------------------------------


def test_withdraw_needs_a_reason_and_then_shows(login, world, deposit):
    record = deposit()
    url = reverse("evidence:withdraw", args=[record.pk])
    client = login("enterprise")
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not record.__class__.objects.get(pk=record.pk).is_withdrawn
    response = client.post(url, {"reason": "误传了草稿"}, follow=True)
    record = EvidenceRecord.objects.get(pk=record.pk)
    assert record.is_withdrawn
    assert record.withdrawal.reason == "误传了草稿"
    html = response.content.decode()
    assert "误传了草稿" in html
    assert f"the withdrawal is ledger entry {record.withdrawal.ledger_index}" in html
    assert response.context["can_withdraw"] is False
    # A second attempt changes nothing.
    again = client.post(url, {"reason": "again"})
    assert again.status_code == 400
    assert "already withdrawn" in again.content.decode()
    assert client.get(url).status_code == 302


def test_viewers_who_do_not_manage_cannot_withdraw(login, deposit, visible_to_mediator):
    record = deposit()
    visible_to_mediator(record)
    url = reverse("evidence:withdraw", args=[record.pk])
    client = login("mediator")
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "x"}).status_code == 403
    assert not EvidenceRecord.objects.get(pk=record.pk).is_withdrawn


# --- custody log ---------------------------------------------------------------------------


def test_the_depositor_sees_the_custody_log(login, world, deposit):
    record = deposit()
    services.log_access(record, action=Action.DOWNLOAD, user=world["users"]["servicepoint"])
    services.log_access(record, action=Action.VERIFY, user=None)
    page = login("enterprise").get(reverse("evidence:access-log", args=[record.pk]))
    assert page.status_code == 200
    assert [e.action for e in page.context["events"]] == [Action.VERIFY, Action.DOWNLOAD]
    html = page.content.decode()
    assert "servicepoint" in html
    assert "anonymous (public verification)" in html


def test_custody_log_is_paginated(login, world, deposit):
    record = deposit()
    for _ in range(55):
        services.log_access(record, action=Action.VIEW, user=world["users"]["servicepoint"])
    client = login("enterprise")
    url = reverse("evidence:access-log", args=[record.pk])
    assert len(client.get(url).context["events"]) == 50
    assert len(client.get(url, {"page": 2}).context["events"]) == 5


def test_custody_log_is_403_for_viewers_and_404_outside(login, deposit, visible_to_mediator):
    record = deposit()
    visible_to_mediator(record)
    url = reverse("evidence:access-log", args=[record.pk])
    assert login("mediator").get(url).status_code == 403
    assert login("partner").get(url).status_code == 404


def test_staff_of_several_points_choose_where_they_deposit(login, world):
    second = Organization.objects.create(
        kind=Organization.Kind.SERVICE_POINT,
        name="龙海服务网点",
        region=world["orgs"]["service_point"].region,
        parent=world["orgs"]["zz_bureau"],
    )
    Membership.objects.create(
        user=world["users"]["servicepoint"], organization=second, role=Membership.Role.CLERK
    )
    client = login("servicepoint")
    form = client.get(DEPOSIT).context["form"]
    assert set(form.fields["service_point"].queryset) == {world["orgs"]["service_point"], second}
    response = client.post(
        DEPOSIT,
        {
            "kind": "text",
            "depositor": world["orgs"]["ent_b"].pk,
            "service_point": second.pk,
            "title": "x",
            "category": Category.OTHER,
            "text": "x",
        },
    )
    assert response.status_code == 302
    assert EvidenceRecord.objects.get().service_point == second
