"""The text and tables of the documents officials send: Word (.docx) and PDF with a text layer.

Reading raises `UnreadableDocumentError` with a short reason for a file that is damaged or not what its
name says; callers turn it into one line for the user, never a traceback.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import docx
from docx.opc.exceptions import OpcError
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf import PdfReader
from pypdf.errors import PyPdfError

# A damaged Office or PDF file fails in many ways inside the libraries that read it.
READ_ERRORS: Final = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    KeyError,
    ValueError,
    OSError,
    EOFError,
    IndexError,
    TypeError,
    AttributeError,
    AssertionError,
    RecursionError,
    NotImplementedError,
    UnicodeError,
    zlib.error,  # a deflate stream that is not one (wrong compression)
    struct.error,
    SyntaxError,  # broken XML: lxml's and ElementTree's parse errors are SyntaxErrors
    OpcError,
    PyPdfError,
)
# The first bytes of an OLE2 compound file: Word 97–2003 (.doc), WPS, and Excel 97–2003 (.xls).
OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PDF_MAGIC: Final = b"%PDF-"


class UnreadableDocumentError(Exception):
    """The file is damaged or not the kind of document its content claims."""


@dataclass
class DocumentContent:
    """A document's text, one paragraph a line (table cells included), and its tables as rows of cells."""

    text: str
    tables: list[list[list[str]]] = field(default_factory=list)
    preamble: list[str] = field(default_factory=list)  # the paragraphs above the first table


def read_docx(path: Path) -> DocumentContent:
    """Paragraphs and table cells in document order; each table also as rows of cell texts, a merged cell
    repeated in every row and column it spans (as a reader sees it)."""
    try:
        document = docx.Document(str(path))
        lines: list[str] = []
        tables: list[list[list[str]]] = []
        preamble: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                break
            preamble.append(block.text)
        _collect(document.iter_inner_content(), lines, tables)
    except READ_ERRORS as exc:
        raise UnreadableDocumentError(type(exc).__name__) from exc
    return DocumentContent("\n".join(lines), tables, preamble)


def _collect(blocks: Iterable[Paragraph | Table], lines: list[str], tables: list[list[list[str]]]) -> None:
    for block in blocks:
        if isinstance(block, Paragraph):
            lines.append(block.text)
            continue
        # A merged cell comes back for every grid position it spans: read its <w:tc> once for the text.
        # The set holds the elements, so lxml keeps handing out the same proxy objects.
        seen: set[object] = set()
        rows: list[list[str]] = []
        for row in block.rows:
            cells = []
            for cell in row.cells:
                cells.append(cell.text.strip())
                if cell._tc not in seen:
                    seen.add(cell._tc)
                    _collect(cell.iter_inner_content(), lines, [])
            rows.append(cells)
        tables.append(rows)


def read_pdf(path: Path) -> str:
    """The text layer of a PDF, page after page; a scanned PDF without one gives an empty text."""
    try:
        reader = PdfReader(str(path))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except READ_ERRORS as exc:
        raise UnreadableDocumentError(type(exc).__name__) from exc
