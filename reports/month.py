"""The month's dispatch notice (调度通报) as a .docx laid out under GB/T 9704-2012 (`reports.gongwen`): the
masthead (发文机关标志, 期号, the red line), the title, 主送, the text (总体情况 with the month's events and the
binding indicators counted by state, 存在问题 by unit and the binding indicators off track or unreported,
下一步工作要求 with the next dispatch's dates), the annex note, the signature (the office, the date in full),
and the whole ledger as 附件 on landscape pages of its own (附件1, and the binding indicators as 附件2, when
the ledger has indicators). Chinese text is written with full-width punctuation (`ledger.punctuation`); the
store keeps what was imported."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from ledger.punctuation import full_width_punctuation
from ledger.reporting import MonthReport, ReportItem
from messages.render import DEFAULT_LOCALE, Renderer
from reports.gongwen import (
    BODY,
    HEADING,
    RED,
    SUBHEADING,
    TITLE,
    TYPE_WIDTH,
    Role,
    Writer,
    text_width,
)
from reports.texts import lines, status_label, text

_MASTHEAD_MAX = 36.0  # points: the largest 发文机关标志, for a short name
_HEADING_MARKS = (("## ", SUBHEADING), ("# ", HEADING))


def month_notice(report: MonthReport, renderer: Renderer, *, locale: str = DEFAULT_LOCALE) -> bytes:
    """The notice as .docx bytes."""
    chinese = locale == DEFAULT_LOCALE
    writer = Writer(Document(), full_width_punctuation if chinese else _as_written)
    office, issue = lines(renderer, locale, "month_masthead", report=report)
    # The office's name on one line, as large as fits the type area's width (at most 36 pt).
    size = min(_MASTHEAD_MAX, TYPE_WIDTH.pt * 0.95 / max(text_width(office), 1.0) // 0.5 * 0.5)
    writer.paragraph(
        office, Role(TITLE.font, Pt(size)), align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, color=RED
    )
    writer.paragraph(issue, BODY, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    writer.separator()
    writer.paragraph(
        text(renderer, locale, "month_title", report=report),
        TITLE,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
    )
    writer.paragraph(text(renderer, locale, "month_recipients", report=report), BODY, indent=False)
    for line in lines(renderer, locale, "month_body", report=report):
        role = next((role for mark, role in _HEADING_MARKS if line.startswith(mark)), BODY)
        writer.paragraph(line.split(" ", 1)[1] if role is not BODY else line, role)
    label, title, *headers = lines(renderer, locale, "month_annex", report=report)
    writer.paragraph("", BODY)
    for note in lines(renderer, locale, "month_annex_note", report=report):
        writer.paragraph(note, BODY)
    writer.paragraph("", BODY)
    signature_office, signature_date = lines(renderer, locale, "month_signature", report=report)
    writer.paragraph(signature_office, BODY, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, right_indent=2)
    writer.paragraph(signature_date, BODY, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, right_indent=4)
    width = writer.annex_section()
    writer.paragraph(label, HEADING, indent=False)
    writer.paragraph(title, TITLE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    writer.table(headers, [_cells(renderer, item, locale) for item in report.items], width)
    indicators = report.context.indicators
    if indicators is not None and indicators.binding:
        # The binding indicators (约束性指标) as 附件2, on landscape pages of their own like the ledger.
        label, title, *headers = lines(renderer, locale, "month_indicator_annex", report=report)
        width = writer.annex_section()
        writer.paragraph(label, HEADING, indent=False)
        writer.paragraph(title, TITLE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
        rows = [lines(renderer, locale, "month_indicator_row", line=line) for line in indicators.binding]
        writer.table(headers, rows, width)
    buffer = io.BytesIO()
    writer.document.save(buffer)
    return buffer.getvalue()


def _as_written(content: str) -> str:
    return content


def _cells(renderer: Renderer, item: ReportItem, locale: str) -> list[str]:
    return lines(
        renderer, locale, "month_row", item=item, status=status_label(renderer, locale, item.status.value)
    )
