"""The sign-off dossier (销号材料) of an item as one .zip: the 整改情况报告, the 验收意见 and, for an approved
item, the 销号申请 to the next level up (.docx, laid out per GB/T 9704-2012), the index of the evidence
(佐证材料清单, .xlsx) and the evidence files themselves in a folder (装订成册 + 电子文档).

The wording is `messages/templates/<locale>/reports/dossier_*.j2`, one line per paragraph, each line starting
with its role (`T|` title, `M|` 主送, `H|` heading, `P|` body, `R|` right-aligned); the fonts, sizes and runs
are those of the dispatch notice (`reports.month`). Its page set-up is this module's own: the notice's
margins are not yet the standard's 37/35/28/26 mm, and it has no page numbers.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, Final

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.properties import PageSetupProperties

from ledger.dossier import Dossier, DossierFile
from messages.render import Renderer
from reports.month import (
    BODY_FONT,
    BODY_SIZE,
    LATIN_FONT,
    TABLE_FONT,
    TITLE_FONT,
    TITLE_SIZE,
    _body,
    _heading,
    _run,
)
from reports.texts import lines

# GB/T 9704-2012: A4, type area 156 × 225 mm, 22 lines of 28 characters, page numbers in 四号宋体.
MARGINS: Final = (Mm(37), Mm(35), Mm(28), Mm(26))  # top, bottom, left, right
LINE_PITCH: Final = Pt(225 / 22 * 72 / 25.4)  # 22 lines in the 225 mm type area
PAGE_NUMBER_SIZE: Final = Pt(14)  # 四号
# Half-width punctuation typed into Chinese text, and its full-width form (only where it touches a Chinese
# character: "2,000" and "3.5" stay as they are); the spaces around it go, as full-width marks carry their own.
_FULL_WIDTH: Final = {",": "，", ";": "；", ":": "：", "(": "（", ")": "）", "?": "？", "!": "！"}
_HALF_WIDTH_NEAR_HAN: Final = re.compile(
    r"(?<=[\u3400-\u9fff])\s*([,;:?!()])\s*|\s*([,;:?!()])\s*(?=[\u3400-\u9fff])"
)
_ISO_DATE: Final = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_CHINESE_LOCALE: Final = "zh_CN"


def chinese_text(text: str) -> str:
    """Text as a Chinese document prints it: half-width punctuation next to a Chinese character full-width,
    ISO dates (`2026-11-20`) written 2026年11月20日. The stored text is never changed: only the document."""
    text = _ISO_DATE.sub(lambda m: f"{int(m.group(1))}年{int(m.group(2))}月{int(m.group(3))}日", text)
    return _HALF_WIDTH_NEAR_HAN.sub(lambda m: _FULL_WIDTH[m.group(1) or m.group(2)], text)


def write_dossier(
    target: BinaryIO,
    dossier: Dossier,
    evidence: Sequence[tuple[DossierFile, Path]],
    renderer: Renderer,
    locale: str,
) -> list[str]:
    """Write the dossier's zip to `target`: the documents, then every evidence file present (with its
    stored content); the names of the zip's entries, in order."""
    folder, report, opinion, index, application, files_folder = lines(
        renderer, locale, "dossier_names", number=dossier.number
    )
    documents = [(report, "dossier_report"), (opinion, "dossier_opinion")]
    if dossier.approved:
        documents.append((application, "dossier_application"))
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for position, (name, key) in enumerate(documents, start=1):
            data = document(lines(renderer, locale, key, dossier=dossier), locale)
            archive.writestr(f"{folder}/{position}-{name}", data)
        archive.writestr(f"{folder}/{len(documents) + 1}-{index}", evidence_index(dossier, renderer, locale))
        for file, path in evidence:
            if file.present:
                archive.write(path, f"{folder}/{files_folder}/{file.name}")
        return archive.namelist()


def document(content: Sequence[str], locale: str) -> bytes:
    """A .docx of the lines of a dossier template (`T|…`, `M|…`, `H|…`, `P|…`, `R|…`)."""
    word = Document()
    _page(word)
    for line in content:
        if not line.strip():
            continue  # what a template's blocks leave between its lines
        role, _, value = line.partition("|")
        if locale == _CHINESE_LOCALE:
            value = chinese_text(value)
        if role == "T":
            paragraph = word.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _run(paragraph, value, TITLE_FONT, TITLE_SIZE)
        elif role == "H":
            _heading(word, value)
        elif role == "M":
            _body(word, value).paragraph_format.first_line_indent = 0  # 主送 starts at the margin
        elif role == "R":
            _body(word, value).alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            _body(word, value)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _page(word: DocumentObject) -> None:
    """A4 with the standard's margins, lines at the pitch of 22 a page, and "— 1 —" centred below."""
    section = word.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = MARGINS
    normal = word.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = BODY_SIZE
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    spacing = normal.paragraph_format
    spacing.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    spacing.line_spacing = LINE_PITCH
    spacing.space_before = spacing.space_after = 0
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(footer, "— ", TABLE_FONT, PAGE_NUMBER_SIZE)
    # The PAGE field as runs (begin, instruction, separate, "1" until Word or LibreOffice fill it in, end).
    for kind in ("begin", "instruction", "separate", "number", "end"):
        run = footer.add_run("1" if kind == "number" else None)
        run.font.name, run.font.size = LATIN_FONT, PAGE_NUMBER_SIZE
        if kind == "instruction":
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = " PAGE "
            run._r.append(instruction)
        elif kind != "number":
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
    _run(footer, " —", TABLE_FONT, PAGE_NUMBER_SIZE)


def evidence_index(dossier: Dossier, renderer: Renderer, locale: str) -> bytes:
    """The index of the evidence (佐证材料清单): a title row, the headers, one row per file; borders, 宋体,
    landscape A4 fitted to the width, the header rows repeated on every printed page."""
    sheet_name, title, *headers = lines(renderer, locale, "dossier_index", dossier=dossier)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_name[:31]
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append(headers)
    for file in dossier.files:
        cells: list[str | int] = list(lines(renderer, locale, "dossier_index_row", file=file))
        cells += [""] * (len(headers) - len(cells))  # an empty last cell is no line of the template
        cells[0], cells[4] = file.index, file.size  # numbers, so that the sheet sorts and sums them
        if locale == _CHINESE_LOCALE:
            cells[8] = chinese_text(str(cells[8]))  # the caption as typed; file names stay exact
        sheet.append(cells)
    thin = Side(style="thin")
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            cell.font = Font(name=TABLE_FONT, size=10, bold=cell.row == 2)
            cell.alignment = Alignment(wrap_text=True, vertical="center")
    sheet["A1"].font = Font(name=TABLE_FONT, size=14, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    for letter, width in zip("ABCDEFGHIJ", (6, 28, 24, 66, 12, 10, 20, 16, 24, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = "1:2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
