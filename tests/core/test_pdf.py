"""The PDF plumbing embeds its CJK font subset and lays out Chinese text."""

from __future__ import annotations

import base64
import hashlib
import re
import zlib

from zhangzhou_ip.core import pdf

FONT_SHA256 = "0b1bebdf8856c418fb3d4273c4d27297446f93eb62a6272ce62810b7bd888d98"


def _story():
    s = pdf.styles()
    return [
        pdf.Paragraph("调解协议书", s["title"]),
        pdf.kv_table([("申请人", "漳州甲食品有限公司"), ("被申请人", "张三\n厦门")]),
        *pdf.paragraphs("第一段。\n\n第二段：赔偿人民币伍万元。"),
        pdf.signature_block(["申请人（签名）", "被申请人（盖章）"]),
    ]


def test_vendored_font_matches_its_recorded_hash():
    digest = hashlib.sha256(pdf.FONT_PATH.read_bytes()).hexdigest()
    source = (pdf.FONT_PATH.parent / "FONT_SOURCE.md").read_text(encoding="utf-8")
    assert digest == FONT_SHA256
    assert FONT_SHA256 in source
    assert "SIL Open Font License" in source


def test_pdf_embeds_a_subset_of_the_cjk_font():
    data = pdf.build_pdf(_story, title="调解协议书", author="漳州", invariant=True)
    assert data.startswith(b"%PDF-")
    # A TrueType font program is embedded, as a subset (tag "ABCDEF+Name").
    assert b"/FontFile2" in data
    assert re.search(rb"/BaseFont /[A-Z]{6}\+NotoSerifSC", data)
    # The subset is small: far below the 3 MB font file.
    assert len(data) < 300_000


def test_identical_input_gives_identical_bytes_when_invariant():
    first = pdf.build_pdf(_story, title="调解协议书", invariant=True)
    second = pdf.build_pdf(_story, title="调解协议书", invariant=True)
    assert first == second


def test_text_is_mapped_back_to_unicode():
    """Copy/paste and search work: the embedded subset has a ToUnicode map naming the
    characters used."""
    data = pdf.build_pdf(_story, title="调解协议书", invariant=True)
    cmaps = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = match.group(1)
        try:
            if raw.rstrip().endswith(b"~>"):  # reportlab wraps some streams in ASCII85
                raw = base64.a85decode(raw.strip(), adobe=raw.startswith(b"<~"))
            cmaps.append(zlib.decompressobj().decompress(raw))
        except (ValueError, zlib.error):
            continue
    to_unicode = b"".join(c for c in cmaps if b"beginbfchar" in c or b"beginbfrange" in c)
    assert f"{ord('调'):04X}".encode() in to_unicode.upper()
    assert f"{ord('盖'):04X}".encode() in to_unicode.upper()


def test_unsupported_chars_reports_only_missing_glyphs():
    assert pdf.unsupported_chars("漳州市知识产权 ABC 123，。") == set()
    assert pdf.unsupported_chars("𠀀") == {"𠀀"}


def test_text_markup_escapes_and_keeps_line_breaks():
    assert pdf.text_markup("a<b>&\n第二行") == "a&lt;b&gt;&amp;<br/>第二行"
