"""A supervisor's digest as a spreadsheet (.xlsx): every entry on a line of its own, for a digest too long to
read in the chat. Headers and headings in the reader's language, from `reports/digest_sheet`."""

from __future__ import annotations

import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ledger.digest import Digest
from ledger.xlsx import write_cell
from messages.render import Renderer
from reports.texts import lines

WIDTHS = (22, 16, 9, 48, 12, 12)
SHEET_TITLE_LIMIT = 31  # what Excel allows


@dataclass(frozen=True)
class SheetTexts:
    title: str
    headers: list[str]
    headings: dict[str, str]  # a digest heading (`ledger.digest.HEADINGS`) → its name


def sheet_texts(renderer: Renderer, locale: str, digest: Digest) -> SheetTexts:
    """The sheet's title, its column headers and the names of the digest's headings, in `locale`."""
    title, header, *labels = lines(renderer, locale, "digest_sheet", digest=digest)
    return SheetTexts(title, header.split("|"), dict(line.split("=", 1) for line in labels))


def digest_workbook(digest: Digest, renderer: Renderer, locale: str) -> bytes:
    """The workbook: a header row, then (unit, heading, number, title, detail, percent) per entry."""
    texts = sheet_texts(renderer, locale, digest)
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = texts.title[:SHEET_TITLE_LIMIT]
    for column, (text, width) in enumerate(zip(texts.headers, WIDTHS, strict=True), start=1):
        write_cell(sheet, 1, column, text).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    for row, (unit, heading, entry) in enumerate(digest.rows(), start=2):
        values = (
            unit or "",
            texts.headings[heading],
            entry.number,
            entry.title,
            entry.detail or None,
            entry.percent,
        )
        for column, value in enumerate(values, start=1):
            write_cell(sheet, row, column, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
