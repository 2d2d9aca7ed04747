"""Reading a spreadsheet (.xlsx) or a CSV file into rows of text, with header matching."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook


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
    """Every row of the first sheet (or the CSV file) as text cells."""
    if path.suffix.lower() == ".csv":
        return _read_csv(path.read_bytes())
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableTableError(str(exc)) from exc
    try:
        sheet = workbook.worksheets[0]
        return [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


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
