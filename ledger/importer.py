"""Choosing the parser for a file by its content and extension."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

from ledger.model import ImportNote, ParsedLedger
from ledger.plan_text import parse_plan_text, read_docx_text
from ledger.spreadsheet import parse_ledger_table

TABLE_SUFFIXES = (".xlsx", ".xlsm", ".csv")


def _zip_kind(path: Path) -> str | None:
    """`xlsx` or `docx` for an Office file, whatever its name says; None for anything else."""
    if not zipfile.is_zipfile(path):
        return None
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    return None


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


def parse_ledger_file(path: Path, *, default_start: date) -> ParsedLedger:
    """Parse a plan (.txt, .docx) or a spreadsheet ledger (.xlsx, .csv); never raises on bad content."""
    if not path.is_file():
        return ParsedLedger(errors=[ImportNote("file_not_found", params=(("path", str(path)),))])
    kind = _zip_kind(path)
    if kind == "xlsx" or (kind is None and path.suffix.lower() == ".csv"):
        return parse_ledger_table(path, default_start=default_start)
    if kind == "docx":
        return parse_plan_text(read_docx_text(path), default_start=default_start)
    if path.suffix.lower() in (*TABLE_SUFFIXES, ".docx"):
        # Named like an Office file but not one: a broken or mislabelled upload.
        return ParsedLedger(errors=[ImportNote("unreadable_file", params=(("reason", path.suffix),))])
    text = _decode(path.read_bytes())
    if text is None:
        return ParsedLedger(errors=[ImportNote("unreadable_file", params=(("reason", "binary"),))])
    return parse_plan_text(text, default_start=default_start)
