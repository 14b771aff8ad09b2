"""The deposit form and bad input: an upload over ``EVIDENCE_MAX_UPLOAD_BYTES`` is stopped
while it streams and answered with 413 and the limit, a ``Content-Length`` over it is refused
before the body is read, and empty files, lying content types and blank text are form errors.
In every refused case nothing is left in the evidence storage, the upload temp directory or
the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from evidence.models import EvidenceBlob, EvidenceRecord
from tests.evidence.conftest import PNG

DEPOSIT = reverse("evidence:deposit")
LIMIT = 4096


@pytest.fixture
def client_sp(client, world, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = LIMIT
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world["users"]["servicepoint"])
    return client


@pytest.fixture
def data(world):
    return {
        "kind": "file",
        "depositor": world["orgs"]["ent_a"].pk,
        "title": "包装照片",
        "category": "product",
    }


def _files_under(setting_path: str) -> list[Path]:
    root = Path(setting_path)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _stored() -> list[Path]:
    return _files_under(settings.STORAGES["evidence"]["OPTIONS"]["location"])


def _temporary() -> list[Path]:
    return _files_under(settings.FILE_UPLOAD_TEMP_DIR)


def _assert_nothing_kept() -> None:
    assert _stored() == []
    assert _temporary() == []
    assert not EvidenceRecord.objects.exists()
    assert not EvidenceBlob.objects.exists()


def test_an_upload_over_the_limit_is_413_with_the_limit(client_sp, data):
    # Under limit + multipart overhead: the handler stops it while the bytes stream in.
    upload = SimpleUploadedFile("big.png", PNG + b"\x00" * (LIMIT * 3))
    response = client_sp.post(DEPOSIT, {**data, "file": upload})
    assert response.status_code == 413
    body = response.content.decode()
    assert "The file is larger than the limit of 4.0\xa0KB; nothing was stored." in body
    _assert_nothing_kept()


def test_a_content_length_over_the_limit_is_refused_unread(client_sp, data):
    upload = SimpleUploadedFile("huge.png", PNG + b"\x00" * (LIMIT + 200_000))
    response = client_sp.post(DEPOSIT, {**data, "file": upload})
    assert response.status_code == 413
    assert "4.0\xa0KB" in response.content.decode()
    _assert_nothing_kept()


def test_text_sent_with_an_oversized_file_is_not_deposited_either(client_sp, data):
    upload = SimpleUploadedFile("big.png", PNG + b"\x00" * (LIMIT * 3))
    response = client_sp.post(
        DEPOSIT, {**data, "kind": "text", "text": "some text", "file": upload}
    )
    assert response.status_code == 413
    _assert_nothing_kept()


def test_a_file_at_the_limit_is_accepted(client_sp, data):
    content = PNG + b"\x01" * (LIMIT - len(PNG))
    response = client_sp.post(DEPOSIT, {**data, "file": SimpleUploadedFile("ok.png", content)})
    assert response.status_code == 302
    record = EvidenceRecord.objects.get()
    assert record.size == LIMIT
    assert len(_stored()) == 1
    assert _temporary() == []


def test_an_empty_file_is_a_form_error(client_sp, data):
    response = client_sp.post(DEPOSIT, {**data, "file": SimpleUploadedFile("empty.png", b"")})
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [
        "The file is empty; choose the file that holds the evidence."
    ]
    _assert_nothing_kept()


def test_a_png_named_pdf_is_a_form_error(client_sp, data):
    upload = SimpleUploadedFile("合同.pdf", PNG, content_type="application/pdf")
    response = client_sp.post(DEPOSIT, {**data, "file": upload})
    assert response.status_code == 400
    [error] = response.context["form"].errors["file"]
    assert "not a PDF file although its name says so" in error
    assert escape(error) in response.content.decode()
    _assert_nothing_kept()


def test_a_web_capture_of_the_wrong_type_is_a_form_error(client_sp, data):
    upload = SimpleUploadedFile("page.docx", b"PK\x03\x04" + b"\x00" * 40)
    response = client_sp.post(
        DEPOSIT,
        {**data, "kind": "web_capture", "source_url": "https://x.example/", "file": upload},
    )
    assert response.status_code == 400
    [error] = response.context["form"].errors["file"]
    assert error.startswith("A web capture must be a screenshot, a saved page or a HAR file")
    _assert_nothing_kept()


def test_a_file_kind_without_a_file_is_a_form_error(client_sp, data):
    response = client_sp.post(DEPOSIT, data)
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["Choose the file to deposit."]
    _assert_nothing_kept()


@pytest.mark.parametrize("text", ["", "   \n\t  "])
def test_blank_text_is_a_form_error(client_sp, data, text):
    response = client_sp.post(DEPOSIT, {**data, "kind": "text", "text": text})
    assert response.status_code == 200
    assert response.context["form"].errors["text"] == [
        "The text is empty; enter the text to deposit."
    ]
    _assert_nothing_kept()


def test_text_over_the_character_limit_is_a_form_error(client_sp, data, settings):
    settings.EVIDENCE_MAX_TEXT_CHARS = 10
    response = client_sp.post(DEPOSIT, {**data, "kind": "text", "text": "十一个字符的文字证据啊"})
    assert response.status_code == 400
    assert response.context["form"].errors["text"] == [
        "The text is longer than 10 characters; deposit it as a file."
    ]
    _assert_nothing_kept()
