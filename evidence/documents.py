"""The deposit certificate (存证证书) of an evidence record, as a bilingual A4 PDF.

The certificate is what an enterprise hands to a mediator, a court or an opponent: it states
who deposited what and when, the content's digests, where the record sits in the ledger and
which signed checkpoint covers it, and how anyone can check all of that without trusting us
(the public verification page behind the QR code, or the offline verifier with the published
key). It is bilingual (Chinese first, English below) whatever language the requesting page
uses, because it travels to courts and parties in other provinces and abroad; the labels are
therefore fixed strings, not gettext messages.

Built with ``zhangzhou_ip.core.pdf`` (embedded Noto Serif SC subset): user text the font cannot
print is reported by :func:`certificate_unprintable`, as ``cases.documents`` does. The view
that serves the PDF logs the ``certificate`` access event; this module only lays it out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable, KeepTogether, Table

from evidence import ledger
from evidence.keys import ledger_verifier, public_key
from evidence.leaves import format_time
from evidence.models import Category, Checkpoint, EvidenceRecord
from evidence.tlog.note import NoteError, open_checkpoint
from zhangzhou_ip.core import pdf
from zhangzhou_ip.core.errors import DomainError

BEIJING = ZoneInfo("Asia/Shanghai")
ISSUER = "益企证知识产权存证服务"
ISSUER_EN = "Yiqizheng IP evidence service"
PUBLIC_KEY_PATH = "/api/v1/evidence/public-key/"
OFFLINE_COMMAND = "python -m evidence.verify receipt.tlog-proof FILE --key KEY"

LABEL_WIDTH = 44 * mm
QR_SIZE = 34 * mm
_CELL_PADDING = 5  # kv_table's left and right padding, points
_DIGEST_MAX_FONT = 10.5
_DIGEST_MIN_FONT = 7.5

_KIND_ZH = {
    EvidenceRecord.Kind.FILE: "文件",
    EvidenceRecord.Kind.WEB_CAPTURE: "网页取证",
    EvidenceRecord.Kind.TEXT: "文本",
}
_CATEGORY_ZH = {
    Category.PRODUCT: "产品及包装",
    Category.LISTING: "网络商品链接或网页",
    Category.TRANSACTION: "购买或销售记录",
    Category.PROMOTION: "广告宣传",
    Category.DESIGN: "设计或技术文件",
    Category.CONTRACT: "合同或许可",
    Category.CERTIFICATE: "权利证书",
    Category.OTHER: "其他",
}


@dataclass(frozen=True)
class CheckpointFacts:
    """The covering checkpoint as the certificate states it (read from the signed note)."""

    tree_size: int
    root_hex: str
    signed_at: dt.datetime
    origin: str
    key_id: str
    note: str


def covering_checkpoint(record: EvidenceRecord) -> CheckpointFacts:
    """The signed checkpoint that covers the record (signing one if none does yet).

    The size and root are taken from the note after its signature is checked with the
    published key, so the certificate never states a tree head the key did not sign.
    """
    checkpoint: Checkpoint = ledger.checkpoint_covering(record.ledger_index)
    verifier = ledger_verifier()
    try:
        opened = open_checkpoint(checkpoint.note, verifier)
    except NoteError as exc:
        raise DomainError(
            _(
                "The checkpoint covering this record is not signed by the ledger's current "
                "key (%(error)s); run “manage.py audit_ledger”."
            )
            % {"error": exc},
            code="checkpoint_signature",
        ) from exc
    if opened.size != checkpoint.tree_size or opened.root != bytes(checkpoint.root_hash):
        raise DomainError(
            _(
                "The stored checkpoint does not match its signed note; run "
                "“manage.py audit_ledger”."
            ),
            code="checkpoint_mismatch",
        )
    return CheckpointFacts(
        tree_size=opened.size,
        root_hex=opened.root.hex(),
        signed_at=checkpoint.created_at,
        origin=opened.origin,
        key_id=f"{verifier.key_id:08x}",
        note=checkpoint.note,
    )


# --- text helpers --------------------------------------------------------------------------


def beijing_time(value: dt.datetime) -> str:
    """``2024年3月5日 10:11:09（北京时间 UTC+8）``: the legal time of the deposit."""
    local = timezone.localtime(value, BEIJING)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M:%S}（北京时间 UTC+8）"


def utc_time(value: dt.datetime) -> str:
    """The exact UTC time, as the ledger leaf and the receipt carry it."""
    return format_time(value)


def person_name(user) -> str:
    """Chinese order (family name first), falling back to the username."""
    name = f"{user.last_name}{user.first_name}".strip()
    return name or user.get_username()


def kind_label(kind: str) -> str:
    with translation.override("en"):
        english = str(EvidenceRecord.Kind(kind).label)
    return f"{_KIND_ZH.get(kind, english)} / {english}"


def category_label(category: str) -> str:
    with translation.override("en"):
        english = str(Category(category).label)
    return f"{_CATEGORY_ZH.get(category, english)} / {english}"


def size_label(size: int) -> str:
    return f"{size:,} 字节 / bytes"


def certificate_texts(record: EvidenceRecord) -> list[str]:
    """Every user-supplied string the certificate prints (for the font check)."""
    texts = [
        record.title,
        record.original_name,
        record.source_url,
        record.depositor.name,
        record.depositor.uscc,
        person_name(record.deposited_by),
    ]
    if record.service_point is not None:
        texts.append(record.service_point.name)
    withdrawal = getattr(record, "withdrawal", None)
    if withdrawal is not None:
        texts += [withdrawal.reason, person_name(withdrawal.withdrawn_by)]
    return [text for text in texts if text]


def certificate_unprintable(record: EvidenceRecord) -> set[str]:
    """Characters of the certificate the embedded font cannot print (rare names)."""
    return pdf.unsupported_chars("".join(certificate_texts(record)))


# --- flowables -----------------------------------------------------------------------------


def _styles() -> dict[str, ParagraphStyle]:
    sheet = pdf.styles()
    cell = ParagraphStyle("cert_cell", parent=sheet["cell"], fontSize=10, leading=13.5)
    return {
        "title": ParagraphStyle("cert_title", parent=sheet["title"], fontSize=22, spaceAfter=0),
        "subtitle": ParagraphStyle(
            "cert_subtitle",
            parent=sheet["subtitle"],
            fontSize=11,
            leading=16,
            spaceAfter=2,
            textColor=colors.HexColor("#444444"),
        ),
        "number": ParagraphStyle("cert_number", parent=sheet["subtitle"], spaceAfter=8),
        "heading": ParagraphStyle(
            "cert_heading", parent=sheet["heading"], fontSize=12, leading=18, spaceBefore=6
        ),
        "body": ParagraphStyle("cert_body", parent=sheet["plain"], fontSize=10, leading=15),
        "small": ParagraphStyle("cert_small", parent=sheet["small"], fontSize=8, leading=11.5),
        "cell": cell,
        "label": ParagraphStyle("cert_label", parent=sheet["cell"], fontSize=9.5, leading=13),
        "notice": ParagraphStyle(
            "cert_notice",
            parent=sheet["plain"],
            fontSize=10,
            leading=15,
            textColor=colors.HexColor("#9B1C1C"),
            borderColor=colors.HexColor("#9B1C1C"),
            borderWidth=0.8,
            borderPadding=5,
            spaceBefore=4,
            spaceAfter=10,
        ),
    }


def _bilingual(zh: str, en: str, style: ParagraphStyle, *, en_size: float = 7.5) -> pdf.Paragraph:
    return pdf.Paragraph(
        f"{pdf.text_markup(zh)}<br/>"
        f"<font size='{en_size}' color='#555555'>{pdf.text_markup(en)}</font>",
        style,
    )


def _value(text: str, style: ParagraphStyle, english: str = "") -> pdf.Paragraph:
    markup = pdf.text_markup(text)
    if english:
        markup += f"<br/><font size='8' color='#555555'>{pdf.text_markup(english)}</font>"
    return pdf.Paragraph(markup, style)


def _digest(hex_value: str, style: ParagraphStyle) -> pdf.Paragraph:
    """A 64-digit digest on one line when it fits (so it copies and searches whole), else
    in two halves of 32 digits."""
    width = pdf.CONTENT_WIDTH - LABEL_WIDTH - 2 * _CELL_PADDING - 2
    size = _DIGEST_MAX_FONT
    while size > _DIGEST_MIN_FONT and (
        pdfmetrics.stringWidth(hex_value, pdf.FONT_NAME, size) > width
    ):
        size -= 0.25
    if pdfmetrics.stringWidth(hex_value, pdf.FONT_NAME, size) <= width:
        markup = hex_value
    else:
        half = len(hex_value) // 2
        markup = f"{hex_value[:half]}<br/>{hex_value[half:]}"
    digest_style = ParagraphStyle(
        f"cert_digest_{size}", parent=style, fontSize=size, leading=size * 1.4, wordWrap=None
    )
    return pdf.Paragraph(markup, digest_style)


def _table(rows: list[tuple[Flowable, Flowable]]) -> Table:
    table = pdf.kv_table(rows, label_width=LABEL_WIDTH)
    # Tighter than kv_table's default so the certificate stays within two pages.
    table.setStyle(
        [
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
            ("ALIGN", (0, 0), (0, -1), "LEFT"),
        ]
    )
    return table


def qr_code(url: str, size: float = QR_SIZE) -> Drawing:
    """A QR code (reportlab's own widget, no extra dependency) scaled to ``size`` points."""
    widget = QrCodeWidget(url, barLevel="M")
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(
        size,
        size,
        transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0],
        # The renderer selects a font even for a drawing without text; Helvetica would be
        # referenced unembedded (zhangzhou_ip.core.pdf: every font must be embedded).
        initialFontName=pdf.register_fonts(),
    )
    drawing.add(widget)
    return drawing


def _story(
    record: EvidenceRecord, checkpoint: CheckpointFacts, verify_url: str, public_key: str
) -> list[Flowable]:
    s = _styles()

    def label(zh: str, en: str) -> pdf.Paragraph:
        return pdf.Paragraph(
            f"{pdf.text_markup(zh)} <font size='7.5' color='#555555'>{pdf.text_markup(en)}</font>",
            s["label"],
        )

    def value(text: str, english: str = "") -> pdf.Paragraph:
        return _value(text, s["cell"], english)

    def heading(zh: str, en: str) -> pdf.Paragraph:
        return pdf.Paragraph(
            f"{pdf.text_markup(zh)}　<font size='9' color='#555555'>{pdf.text_markup(en)}</font>",
            s["heading"],
        )

    story: list[Flowable] = [
        pdf.Paragraph("存证证书", s["title"]),
        pdf.Paragraph("Evidence Deposit Certificate", s["subtitle"]),
        pdf.Paragraph(pdf.text_markup(record.number), s["number"]),
        _bilingual(
            f"兹证明下列电子数据已于{beijing_time(record.deposited_at)}存入{ISSUER}，其数据指纹"
            f"（SHA-256）已作为第 {record.ledger_index} 号叶子写入 RFC 9162 默克尔树账本，"
            "并由签名检查点固定。",
            f"This certifies that the data below was deposited with the {ISSUER_EN} at "
            f"{utc_time(record.deposited_at)}; its SHA-256 digest is leaf {record.ledger_index} "
            "of an RFC 9162 Merkle-tree ledger fixed by a signed checkpoint.",
            s["body"],
            en_size=8.5,
        ),
    ]
    withdrawal = getattr(record, "withdrawal", None)
    if withdrawal is not None:
        story.append(
            _bilingual(
                f"【已撤回】本存证已于{beijing_time(withdrawal.withdrawn_at)}由"
                f"{person_name(withdrawal.withdrawn_by)}撤回（第 {withdrawal.ledger_index} "
                f"号叶子），原因：{withdrawal.reason}。撤回是账本中的新条目，原记录及其数据指纹保持不变。",
                f"WITHDRAWN on {utc_time(withdrawal.withdrawn_at)} (ledger leaf "
                f"{withdrawal.ledger_index}); reason: {withdrawal.reason}. The withdrawal is a new "
                "ledger entry; the record and its digest are unchanged.",
                s["notice"],
                en_size=8.5,
            )
        )

    story.append(heading("一、存证内容", "The evidence"))
    content_rows = [
        (label("存证编号", "Record number"), value(record.number)),
        (label("存证类型", "Kind"), value(kind_label(record.kind))),
        (label("证据类别", "Category"), value(category_label(record.category))),
        (label("证据名称", "Title"), value(record.title)),
    ]
    if record.original_name:
        content_rows.append((label("文件名", "File name"), value(record.original_name)))
    content_rows += [
        (label("文件大小", "Size"), value(size_label(record.size))),
        (label("媒体类型", "Media type"), value(record.media_type)),
    ]
    if record.source_url:
        content_rows.append((label("取证网址", "Captured URL"), value(record.source_url)))
    if record.captured_at:
        content_rows.append(
            (
                label("取证时间", "Captured at"),
                value(beijing_time(record.captured_at), utc_time(record.captured_at)),
            )
        )
    if record.corrects_id:
        content_rows.append(
            (
                label("更正记录", "Corrects"),
                value(record.corrects.number, "This record corrects the record above."),
            )
        )
    story.append(_table(content_rows))

    story.append(heading("二、存证主体与时间", "Depositor and time"))
    depositor = record.depositor
    depositor_text = depositor.name
    if depositor.uscc:
        depositor_text += f"\n统一社会信用代码 / USCC：{depositor.uscc}"
    party_rows = [
        (label("存证企业", "Depositor"), value(depositor_text)),
        (
            label("服务网点", "Service point"),
            value(record.service_point.name if record.service_point else "—"),
        ),
        (label("经办人", "Deposited by"), value(person_name(record.deposited_by))),
        (
            label("存证时间", "Deposit time"),
            value(beijing_time(record.deposited_at), f"UTC {utc_time(record.deposited_at)}"),
        ),
    ]
    story.append(_table(party_rows))

    story.append(heading("三、数据指纹", "Digests"))
    digest_rows = [(label("SHA-256", "content digest"), _digest(record.sha256, s["cell"]))]
    sm3 = record.blob.sm3
    if sm3:
        digest_rows.append((label("SM3", "GB/T 32905"), _digest(sm3, s["cell"])))
    story.append(_table(digest_rows))

    story.append(heading("四、账本与签名检查点", "Ledger and signed checkpoint"))
    ledger_rows = [
        (label("账本序号", "Ledger index"), value(str(record.ledger_index))),
        (label("检查点树大小", "Tree size"), value(str(checkpoint.tree_size))),
        (label("检查点根哈希", "Root hash"), _digest(checkpoint.root_hex, s["cell"])),
        (
            label("签名时间", "Signed at"),
            value(beijing_time(checkpoint.signed_at), f"UTC {utc_time(checkpoint.signed_at)}"),
        ),
        (
            label("日志标识 / 密钥", "Log origin / key ID"),
            value(f"{checkpoint.origin}\n{checkpoint.key_id}"),
        ),
    ]
    story.append(_table(ledger_rows))

    how = [
        heading("五、验证方法", "How to verify"),
        _bilingual(
            "① 扫描右侧二维码或访问下列网址，选择原始文件：浏览器在本地计算其 SHA-256"
            "（文件不上传），并显示存证编号、存证时间及针对签名检查点核验的包含证明。",
            "1. Scan the QR code or open the address below and choose the original file: your "
            "browser hashes it locally (the file is not uploaded) and shows the record number, "
            "deposit time and an inclusion proof checked against the signed checkpoint.",
            s["small"],
        ),
        pdf.Paragraph(pdf.text_markup(verify_url), s["small"]),
        _bilingual(
            "② 离线验证：在存证记录页面下载存证回执（.tlog-proof），运行下列命令，KEY 为下方公钥"
            f"（亦公布于 {PUBLIC_KEY_PATH}）：",
            "2. Offline: download the receipt (.tlog-proof) from the record's page and run the "
            "command below, where KEY is the public key printed here (also published at "
            f"{PUBLIC_KEY_PATH}):",
            s["small"],
        ),
        pdf.Paragraph(pdf.text_markup(OFFLINE_COMMAND), s["small"]),
    ]
    qr_table = Table(
        [[how, qr_code(verify_url)]],
        colWidths=[pdf.CONTENT_WIDTH - QR_SIZE - 6 * mm, QR_SIZE + 6 * mm],
    )
    qr_table.setStyle(
        pdf.table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (1, 0), (1, 0), 10 * mm),
            ],
            grid=False,
        )
    )
    story.append(KeepTogether([qr_table]))
    story.append(
        _table([(label("验证公钥", "Public key"), value(public_key))]),
    )
    story.append(pdf.Spacer(1, 6 * mm))
    now = timezone.now()
    story.append(
        _bilingual(
            f"{ISSUER}　出具时间：{beijing_time(now)}",
            f"Issued by the {ISSUER_EN} at {utc_time(now)}",
            ParagraphStyle("cert_issuer", parent=s["body"], alignment=TA_RIGHT),
        )
    )
    return story


def certificate_pdf(record: EvidenceRecord, *, verify_url: str) -> bytes:
    """The 存证证书 of ``record`` as PDF bytes; the QR code leads to ``verify_url`` (an
    absolute URL of the public verification page for the record's hash)."""
    checkpoint = covering_checkpoint(record)
    key = public_key()
    return pdf.build_pdf(
        lambda: _story(record, checkpoint, verify_url, key),
        title=f"存证证书 {record.number}",
        author=ISSUER,
        subject="Evidence Deposit Certificate",
    )
