"""The layout of an official document (公文) under GB/T 9704-2012, for the documents Duban writes (.docx).

A4; type area 156 × 225 mm (margins: top 37 mm, bottom 35 mm, left 28 mm, right 26 mm); 22 lines of 28
characters (the document grid); the title in 二号 方正小标宋简体, the text in 三号 仿宋_GB2312, first-level
headings in 黑体, second-level in 楷体_GB2312; page numbers in 四号 宋体 as "— 1 —" under the type area, odd
pages right and even pages left; an annex on pages of its own, a table there landscape with its header row
repeated on every page and no row split over two pages.

Fonts are named as the standard names them (方正小标宋简体, 仿宋_GB2312, 楷体_GB2312): the fonts offices have
installed. Each is declared in the document's font table with the system font that stands in for it where it
is missing (`FALLBACKS`: 仿宋, 楷体, 黑体, 宋体 ship with Windows and with WPS) as its alternate name and the
GB2312 character set, so that Word, WPS and LibreOffice pick the same face; Latin letters and digits are
in Times New Roman.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.opc.oxml import serialize_part_xml
from docx.opc.part import Part
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.section import Section
from docx.shared import Emu, Length, Mm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

TITLE_FONT: Final = "方正小标宋简体"
HEADING_FONT: Final = "黑体"
SUBHEADING_FONT: Final = "楷体_GB2312"
BODY_FONT: Final = "仿宋_GB2312"
PAGE_NUMBER_FONT: Final = "宋体"
LATIN_FONT: Final = "Times New Roman"
# The font that stands in where the named one is not installed (the font table's alternate name).
FALLBACKS: Final = {
    TITLE_FONT: "宋体",
    HEADING_FONT: "SimHei",
    SUBHEADING_FONT: "楷体",
    BODY_FONT: "仿宋",
    PAGE_NUMBER_FONT: "SimSun",
}

TITLE_SIZE: Final = Pt(22)  # 二号
BODY_SIZE: Final = Pt(16)  # 三号
PAGE_NUMBER_SIZE: Final = Pt(14)  # 四号
TABLE_SIZE: Final = Pt(10.5)  # 五号

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
TOP, BOTTOM, LEFT, RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
LINES, CHARACTERS = 22, 28
TYPE_WIDTH, TYPE_HEIGHT = Mm(156), Mm(225)
# One line of the grid: 225 mm / 22 in twentieths of a point (Word's unit), 579: what GB/T templates use.
LINE_PITCH_TWIPS: Final = math.floor(
    TYPE_HEIGHT.pt * 20 / LINES
)  # rounded down, or the 22nd line would not fit
LINE_SPACING: Final = Pt(LINE_PITCH_TWIPS / 20)
# 28 characters a line: each 三号 character drawn a little narrower than its size (156 mm / 28 = 15.79 pt, in
# whole twips, rounded down so the 28th still fits). Word would also squeeze them to a character grid, but
# LibreOffice gives a character wider than the grid's cell two cells (14 a line): the spacing works in both.
CHARACTER_SPACING_TWIPS: Final = math.floor((TYPE_WIDTH.pt / CHARACTERS - BODY_SIZE.pt) * 20)
CHARACTER_PITCH: Final = Pt(BODY_SIZE.pt + CHARACTER_SPACING_TWIPS / 20)
RED: Final = RGBColor(0xFF, 0x00, 0x00)
# A table cell's left and right margins together (Word's and LibreOffice's default, 1.9 mm a side).
_CELL_PADDING: Final = Mm(3.8)
_SHORT: Final = 6.0  # characters: a cell this short is a word (a status, a short unit name), kept whole
# What follows w:spacing in a run's properties.
_AFTER_SPACING: Final = ("w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect",
                         "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang",
                         "w:eastAsianLayout", "w:specVanish", "w:oMath")  # fmt: skip
# What follows w:snapToGrid in a paragraph's properties (the schema's order, which Word holds to).
_AFTER_SNAP: Final = ("w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap",
                      "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl",
                      "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")  # fmt: skip  # left and right margins of a table cell, together


@dataclass(frozen=True)
class Role:
    """How a run of text is set: its East Asian font and size, bold or not."""

    font: str
    size: Length
    bold: bool = False


TITLE = Role(TITLE_FONT, TITLE_SIZE)
HEADING = Role(HEADING_FONT, BODY_SIZE)
SUBHEADING = Role(SUBHEADING_FONT, BODY_SIZE)
BODY = Role(BODY_FONT, BODY_SIZE)
TABLE_HEADER = Role(HEADING_FONT, TABLE_SIZE)
TABLE_CELL = Role(BODY_FONT, TABLE_SIZE)


class Writer:
    """Writes paragraphs of a GB/T 9704 document; `normalize` is applied to every text written (the
    full-width punctuation of Chinese text, or nothing for another language)."""

    def __init__(self, document: DocumentObject, normalize: Callable[[str], str]) -> None:
        self.document = document
        self._normalize = normalize
        _page(document.sections[0])
        _grid(document.sections[0])
        _defaults(document)
        _declare_fonts(document)
        _page_numbers(document)
        _current_layout(document)

    def run(self, paragraph: Paragraph, text: str, role: Role, *, color: RGBColor | None = None) -> Run:
        run = paragraph.add_run(self._normalize(text))
        set_font(run, role)
        if color is not None:
            run.font.color.rgb = color
        return run

    def paragraph(
        self,
        text: str,
        role: Role,
        *,
        align: WD_ALIGN_PARAGRAPH | None = None,
        indent: bool = True,
        right_indent: int = 0,
        color: RGBColor | None = None,
    ) -> Paragraph:
        """A paragraph on the grid: indented two characters (首行缩进二字) unless `indent` is False,
        `right_indent` characters from the right (署名右空二字)."""
        paragraph = self.document.add_paragraph()
        _on_grid(paragraph)
        if role.size > TITLE_SIZE:
            paragraph.paragraph_format.line_spacing = Pt(role.size.pt * 1.3)
        if role.size > BODY_SIZE:
            # A title's characters are larger than the grid's: set them free of it, or each would take two.
            snap = OxmlElement("w:snapToGrid")
            snap.set(qn("w:val"), "0")
            paragraph._p.get_or_add_pPr().insert_element_before(snap, *_AFTER_SNAP)
        if indent:
            paragraph.paragraph_format.first_line_indent = Emu(CHARACTER_PITCH * 2)
        if right_indent:
            paragraph.paragraph_format.right_indent = Emu(CHARACTER_PITCH * right_indent)
        if align is not None:
            paragraph.alignment = align
        self.run(paragraph, text, role, color=color)
        return paragraph

    def separator(self) -> Paragraph:
        """The red line under the masthead (版头中的分隔线)."""
        paragraph = self.document.add_paragraph()
        _on_grid(paragraph)
        borders = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for name, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "1"), ("w:color", "FF0000")):
            bottom.set(qn(name), value)
        borders.append(bottom)
        paragraph._p.get_or_add_pPr().insert_element_before(borders, "w:shd", "w:tabs", *_AFTER_SNAP)
        return paragraph

    def annex_section(self) -> Length:
        """A new section on a new page, landscape, for an annex's table: the type area turned; its width
        (225 mm)."""
        section: Section = self.document.add_section(WD_SECTION.NEW_PAGE)
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = PAGE_HEIGHT, PAGE_WIDTH
        section.top_margin, section.bottom_margin = LEFT, RIGHT
        section.left_margin, section.right_margin = TOP, BOTTOM
        # No line grid here: a table's lines are as high as its small type asks, not 22 to a page.
        for grid in section._sectPr.findall(qn("w:docGrid")):
            section._sectPr.remove(grid)
        return TYPE_HEIGHT

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]], width: Length) -> Table:
        """A table `width` wide, its columns as wide as their content asks (`column_widths`), the header
        row repeated on every page, no row split over two pages."""
        table: Table = self.document.add_table(rows=1 + len(rows), cols=len(headers))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        columns = [[header, *(row[i] for row in rows)] for i, header in enumerate(headers)]
        widths = column_widths(
            [sum(text_width(text) for text in column) / len(column) for column in columns],
            [max(text_width(text) for text in column) for column in columns],
            # Never broken: a header of up to four characters (完成进度), a date, a number, and a column of
            # short words (逾期未完成).
            [
                max(
                    min(text_width(column[0]), 4.0),
                    *(unbreakable_width(text) for text in column),
                    *(text_width(text) for text in column[1:] if text_width(text) <= _SHORT),
                )
                for column in columns
            ],
            (width - _CELL_PADDING * len(headers)) / TABLE_SIZE,
        )
        for index, column in enumerate(table.columns):
            column.width = Emu(round(widths[index] * TABLE_SIZE + _CELL_PADDING))
        for row_index, (row, values) in enumerate(zip(table.rows, [headers, *rows], strict=True)):
            properties = row._tr.get_or_add_trPr()
            properties.append(OxmlElement("w:cantSplit"))
            if row_index == 0:
                properties.append(OxmlElement("w:tblHeader"))
            for cell, value, cell_width in zip(row.cells, values, widths, strict=True):
                cell.width = Emu(round(cell_width * TABLE_SIZE + _CELL_PADDING))
                paragraph = cell.paragraphs[0]
                paragraph.paragraph_format.line_spacing = 1.0
                paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(0)
                if row_index == 0:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                self.run(paragraph, value, TABLE_HEADER if row_index == 0 else TABLE_CELL)
        return table

    def page_break(self) -> None:
        self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def set_font(run: Run, role: Role) -> None:
    """The run in the role's East Asian font, Latin letters and digits in Times New Roman."""
    run.font.name = LATIN_FONT
    run.font.size = role.size
    run.font.bold = role.bold
    properties = run._r.get_or_add_rPr()
    fonts = properties.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), role.font)
    fonts.set(qn("w:hint"), "eastAsia")
    if role.size == BODY_SIZE:
        spacing = OxmlElement("w:spacing")
        spacing.set(qn("w:val"), str(CHARACTER_SPACING_TWIPS))
        properties.insert_element_before(spacing, *_AFTER_SPACING)


def _page(section: Section) -> None:
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = TOP, BOTTOM
    section.left_margin, section.right_margin = LEFT, RIGHT
    # The page number's 一字线 sits 7 mm under the type area.
    section.footer_distance = BOTTOM - Mm(7) - PAGE_NUMBER_SIZE


def _grid(section: Section) -> None:
    """22 lines: the document grid Word, WPS and LibreOffice lay the lines on (the 28 characters of a line
    are the runs' spacing, `CHARACTER_SPACING_TWIPS`)."""
    properties = section._sectPr
    for old in properties.findall(qn("w:docGrid")):
        properties.remove(old)
    grid = OxmlElement("w:docGrid")
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
    properties.append(grid)


def _on_grid(paragraph: Paragraph) -> None:
    form = paragraph.paragraph_format
    form.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    form.line_spacing = LINE_SPACING
    form.space_before = form.space_after = Pt(0)


def _defaults(document: DocumentObject) -> None:
    """三号仿宋 as the document's default: the grid's character pitch is reckoned from the default size."""
    defaults = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if defaults is not None:
        for size in (*defaults.findall(qn("w:sz")), *defaults.findall(qn("w:szCs"))):
            size.set(qn("w:val"), str(round(BODY_SIZE.pt * 2)))
        # Chinese line breaking (no 。 at a line's start) follows the language of the text.
        for language in defaults.findall(qn("w:lang")):
            language.set(qn("w:eastAsia"), "zh-CN")
    normal = document.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = BODY_SIZE
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), BODY_FONT)
    fonts.set(qn("w:hint"), "eastAsia")


def _current_layout(document: DocumentObject) -> None:
    """Laid out as Word 2013 and later lay out (compatibility mode 15), as LibreOffice and WPS write their own
    .docx: python-docx's template says Word 2010 (14), which current Word opens in 兼容模式 with older rules
    for tables and line breaking, unlike the others."""
    compat = document.settings.element.find(qn("w:compat"))
    if compat is None:
        compat = OxmlElement("w:compat")
        document.settings.element.append(compat)
    for setting in compat.findall(qn("w:compatSetting")):
        if setting.get(qn("w:name")) == "compatibilityMode":
            compat.remove(setting)
    mode = OxmlElement("w:compatSetting")
    mode.set(qn("w:name"), "compatibilityMode")
    mode.set(qn("w:uri"), "http://schemas.microsoft.com/office/word")
    mode.set(qn("w:val"), "15")
    compat.append(mode)


def _font_table(document: DocumentObject) -> Part:
    part: Part
    for part in document.part.package.iter_parts():
        if part.partname == "/word/fontTable.xml":
            return part
    raise LookupError("the document has no font table")


def _declare_fonts(document: DocumentObject) -> None:
    """Every font of `FALLBACKS` in the font table: its alternate name, GB2312 (charset 86)."""
    part = _font_table(document)
    fonts = parse_xml(part.blob)
    for font in fonts.findall(qn("w:font")):
        if font.get(qn("w:name")) in FALLBACKS:
            fonts.remove(font)
    for name, fallback in FALLBACKS.items():
        fonts.append(
            parse_xml(
                f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{fallback}"/>'
                '<w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>'
            )
        )
    part._blob = serialize_part_xml(fonts)


def _page_numbers(document: DocumentObject) -> None:
    """ "— 1 —" in 四号宋体: odd pages at the right, even pages at the left, one character in."""
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        paragraph = footer.paragraphs[0]
        paragraph.alignment = align
        indent = Emu(PAGE_NUMBER_SIZE)
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            paragraph.paragraph_format.right_indent = indent
        else:
            paragraph.paragraph_format.left_indent = indent
        _page_number_runs(paragraph)


def _page_number_runs(paragraph: Paragraph) -> None:
    """The PAGE field between the dashes (Word and LibreOffice fill in the number; "1" until they do)."""
    role = Role(PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
    set_font(paragraph.add_run("— "), role)
    for kind in ("begin", "instruction", "separate", "number", "end"):
        run = paragraph.add_run()
        set_font(run, role)
        if kind == "instruction":
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = " PAGE "
            run._r.append(instruction)
        elif kind == "number":
            run.text = "1"
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
    set_font(paragraph.add_run(" —"), role)


_WIDE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f“”‘’—…]")
# What a line may not break inside: a date (2021年12月31日), a number with its unit (100%), a Latin word.
_UNBREAKABLE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|\d{1,2}月\d{1,2}日|[0-9A-Za-z.%\-/]+")


def text_width(text: str) -> float:
    """The text's width in characters of its size: a Chinese character 1, a Latin letter or digit 0.6 (a
    little more than Times New Roman's, for the faces that stand in for it)."""
    return sum(1.0 if _WIDE.match(ch) else 0.6 for ch in text)


def unbreakable_width(text: str) -> float:
    """The width of the text's longest part a line may not break (a date, a number, a word); a single
    Chinese character otherwise."""
    parts = [text_width(part) for part in _UNBREAKABLE.findall(text)]
    return max([*parts, 1.0 if text else 0.0])


def column_widths(
    typical: Sequence[float], longest: Sequence[float], floors: Sequence[float], total: float
) -> list[float]:
    """Widths of columns (in characters) that add up to `total`, by their content: in proportion to what
    a cell of each typically holds (`typical`: the mean width of its texts), never wider than its longest
    text asks (`longest`) while others need the room, never under what a line cannot break (`floors`: a
    date, a number, a short header); what is left over is shared in proportion."""
    floors = [max(f, 1.0) + 0.5 for f in floors]  # half a character of room: glyphs are not all 1 em
    caps = [max(c, f) for c, f in zip(longest, floors, strict=True)]
    weights = [max(t, 0.5) for t in typical]
    if sum(floors) >= total:
        return [f * total / sum(floors) for f in floors]
    if sum(caps) <= total:
        return [c * total / sum(caps) for c in caps]
    held: dict[int, float] = {}  # columns at their floor or their cap
    while True:
        free = [i for i in range(len(weights)) if i not in held]
        room = total - sum(held.values())
        weight = sum(weights[i] for i in free)
        share = {i: room * weights[i] / weight for i in free}
        bound = {i: floors[i] for i in free if share[i] < floors[i]}
        bound |= {i: caps[i] for i in free if share[i] > caps[i]}
        if not bound:
            return [held.get(i, share.get(i, 0.0)) for i in range(len(weights))]
        held |= bound
