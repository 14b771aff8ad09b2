"""The deposit certificate (存证证书): a real PDF with the embedded CJK font, the record's
facts, the covering checkpoint and a verification route."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from evidence import documents, ledger, services
from evidence.keys import public_key
from evidence.models import Checkpoint
from zhangzhou_ip.core import pdf

VERIFY_URL = "https://ip.example.org/evidence/verify/?sha256="
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# Read back with pypdf (pure Python: no poppler needed on a fresh machine).


def _text(data: bytes, tmp_path) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def _fonts(data: bytes, tmp_path) -> list[list[str]]:
    """[font name, "yes"/"no" embedded] for every font used on any page."""
    reader = PdfReader(io.BytesIO(data))
    rows: dict[str, str] = {}
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descriptors = [font.get("/FontDescriptor")]
            descriptors += [
                d.get_object().get("/FontDescriptor") for d in font.get("/DescendantFonts", [])
            ]
            embedded = any(
                d is not None
                and any(k in d.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                for d in descriptors
            )
            rows[str(font.get("/BaseFont"))] = "yes" if embedded else "no"
    return [[name, embedded] for name, embedded in rows.items()]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def record(deposit):
    return deposit(
        kind="file",
        title="蜜柚礼盒包装照片",
        upload=SimpleUploadedFile("礼盒正面.png", PNG + b"cert"),
    )


def test_certificate_is_a_pdf_with_the_embedded_font(record):
    data = documents.certificate_pdf(record, verify_url=VERIFY_URL + record.sha256)
    assert data.startswith(b"%PDF-")
    assert b"NotoSerifSC" in data
    assert b"FontFile2" in data  # the TrueType program is in the file, not just named
    assert b"Helvetica" not in data  # no unembedded standard font sneaks in


def test_every_font_is_embedded(record, tmp_path):
    data = documents.certificate_pdf(record, verify_url=VERIFY_URL + record.sha256)
    fonts = _fonts(data, tmp_path)
    assert fonts, "pdffonts listed no fonts"
    for row in fonts:
        assert "NotoSerifSC" in row[0]
        assert row[1] == "yes", f"font not embedded: {row}"


def test_certificate_states_the_record_and_its_checkpoint(record, tmp_path):
    url = VERIFY_URL + record.sha256
    text = _text(documents.certificate_pdf(record, verify_url=url), tmp_path)
    flat = _squash(text)
    checkpoint = ledger.latest_checkpoint()
    assert "存证证书" in text
    assert "Evidence Deposit Certificate" in text
    assert record.number in text
    assert record.sha256 in text  # on one line, so it can be searched and copied whole
    assert checkpoint.root_hex in text
    assert "漳州甲食品有限公司" in text
    assert record.depositor.uscc in text
    assert "芗城服务网点" in text
    assert "蜜柚礼盒包装照片" in text
    assert "礼盒正面.png" in text
    assert f"{record.size:,}" in text
    assert "文件 / File" in text
    assert "网络商品链接或网页" in text
    assert _squash(public_key()) in flat
    assert _squash(url) in flat
    assert "python -m evidence.verify receipt.tlog-proof FILE --key KEY" in text
    assert "已撤回" not in text


def test_certificate_times_are_beijing_and_utc(record):
    local = documents.beijing_time(record.deposited_at)
    assert "北京时间" in local
    assert documents.utc_time(record.deposited_at).endswith("Z")
    moment = dt.datetime(2024, 3, 5, 2, 11, 9, 123456, tzinfo=dt.UTC)
    assert documents.beijing_time(moment) == "2024年3月5日 10:11:09（北京时间 UTC+8）"
    assert documents.utc_time(moment) == "2024-03-05T02:11:09.123456Z"


def test_certificate_signs_a_checkpoint_when_none_covers_the_record(record):
    assert Checkpoint.objects.count() == 0
    facts = documents.covering_checkpoint(record)
    assert Checkpoint.objects.count() == 1
    assert facts.tree_size == record.ledger_index + 1
    assert facts.root_hex == ledger.root(facts.tree_size).hex()
    assert facts.key_id == public_key().split("+")[1]
    assert facts.origin == public_key().split("+")[0]
    # a second certificate reuses it
    documents.covering_checkpoint(record)
    assert Checkpoint.objects.count() == 1


def test_a_checkpoint_signed_by_another_key_is_refused(record, settings):
    from evidence.tlog.note import Signer
    from zhangzhou_ip.core.errors import DomainError

    ledger.sign_checkpoint()
    settings.EVIDENCE_SIGNING_KEY = Signer.generate("other.example/log").private_key
    with pytest.raises(DomainError) as excinfo:
        documents.covering_checkpoint(record)
    assert excinfo.value.code == "checkpoint_signature"


def test_withdrawn_record_carries_the_notice(record, world, tmp_path):
    services.withdraw(actor=world["users"]["enterprise"], record=record, reason="拍摄对象有误")
    record.refresh_from_db()
    text = _text(documents.certificate_pdf(record, verify_url=VERIFY_URL), tmp_path)
    assert "已撤回" in text
    assert "WITHDRAWN" in text
    assert "拍摄对象有误" in text


def test_web_capture_and_correction_rows(deposit, tmp_path):
    first = deposit(kind="text", text="原始文本")
    capture = deposit(
        kind="web_capture",
        source_url="https://shop.example.com/item/42",
        upload=SimpleUploadedFile("page.png", PNG + b"capture"),
        corrects=first,
    )
    text = _text(documents.certificate_pdf(capture, verify_url=VERIFY_URL), tmp_path)
    flat = _squash(text)
    assert "https://shop.example.com/item/42" in flat
    assert "网页取证 / Web capture" in text
    assert first.number in text


def test_digest_fits_on_one_line_or_splits_in_halves():
    style = pdf.styles()["cell"]
    paragraph = documents._digest("ab" * 32, style)
    assert "<br/>" not in paragraph.text
    assert paragraph.style.fontSize >= 7.5
    assert "<br/>" in documents._digest("ab" * 80, style).text


def test_unprintable_characters_are_reported(record):
    assert documents.certificate_unprintable(record) == set()
    record.title = "𠀀 rare"  # a CJK Extension B character outside the font's subset
    assert "𠀀" in documents.certificate_unprintable(record)
