"""Reading a spreadsheet (.xlsx) or a CSV file into rows of text, with header matching."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import xlrd
from openpyxl import load_workbook

from ledger.documents import READ_ERRORS
from ledger.model import ImportNote, Location


class UnreadableTableError(Exception):
    """The file is not a spreadsheet or CSV file that can be read."""


@dataclass(frozen=True)
class TableRow:
    """A data row: its 1-based row number in the file and its cells by column key."""

    row: int
    cells: dict[str, str]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _normalize_header(text: str) -> str:
    return "".join(text.split()).lower().replace("（", "(").replace("）", ")")


def read_rows(path: Path) -> list[list[str]]:
    """Every row of the first sheet (.xlsx, .xls) or of the CSV file as text cells; a merged cell's text
    stands in every cell it covers, as a reader sees it."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path.read_bytes())
    try:
        return _read_xls(path) if suffix == ".xls" else _read_xlsx(path)
    except (*READ_ERRORS, xlrd.XLRDError, xlrd.compdoc.CompDocError) as exc:
        raise UnreadableTableError(type(exc).__name__) from exc


def _read_xlsx(path: Path) -> list[list[str]]:
    workbook = load_workbook(path, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        rows = [
            [_xlsx_text(cell.value, getattr(cell, "number_format", "General")) for cell in row]
            for row in sheet.iter_rows()
        ]
        for merged in sheet.merged_cells.ranges:
            _fill(rows, merged.min_row - 1, merged.max_row, merged.min_col - 1, merged.max_col)
        return rows
    finally:
        workbook.close()


def _xlsx_text(value: object, number_format: str) -> str:
    """A cell as a reader sees it: a number formatted as a percentage (0.79 shown as 79%) reads "79%"."""
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in number_format:
        return f"{_cell_text(round(value * 100, 10))}%"
    return _cell_text(value)


def _read_xls(path: Path) -> list[list[str]]:
    book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
    try:
        sheet = book.sheet_by_index(0)
        rows = [[_xls_text(book, sheet.cell(r, c)) for c in range(sheet.ncols)] for r in range(sheet.nrows)]
        for first_row, last_row, first_col, last_col in sheet.merged_cells:
            _fill(rows, first_row, last_row, first_col, last_col)
        return rows
    finally:
        book.release_resources()


def _xls_text(book: xlrd.Book, cell: xlrd.sheet.Cell) -> str:
    if cell.ctype == xlrd.XL_CELL_DATE:
        return _cell_text(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
    return _cell_text(cell.value if cell.ctype != xlrd.XL_CELL_EMPTY else None)


def _fill(rows: list[list[str]], first_row: int, end_row: int, first_col: int, end_col: int) -> None:
    """Copy the top-left text of a merged range (rows first_row…end_row-1, columns likewise) over it."""
    if first_row >= len(rows) or first_col >= len(rows[first_row]):
        return
    text = rows[first_row][first_col]
    for r in range(first_row, min(end_row, len(rows))):
        for c in range(first_col, min(end_col, len(rows[r]))):
            rows[r][c] = text


def _read_csv(data: bytes) -> list[list[str]]:
    # Excel in China saves CSV as GB18030 unless told otherwise; UTF-8 (with or without BOM) is tried first.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    raise UnreadableTableError("not a text CSV file")


def match_header(
    header: Iterable[str], known: dict[str, tuple[str, ...]]
) -> tuple[dict[int, str], list[str]]:
    """Map column positions to keys by any of their names; returns the map and the unknown headers."""
    lookup = {_normalize_header(name): key for key, names in known.items() for name in names}
    positions: dict[int, str] = {}
    unknown: list[str] = []
    for index, title in enumerate(header):
        if not title:
            continue
        key = lookup.get(_normalize_header(title))
        if key is None:
            unknown.append(title)
        elif key not in positions.values():
            positions[index] = key
    return positions, unknown


def known_header(title: str, known: dict[str, tuple[str, ...]]) -> bool:
    """Whether a cell's text is one of the known column titles."""
    wanted = _normalize_header(title)
    return any(_normalize_header(name) == wanted for names in known.values() for name in names)


def unknown_column_notes(header_index: int, unknown: Iterable[str]) -> list[ImportNote]:
    """A warning for each column of the header (row `header_index`, from 0) that no field reads: the text in
    it would be lost, so the import says so rather than drop it silently."""
    return [
        ImportNote(
            "unknown_column", Location(row=header_index + 1), field="header", params=(("column", title),)
        )
        for title in unknown
    ]


def find_header(rows: list[list[str]], known: dict[str, tuple[str, ...]], required: str) -> int | None:
    """The index of the first row (of the first ten) that names the required column."""
    for index, row in enumerate(rows[:10]):
        positions, _ = match_header(row, known)
        if required in positions.values():
            return index
    return None


def table_rows(rows: list[list[str]], header_index: int, positions: dict[int, str]) -> list[TableRow]:
    """The data rows under the header, skipping blank ones; row numbers are those a spreadsheet shows."""
    result = []
    for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        cells = {key: row[i] if i < len(row) else "" for i, key in positions.items()}
        if any(cells.values()):
            result.append(TableRow(offset, cells))
    return result
