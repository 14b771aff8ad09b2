"""Chinese PDF documents with an embedded CJK font (reportlab).

Plumbing for 调解协议书, 司法确认申请书, 存证证书 and reports: it imports no project app.

The font is a subset of Noto Serif SC Regular (思源宋体, SIL OFL 1.1) with TrueType
outlines, vendored in ``zhangzhou_ip/core/fonts/`` by ``scripts/vendor_font.py``.  reportlab
embeds only the glyphs a document uses (as ``XXXXXX+NotoSerifSC-Regular`` subsets), so PDFs
stay small and render in any viewer.  Do not use reportlab's ``STSong-Light``: it is not
embedded (shared STACK.md, G8).

The subset covers GB 2312, common punctuation/symbol blocks, full-width forms and a few extra
characters (see ``fonts/FONT_SOURCE.md``); anything else prints as an empty box.  Use
:func:`unsupported_chars` to check user-supplied text (names, addresses) before generating a
document that must be correct.

Typical use::

    from zhangzhou_ip.core import pdf

    s = pdf.styles()
    story = [
        pdf.Paragraph("调解协议书", s["title"]),
        pdf.Paragraph("（2026）闽0602民调123号", s["subtitle"]),
        pdf.kv_table([("申请人", "张三"), ("被申请人", "某某有限公司")]),
        pdf.Paragraph("一、纠纷事实", s["heading"]),
        *pdf.paragraphs(facts_text),
        pdf.signature_block(["申请人（签名）", "被申请人（盖章）"]),
    ]
    data = pdf.build_pdf(story, title="调解协议书", author="漳州市知识产权纠纷人民调解委员会")
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, StyleSheet1
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

__all__ = [
    "BOTTOM_MARGIN",
    "CONTENT_WIDTH",
    "FONT_NAME",
    "FONT_PATH",
    "LEFT_MARGIN",
    "PAGE_SIZE",
    "RIGHT_MARGIN",
    "TOP_MARGIN",
    "PageBreak",
    "Paragraph",
    "Spacer",
    "build_pdf",
    "footer_text",
    "kv_table",
    "paragraphs",
    "register_fonts",
    "signature_block",
    "styles",
    "table_style",
    "text_markup",
    "unsupported_chars",
]

FONT_NAME = "NotoSerifSC"
"""Name the CJK font is registered under with ``reportlab.pdfbase.pdfmetrics``."""

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "NotoSerifSC-Regular-subset.ttf"
"""The vendored subset font (see ``fonts/FONT_SOURCE.md``)."""

CREATOR = "zhangzhou_ip"

# A4 with GB/T 9704-like margins (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm).
PAGE_SIZE: tuple[float, float] = A4
TOP_MARGIN = 37 * mm
BOTTOM_MARGIN = 35 * mm
LEFT_MARGIN = 28 * mm
RIGHT_MARGIN = 26 * mm
CONTENT_WIDTH: float = PAGE_SIZE[0] - LEFT_MARGIN - RIGHT_MARGIN
"""Width of the text block (156 mm), for callers sizing tables and images."""

FOOTER_FONT_SIZE = 9
FOOTER_Y = 20 * mm  # baseline of the page-number footer, from the bottom edge

_register_lock = threading.Lock()


def register_fonts() -> str:
    """Register the embedded CJK font with reportlab (idempotent, thread-safe) and return its name.

    Also registers a font family of that name whose bold/italic members are the same face, so
    ``<b>``/``<i>`` markup in a Paragraph does not raise (the vendored font has no bold weight:
    such text is set in the regular weight).
    """
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    with _register_lock:
        if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_PATH)))
            pdfmetrics.registerFontFamily(
                FONT_NAME, normal=FONT_NAME, bold=FONT_NAME, italic=FONT_NAME, boldItalic=FONT_NAME
            )
    return FONT_NAME


def unsupported_chars(text: str) -> set[str]:
    """Characters of ``text`` the vendored font has no glyph for (they would print as boxes).

    Whitespace and control characters are ignored.
    """
    font = pdfmetrics.getFont(register_fonts())
    char_to_glyph: dict[int, int] = font.face.charToGlyph
    return {
        ch
        for ch in set(text)
        if ord(ch) not in char_to_glyph and not ch.isspace() and ch.isprintable()
    }


def styles() -> StyleSheet1:
    """A small stylesheet in the CJK font, all with ``wordWrap="CJK"``.

    Keys: ``title`` (centred, 20 pt), ``subtitle`` (centred, e.g. the 案号 line),
    ``heading`` (14 pt), ``body`` (12 pt, justified, first line indented two characters),
    ``plain`` (body without the indent), ``right`` (right-aligned, for dates and issuing
    bodies), ``small`` (9 pt notes), ``cell`` and ``cell_label`` (10.5 pt, for tables).
    A new sheet is returned on every call, so callers may modify it.
    """
    font = register_fonts()
    sheet = StyleSheet1()
    body = ParagraphStyle(
        "body",
        fontName=font,
        fontSize=12,
        leading=21,  # ≈ 1.75 lines: Chinese text needs more air than Latin
        alignment=TA_JUSTIFY,
        firstLineIndent=24,  # two full-width characters
        spaceAfter=3,
        wordWrap="CJK",
        allowWidows=0,
        allowOrphans=0,
    )
    sheet.add(body)
    sheet.add(ParagraphStyle("plain", parent=body, firstLineIndent=0, alignment=TA_LEFT))
    sheet.add(ParagraphStyle("right", parent=body, firstLineIndent=0, alignment=TA_RIGHT))
    sheet.add(
        ParagraphStyle(
            "title",
            parent=body,
            fontSize=20,
            leading=30,
            alignment=TA_CENTER,
            firstLineIndent=0,
            spaceBefore=0,
            spaceAfter=8,
        )
    )
    sheet.add(
        ParagraphStyle(
            "subtitle", parent=body, alignment=TA_CENTER, firstLineIndent=0, spaceAfter=12
        )
    )
    sheet.add(
        ParagraphStyle(
            "heading",
            parent=body,
            fontSize=14,
            leading=22,
            alignment=TA_LEFT,
            firstLineIndent=0,
            spaceBefore=8,
            spaceAfter=4,
            keepWithNext=1,
        )
    )
    sheet.add(
        ParagraphStyle(
            "small", parent=body, fontSize=9, leading=14, firstLineIndent=0, alignment=TA_LEFT
        )
    )
    sheet.add(
        ParagraphStyle(
            "cell",
            parent=body,
            fontSize=10.5,
            leading=16,
            firstLineIndent=0,
            alignment=TA_LEFT,
            spaceAfter=0,
        )
    )
    sheet.add(ParagraphStyle("cell_label", parent=sheet["cell"], alignment=TA_CENTER))
    return sheet


def footer_text(page: int, total: int) -> str:
    """The page-number footer, e.g. ``第 1 页 / 共 2 页``."""
    return f"第 {page} 页 / 共 {total} 页"


class NumberedCanvas(Canvas):
    """A canvas that defers finishing pages until the total is known, to print 第 N 页 / 共 M 页.

    Pass it as ``canvasmaker`` to a doc template's ``build``.  One layout pass suffices: each page's
    state is kept at ``showPage`` and replayed at ``save`` with the footer drawn on top.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._saved_page_states: list[dict[str, Any]] = []

    def showPage(self) -> None:  # reportlab's API name
        """Remember the finished page instead of emitting it."""
        self._saved_page_states.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        """Emit every page with its footer, then write the file."""
        total = len(self._saved_page_states)
        for state in self._saved_page_states:
            self.__dict__.update(state)
            self.draw_footer(self._pageNumber, total)
            super().showPage()
        super().save()

    def draw_footer(self, page: int, total: int) -> None:
        """Draw the centred page-number footer below the text block."""
        self.saveState()
        self.setFont(register_fonts(), FOOTER_FONT_SIZE)
        self.setFillColor(colors.black)
        self.drawCentredString(PAGE_SIZE[0] / 2, FOOTER_Y, footer_text(page, total))
        self.restoreState()


StoryArg = Iterable[Flowable] | Callable[[], Iterable[Flowable]]


def build_pdf(
    story_or_callable: StoryArg,
    *,
    title: str,
    author: str = "",
    subject: str = "",
    invariant: bool = False,
) -> bytes:
    """Lay out ``story_or_callable`` on A4 and return the PDF bytes.

    ``story_or_callable`` is a list of flowables, or a zero-argument callable returning one (handy
    because reportlab consumes and splits flowables during a build, so a story object cannot be
    built twice).  Every page gets the footer ``第 N 页 / 共 M 页``.  The document information
    carries ``title``, ``author``, ``subject`` and creator ``zhangzhou_ip``; the catalogue declares
    language ``zh-CN`` and asks viewers to show the title.  ``invariant=True`` fixes the creation
    date and document ID so identical input gives identical bytes (for tests and golden files;
    leave it off for real documents, whose creation date matters).
    """
    register_fonts()
    story = list(story_or_callable() if callable(story_or_callable) else story_or_callable)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=PAGE_SIZE,
        leftMargin=LEFT_MARGIN,
        rightMargin=RIGHT_MARGIN,
        topMargin=TOP_MARGIN,
        bottomMargin=BOTTOM_MARGIN,
        title=title,
        author=author,
        subject=subject,
        creator=CREATOR,
        producer=CREATOR,
        lang="zh-CN",
        displayDocTitle=True,
        invariant=1 if invariant else 0,
        initialFontName=FONT_NAME,
    )
    doc.build(story, canvasmaker=NumberedCanvas)
    return buf.getvalue()


# reportlab's Paragraph collapses every whitespace character except U+00A0, including the
# full-width space U+3000 that Chinese text uses for gaps; four NBSPs (0.256 em each in Noto Serif
# SC) stand in for one.
_IDEOGRAPHIC_SPACE = "\u00a0" * 4


def text_markup(text: str) -> str:
    """Paragraph markup for plain ``text``: XML-escaped, newlines as ``<br/>``, U+3000 kept wide."""
    return (
        escape(text)
        .replace("\r\n", "\n")
        .replace("\n", "<br/>")
        .replace("\u3000", _IDEOGRAPHIC_SPACE)
    )


def paragraphs(
    text: str, style: ParagraphStyle | None = None, *, split_lines: bool = False
) -> list[Paragraph]:
    """Split ``text`` on blank lines into Paragraphs (default style ``body``).

    XML special characters are escaped, so user text is never read as markup.  Leading and
    trailing whitespace of each line (including full-width spaces typed as manual indentation) is
    removed.  A single newline inside a block becomes a line break, or, with ``split_lines=True``,
    starts a new paragraph (so every line gets the two-character first-line indent, as numbered
    clauses in a 协议书 usually do).
    """
    style = style or styles()["body"]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks: list[list[str]] = []
    for block in re.split(r"\n[^\S\n]*\n", text):
        lines = [line.strip() for line in block.split("\n")]
        lines = [line for line in lines if line]
        if split_lines:
            blocks.extend([line] for line in lines)
        elif lines:
            blocks.append(lines)
    return [Paragraph("<br/>".join(text_markup(line) for line in lines), style) for lines in blocks]


def table_style(commands: Sequence[tuple[Any, ...]] = (), *, grid: bool = True) -> TableStyle:
    """A TableStyle that sets the CJK font on every cell (plus a 0.6 pt grid unless ``grid=False``).

    Use it for any ``Table``: reportlab's default cell font is Helvetica, which would otherwise be
    referenced -- unembedded -- even when every cell holds a Paragraph.
    """
    font = register_fonts()
    base: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 10.5),
        ("LEADING", (0, 0), (-1, -1), 16),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if grid:
        base.append(("GRID", (0, 0), (-1, -1), 0.6, colors.black))
    return TableStyle([*base, *commands])


def _cell(value: str | Flowable, style: ParagraphStyle) -> Flowable:
    if isinstance(value, Flowable):
        return value
    return Paragraph(text_markup(str(value)), style)


def kv_table(
    rows: Sequence[tuple[str, str | Flowable]],
    *,
    label_width: float = 32 * mm,
    width: float = CONTENT_WIDTH,
) -> Table:
    """A bordered label/value table (labels centred, values wrapped as CJK text).

    Values may be strings (escaped; newlines become line breaks) or ready-made flowables.  Long
    tables split across pages.
    """
    sheet = styles()
    data = [
        [_cell(label, sheet["cell_label"]), _cell(value, sheet["cell"])] for label, value in rows
    ]
    table = Table(data, colWidths=[label_width, width - label_width], hAlign="CENTER")
    table.setStyle(
        table_style(
            [
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F2F2F2")),
                ("LEFTPADDING", (0, 0), (-1, -1), 5),
                ("RIGHTPADDING", (0, 0), (-1, -1), 5),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return table


def signature_block(
    labels: Sequence[str],
    *,
    columns: int = 2,
    date_line: bool = True,
    space: float = 16 * mm,
) -> Flowable:
    """Signature areas, ``columns`` per row: ``label：`` with room to sign, then ``年　月　日``.

    Kept together on one page.  Labels are plain text (escaped), e.g.
    ``["甲方（签名/盖章）", "乙方（签名/盖章）", "调解员（签名）"]``.
    """
    sheet = styles()
    label_style = ParagraphStyle("sig_label", parent=sheet["plain"], spaceAfter=0)
    date_style = ParagraphStyle("sig_date", parent=sheet["right"], spaceAfter=0, rightIndent=12)
    cells: list[list[Flowable]] = []
    for label in labels:
        cell: list[Flowable] = [Paragraph(text_markup(label) + "：", label_style), Spacer(1, space)]
        if date_line:
            cell.append(Paragraph(text_markup("年　　月　　日"), date_style))
        cells.append(cell)
    while len(cells) % columns:
        cells.append([])
    grid = [cells[i : i + columns] for i in range(0, len(cells), columns)]
    col_width = CONTENT_WIDTH / columns
    table = Table(grid, colWidths=[col_width] * columns, hAlign="CENTER")
    table.setStyle(
        table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
            ],
            grid=False,
        )
    )
    return KeepTogether([Spacer(1, 8 * mm), table])
