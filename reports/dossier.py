"""The sign-off dossier (销号材料) of an item as one .zip: the 整改情况报告, the 验收意见 and, for an approved
item, the 销号申请 to the next level up (.docx, laid out per GB/T 9704-2012), the index of the evidence
(佐证材料清单, .xlsx) and the evidence files themselves in a folder (装订成册 + 电子文档).

The wording is `messages/templates/<locale>/reports/dossier_*.j2`, one line per paragraph, each line starting
with its role (`T|` title, `M|` 主送, `H|` heading, `P|` body, `R|` right-aligned); the fonts, sizes and runs
and the page are those of the dispatch notice (`reports.gongwen`).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, Final

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.properties import PageSetupProperties

from ledger.dossier import Dossier, DossierFile
from ledger.punctuation import full_width_punctuation
from messages.render import Renderer
from reports.gongwen import BODY, HEADING, PAGE_NUMBER_FONT, TITLE, Writer
from reports.texts import lines

_ISO_DATE: Final = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_CHINESE_LOCALE: Final = "zh_CN"


def chinese_text(text: str) -> str:
    """Text as a Chinese document prints it: ISO dates (`2026-11-20`) written 2026年11月20日, and the
    half-width punctuation of Chinese sentences full width (`ledger.punctuation`). The stored text is never
    changed: only the document."""
    text = _ISO_DATE.sub(lambda m: f"{int(m.group(1))}年{int(m.group(2))}月{int(m.group(3))}日", text)
    return full_width_punctuation(text)


def write_dossier(
    target: BinaryIO,
    dossier: Dossier,
    evidence: Sequence[tuple[DossierFile, Path]],
    renderer: Renderer,
    locale: str,
    *,
    superior_office: str,
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
            data = document(lines(renderer, locale, key, dossier=dossier, superior=superior_office), locale)
            archive.writestr(f"{folder}/{position}-{name}", data)
        archive.writestr(f"{folder}/{len(documents) + 1}-{index}", evidence_index(dossier, renderer, locale))
        for file, path in evidence:
            if file.present:
                archive.write(path, f"{folder}/{files_folder}/{file.name}")
        return archive.namelist()


def document(content: Sequence[str], locale: str) -> bytes:
    """A .docx of the lines of a dossier template (`T|…`, `M|…`, `H|…`, `P|…`, `R|…`), laid out by
    `reports.gongwen` as the dispatch notice is."""
    writer = Writer(Document(), chinese_text if locale == _CHINESE_LOCALE else _as_written)
    signature = 0
    for line in content:
        if not line.strip():
            continue  # what a template's blocks leave between its lines
        role, _, value = line.partition("|")
        if role == "T":
            writer.paragraph(value, TITLE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
        elif role == "H":
            writer.paragraph(value, HEADING)
        elif role == "M":
            writer.paragraph(value, BODY, indent=False)  # 主送 starts at the margin
        elif role == "R":
            # 署名 two characters from the right edge, 成文日期 four (as the notice signs).
            signature += 2
            writer.paragraph(
                value, BODY, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, right_indent=signature
            )
        else:
            writer.paragraph(value, BODY)
    buffer = io.BytesIO()
    writer.document.save(buffer)
    return buffer.getvalue()


def _as_written(content: str) -> str:
    return content


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
            cell.font = Font(name=PAGE_NUMBER_FONT, size=10, bold=cell.row == 2)
            cell.alignment = Alignment(wrap_text=True, vertical="center")
    sheet["A1"].font = Font(name=PAGE_NUMBER_FONT, size=14, bold=True)
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
