"""Choosing the reader for a file by its content (then its name), and refusing what cannot be read with one
reason the user can act on (an old .doc: save it as .docx), never a traceback."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path
from typing import Final

from ledger.documents import (
    OLE_MAGIC,
    PDF_MAGIC,
    READ_ERRORS,
    UnreadableDocumentError,
    read_docx,
    read_pdf,
)
from ledger.indicator_import import indicator_header, read_indicator_table
from ledger.model import ImportNote, ParsedLedger
from ledger.plan_text import parse_plan_text
from ledger.spreadsheet import KNOWN, parse_ledger_rows
from ledger.tabular import UnreadableTableError, match_header, read_rows

TABLE_SUFFIXES: Final = (".xlsx", ".xlsm", ".xls", ".csv")
# Word 97–2003 and WPS documents: no maintained library reads them; the user saves them as .docx.
OLD_DOCUMENT_SUFFIXES: Final = (".doc", ".wps", ".wpt", ".dot", ".rtf")
_OFFICE_SUFFIXES: Final = (*TABLE_SUFFIXES, ".docx", ".pdf", *OLD_DOCUMENT_SUFFIXES)


def _refused(code: str, **params: str) -> ParsedLedger:
    return ParsedLedger(errors=[ImportNote(code, params=tuple(params.items()))])


def _zip_kind(path: Path) -> str | None:
    """`xlsx` or `docx` for an Office file, whatever its name says; None for anything else."""
    try:
        if not zipfile.is_zipfile(path):
            return None
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except READ_ERRORS:
        return "damaged"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    return "damaged"


def _decode(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # NUL bytes or many control characters mean a binary file that happened to decode.
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t\f")
        return None if controls > len(text) // 100 else text
    return None


def _ledger_tables(tables: list[list[list[str]]]) -> list[list[str]]:
    """The rows of a document's tables that form a ledger (a header naming the problem or number column
    and another known one), one table after the other: a table broken over pages is several."""
    rows: list[list[str]] = []
    for table in tables:
        if any(indicator_header(row) for row in table[:10]):
            continue  # the plan's indicator table (序号, 类别 … 责任单位) is no list of findings
        for row in table[:10]:
            keys = set(match_header(row, KNOWN)[0].values())
            if ("problem" in keys or "number" in keys) and len(keys) >= 3:
                rows.extend(table)
                break
    return rows


def _docx(path: Path, default_start: date) -> ParsedLedger:
    content = read_docx(path)
    rows = _ledger_tables(content.tables)
    if rows:
        parsed = parse_ledger_rows(rows, default_start=default_start, preamble=content.preamble)
        for table in content.tables:
            parsed.indicators.extend(read_indicator_table(table, parsed.warnings))
        return parsed
    return parse_plan_text(content.text, default_start=default_start, tables=content.tables)


def _table(path: Path, default_start: date) -> ParsedLedger:
    """A ledger sheet, or a sheet of indicators (the indicator template, a plan's indicator table)."""
    try:
        rows = read_rows(path)
    except UnreadableTableError as exc:
        return _refused("unreadable_file", reason=str(exc))
    parsed = ParsedLedger()
    parsed.indicators = read_indicator_table(rows, parsed.warnings)
    if parsed.indicators:
        return parsed
    return parse_ledger_rows(rows, default_start=default_start)


def parse_ledger_file(path: Path, *, default_start: date) -> ParsedLedger:
    """Parse a plan (.txt, .docx, .pdf) or a table ledger (.xlsx, .xls, .csv, a Word table); never raises
    on bad content: a file that cannot be read comes back with one error saying why."""
    if not path.is_file():
        return _refused("file_not_found", path=str(path))
    suffix = path.suffix.lower()
    try:
        with path.open("rb") as stream:
            head = stream.read(8)
        kind = _zip_kind(path)
        if kind == "xlsx" or (kind is None and suffix == ".csv"):
            return _table(path, default_start)
        if kind == "docx":
            return _docx(path, default_start)
        if kind == "damaged":
            return _refused("unreadable_file", reason=suffix or "zip")
        if head.startswith(OLE_MAGIC):
            if suffix == ".xls":
                return _table(path, default_start)
            return _refused("old_format", suffix=suffix or ".doc")
        if head.startswith(PDF_MAGIC):
            layer = read_pdf(path)
            if not layer.strip():
                return _refused("pdf_without_text")
            return parse_plan_text(layer, default_start=default_start)
        if suffix in OLD_DOCUMENT_SUFFIXES:
            return _refused("old_format", suffix=suffix)
        if suffix in _OFFICE_SUFFIXES:
            # Named like an Office file but not one: a broken or mislabelled upload.
            return _refused("unreadable_file", reason=suffix)
        text = _decode(path.read_bytes())
    except UnreadableDocumentError as exc:
        return _refused("unreadable_file", reason=str(exc))
    except OSError as exc:
        return _refused("unreadable_file", reason=type(exc).__name__)
    if text is None:
        return _refused("unreadable_file", reason="binary")
    return parse_plan_text(text, default_start=default_start)
