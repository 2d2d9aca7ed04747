"""The month's dispatch notice (调度通报) as a .docx in the office's style: A4, the title in 小标宋, the
headings in 黑体, the text in 仿宋, the ledger table, and the named overdue and stalled items."""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph

from ledger.reporting import MonthReport, ReportItem
from messages.render import DEFAULT_LOCALE, Renderer
from reports.texts import lines, status_label, text

TITLE_FONT, HEADING_FONT, BODY_FONT, TABLE_FONT = "方正小标宋简体", "黑体", "仿宋_GB2312", "宋体"
LATIN_FONT = "Times New Roman"
TITLE_SIZE, BODY_SIZE, TABLE_SIZE = Pt(22), Pt(16), Pt(10.5)  # 二号, 三号, 五号
COLUMN_WIDTHS = (Cm(1.1), Cm(4.6), Cm(2.8), Cm(2.3), Cm(1.6), Cm(1.4), Cm(2.2))  # 16 cm: A4 less margins


def month_notice(report: MonthReport, renderer: Renderer, *, locale: str = DEFAULT_LOCALE) -> bytes:
    """The notice as .docx bytes."""
    document = Document()
    _page(document)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(title, text(renderer, locale, "month_title", report=report), TITLE_FONT, TITLE_SIZE)
    _body(document, text(renderer, locale, "month_opening", report=report))
    heading, *headers = lines(renderer, locale, "month_table")
    _heading(document, heading)
    _table(document, headers, [_cells(renderer, item, locale) for item in report.items])
    for key in ("month_overdue", "month_stalled"):
        heading, *paragraphs = lines(renderer, locale, key, report=report)
        _heading(document, heading)
        for paragraph in paragraphs:
            _body(document, paragraph)
    heading, closing, *signature = lines(renderer, locale, "month_closing", report=report)
    _heading(document, heading)
    _body(document, closing)
    for line in signature:
        _body(document, line).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _page(document: DocumentObject) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    normal = document.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = BODY_SIZE
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)


def _run(paragraph: Paragraph, content: str, east_asian: str, size: Pt, *, bold: bool = False) -> None:
    run = paragraph.add_run(content)
    run.font.name = LATIN_FONT
    run.font.size = size
    run.bold = bold
    run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)


def _body(document: DocumentObject, content: str) -> Paragraph:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.first_line_indent = BODY_SIZE * 2  # 首行缩进两字
    _run(paragraph, content, BODY_FONT, BODY_SIZE)
    return paragraph


def _heading(document: DocumentObject, content: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.first_line_indent = BODY_SIZE * 2
    _run(paragraph, content, HEADING_FONT, BODY_SIZE)


def _cells(renderer: Renderer, item: ReportItem, locale: str) -> list[str]:
    return lines(
        renderer, locale, "month_row", item=item, status=status_label(renderer, locale, item.status.value)
    )


def _table(document: DocumentObject, headers: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1 + len(rows), cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    # The header row is repeated on every page the table spans.
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for index, (row, values) in enumerate(zip(table.rows, [headers, *rows], strict=True)):
        for cell, value, width in zip(row.cells, values, COLUMN_WIDTHS, strict=True):
            cell.width = width
            _run(cell.paragraphs[0], value, TABLE_FONT, TABLE_SIZE, bold=index == 0)
