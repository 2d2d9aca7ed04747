"""Writing the ledger workbook (台账) and its blank template, as officials keep them.

The exported ledger is the one an office hands upward: a title row (「…整改落实情况台账」), the office that
fills it in (填报单位) and the day it stands at (截至日期), then the header and one bordered row per item, in
宋体 (title, header) and 仿宋 (the rows), A3 landscape fitted to the page's width, the header printed on
every page; 编号 is a number where it is one, so that Excel sorts 3 before 24.1. `by_unit` adds a sheet per
unit (its items as lead or responsible unit). When the ledger has indicators, its second sheet, 指标台账,
lays them out the same way (the same title rows, header, borders, fonts and print set-up). The importer
reads it back: the first sheet only, its header found under the title rows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from ledger.columns import (
    DATE_COLUMNS,
    INDICATOR_SHEET_COLUMNS,
    LEDGER_COLUMNS,
    NO,
    UNIT_SEPARATOR,
    YES,
    Column,
    measures_cell,
    targets_cell,
)
from ledger.indicator_board import IndicatorLine
from ledger.indicator_import import TEMPLATE_TITLES, template_cells
from ledger.indicator_progress import TrackState
from ledger.indicator_value_sheet import VALUE_COLUMNS
from ledger.indicators import IndicatorSpec
from ledger.model import ItemSpec, ItemStatus, LedgerRow

CellValue = str | int | float | date | None

TITLE_FONT, HEADER_FONT, BODY_FONT = "宋体", "宋体", "仿宋"
SHEET_TITLE_LIMIT = 31  # what Excel allows
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_DATE_FORMAT = 'yyyy"年"m"月"d"日"'
_NOT_IN_SHEET_TITLE = re.compile(r"[\\/*?:\[\]]")
_PLAIN_NUMBER = re.compile(r"(?:0|[1-9]\d{0,5})(?:\.\d{0,5}[1-9])?")


@dataclass(frozen=True)
class LedgerHeading:
    """The rows above the exported ledger's header: its title, and the line of 填报单位 and 截至日期."""

    title: str
    office_line: str
    date_line: str


@dataclass(frozen=True)
class LedgerLabels:
    """The words of the exported ledger's cells, in the office's language."""

    sheet_title: str
    status: Callable[[ItemStatus], str]
    level: Callable[[int], str]  # 督办等级 of a ladder level (0: none)
    signoff: Callable[[str], str]  # 销号状态 of `LedgerRow.signoff_state`


def write_cell(sheet: Worksheet, row: int, column: int, value: CellValue) -> Cell:
    """Put a value in a cell; text stays text. openpyxl would store a text starting with "=" as a formula,
    so an imported title such as `=HYPERLINK(…)` would become a live formula in the office's workbook."""
    cell = sheet.cell(row=row, column=column)
    assert isinstance(cell, Cell)  # nothing here writes into merged ranges
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def spec_cells(spec: ItemSpec) -> dict[str, CellValue]:
    """The importable cells of one item."""
    return {
        "number": spec.number,
        "category": spec.category or "",
        "title": spec.title,
        "problem": spec.problem,
        "cause": spec.cause or "",
        "targets": targets_cell(spec.targets),
        "deadline_text": spec.deadline_text or "",
        "deadline": spec.deadline,
        "continuing": YES if spec.continuing else NO,
        "start": spec.start,
        "lead_units": UNIT_SEPARATOR.join(spec.lead_units),
        "responsible_units": UNIT_SEPARATOR.join(spec.responsible_units),
        "responsible_leader": spec.responsible_leader or "",
        "responsible_person": spec.responsible_person or "",
        "supervising_units": UNIT_SEPARATOR.join(spec.supervising_units),
        "measures": measures_cell(spec.measures),
    }


def number_cell(number: str) -> str | int | float:
    """编号 as the cell holds it: a number where it reads back as the same text (`3`, `24.1`), so that the
    office's sort and filter order 3 before 24.1; else text (`24.10`, `24.1.2`, `J2024-017`)."""
    if not _PLAIN_NUMBER.fullmatch(number):
        return number
    return float(number) if "." in number else int(number)


def _header(sheet: Worksheet, row: int, columns: Sequence[Column]) -> None:
    for index, column in enumerate(columns, start=1):
        cell = write_cell(sheet, row, index, column.zh)
        cell.font = Font(name=HEADER_FONT, bold=True, size=11)
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[get_column_letter(index)].width = column.width


def _sheet(
    sheet: Worksheet, title: str, heading: LedgerHeading | None, columns: Sequence[Column] = LEDGER_COLUMNS
) -> int:
    """Title rows (when `heading`) and the header of `columns` on `sheet`, with its print set-up; the
    header's row."""
    sheet.title = _NOT_IN_SHEET_TITLE.sub("", title)[:SHEET_TITLE_LIMIT] or "Sheet"
    last = get_column_letter(len(columns))
    header_row = 1
    if heading is not None:
        header_row = 3
        write_cell(sheet, 1, 1, heading.title).font = Font(name=TITLE_FONT, bold=True, size=18)
        sheet.merge_cells(f"A1:{last}1")
        sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
        sheet.row_dimensions[1].height = 36
        middle = len(columns) // 2
        write_cell(sheet, 2, 1, heading.office_line).font = Font(name=BODY_FONT, size=12)
        write_cell(sheet, 2, middle + 1, heading.date_line).font = Font(name=BODY_FONT, size=12)
        sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=middle)
        sheet.merge_cells(start_row=2, start_column=middle + 1, end_row=2, end_column=len(columns))
        sheet.cell(row=2, column=middle + 1).alignment = Alignment(horizontal="right")
    _header(sheet, header_row, columns)
    sheet.freeze_panes = f"B{header_row + 1}"
    sheet.auto_filter.ref = f"A{header_row}:{last}{header_row}"
    # Printed as offices print a ledger: A3 landscape, the columns fitted to the page's width, as many
    # pages long as it takes, the header on every page, page numbers in the footer.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A3
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    footer = sheet.oddFooter
    assert footer is not None  # openpyxl makes every sheet's header and footer
    footer.center.text = "第 &P 页，共 &N 页"
    return header_row


def row_height(cells: dict[str, CellValue], columns: Sequence[Column] = LEDGER_COLUMNS) -> float:
    """The height (points) a row needs to show all its wrapped text: Excel and WPS keep a row's height as
    written, and LibreOffice does not grow it on opening either. A Chinese character is two of a column's
    width units, anything else one; a line of 11 pt type is 14.5 pt; Excel's limit is 409 pt."""
    lines = 1
    for column in columns:
        value = cells.get(column.key)
        if isinstance(value, str) and value:
            room = max(column.width - 1, 1)
            lines = max(lines, sum(math.ceil(_units(line) / room) or 1 for line in value.splitlines()))
    return min(409.0, 14.5 * lines + 4)


def _units(text: str) -> float:
    return sum(2.0 if ord(ch) > 0x2E80 else 1.1 for ch in text)


def _write_row(
    sheet: Worksheet, row: int, cells: dict[str, CellValue], columns: Sequence[Column] = LEDGER_COLUMNS
) -> None:
    sheet.row_dimensions[row].height = row_height(cells, columns)
    for index, column in enumerate(columns, start=1):
        value = cells.get(column.key)
        cell = write_cell(sheet, row, index, value if value != "" else None)
        cell.alignment = _WRAP
        cell.border = _BORDER
        cell.font = Font(name=BODY_FONT, size=11)
        if column.key in DATE_COLUMNS:
            cell.number_format = _DATE_FORMAT


def _row_cells(entry: LedgerRow, labels: LedgerLabels) -> dict[str, CellValue]:
    cells = spec_cells(entry.spec)
    cells.update(
        number=number_cell(entry.spec.number),
        status=labels.status(entry.status),
        percent=entry.percent,
        progress_text=entry.progress_text,
        level=labels.level(entry.level) if entry.level else None,
        days_overdue=entry.days_overdue or None,
        last_report=entry.last_report,
        signoff_state=labels.signoff(entry.signoff_state),
        signed_off_on=entry.signed_off_on,
        evidence_count=entry.evidence_count,
    )
    return cells


@dataclass(frozen=True)
class IndicatorSheet:
    """The exported ledger's sheet of indicators (指标台账): its name, the rows above its header, and the
    words of each indicator's cells that are not numbers (`INDICATOR_TEXT_KEYS`, one list per line)."""

    sheet_title: str
    heading: LedgerHeading
    lines: Sequence[IndicatorLine]
    texts: Sequence[Sequence[str]]


# The cells of the indicator sheet said in words (rendered by the caller, in the office's language).
INDICATOR_TEXT_KEYS = ("attribute", "baseline", "target", "period", "state")


def _decimal(value: float | None) -> float | None:
    """A number as the sheet holds it: at most two decimals, as `number_text` says it."""
    return None if value is None else round(value, 2)


def indicator_cells(line: IndicatorLine, texts: Sequence[str]) -> dict[str, CellValue]:
    """One indicator's cells: its number, what the plan says, its latest value, the year's running mean
    and the 序时目标 where it is judged (as numbers), and `texts` (`INDICATOR_TEXT_KEYS`)."""
    spec, verdict = line.spec, line.verdict
    judged = verdict.state in (TrackState.ON_TRACK, TrackState.OFF_TRACK)
    return {
        "number": line.number,
        "category": spec.category or "",
        "name": spec.name,
        "unit": spec.unit or "",
        "latest": _decimal(line.latest.value) if line.latest else None,
        "mean": _decimal(verdict.value) if judged and verdict.mean else None,
        "path": _decimal(verdict.path) if judged else None,
        "responsible_unit": spec.responsible_unit or "",
        **dict(zip(INDICATOR_TEXT_KEYS, texts, strict=True)),
    }


def _indicator_sheet(sheet: Worksheet, indicators: IndicatorSheet) -> None:
    """The indicator ledger laid out as the ledger's sheet: title rows, header, bordered rows, print set-up."""
    header_row = _sheet(sheet, indicators.sheet_title, indicators.heading, INDICATOR_SHEET_COLUMNS)
    for offset, (line, texts) in enumerate(zip(indicators.lines, indicators.texts, strict=True), start=1):
        _write_row(sheet, header_row + offset, indicator_cells(line, texts), INDICATOR_SHEET_COLUMNS)


def unit_sheets(rows: Sequence[LedgerRow]) -> list[tuple[str, list[LedgerRow]]]:
    """(unit, its rows) for each unit that leads or is responsible for an item, in the order the units
    first appear in the ledger, each item once per unit."""
    sheets: dict[str, list[LedgerRow]] = {}
    for row in rows:
        for unit in dict.fromkeys((*row.spec.lead_units, *row.spec.responsible_units)):
            sheets.setdefault(unit, []).append(row)
    return list(sheets.items())


def write_ledger(
    path: Path,
    rows: Iterable[LedgerRow],
    *,
    labels: LedgerLabels,
    heading: LedgerHeading | None = None,
    by_unit: bool = False,
    progress: Callable[[int], None] | None = None,
    indicators: IndicatorSheet | None = None,
) -> int:
    """Write the ledger workbook (the title rows when `heading`; the indicator ledger's sheet second when
    `indicators`; a sheet per unit when `by_unit`); returns the number of items written."""
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    first = _sheet(sheet, labels.sheet_title, heading)
    entries = list(rows)
    for offset, entry in enumerate(entries, start=1):
        _write_row(sheet, first + offset, _row_cells(entry, labels))
        if progress is not None:
            progress(1)
    if indicators is not None:
        _indicator_sheet(workbook.create_sheet(), indicators)
    if by_unit:
        for unit, unit_rows in unit_sheets(entries):
            unit_sheet = workbook.create_sheet()
            unit_heading = (
                LedgerHeading(f"{heading.title}（{unit}）", heading.office_line, heading.date_line)
                if heading is not None
                else None
            )
            header_row = _sheet(unit_sheet, unit, unit_heading)
            for offset, entry in enumerate(unit_rows, start=1):
                _write_row(unit_sheet, header_row + offset, _row_cells(entry, labels))
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return len(entries)


def write_template(path: Path, *, sheet_title: str, example: ItemSpec, notes: list[tuple[str, str]]) -> None:
    """A blank ledger with one example row, and a second sheet that explains each column."""
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    _sheet(sheet, sheet_title, None)
    _write_row(sheet, 2, spec_cells(example))
    _save_with_notes(workbook, path, notes, column_width=30)


def write_value_template(
    path: Path,
    *,
    sheet_title: str,
    rows: Iterable[Sequence[str]],
    notes: list[tuple[str, str]],
) -> None:
    """The spreadsheet of indicator values (指标数值表): a header of the sheet's columns
    (`ledger.indicator_value_sheet.VALUE_COLUMNS`, each by its first name), the rows given (an indicator and
    a period each, the value to fill in) and a sheet that explains each column. Every cell is text, so a
    period such as 2024年3月 is never turned into a date."""
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = sheet_title
    for index, names in enumerate(VALUE_COLUMNS.values(), start=1):
        cell = write_cell(sheet, 1, index, names[0])
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = 36 if index == 1 else 16
    sheet.freeze_panes = "B2"
    for row, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            write_cell(sheet, row, column, value).number_format = "@"
    _save_with_notes(workbook, path, notes, column_width=20)


def _save_with_notes(
    workbook: Workbook, path: Path, notes: list[tuple[str, str]], *, column_width: int
) -> None:
    """Add a template's sheet that explains each column (its name `column_width` wide), then save it."""
    help_sheet = workbook.create_sheet("说明 Notes")
    help_sheet.column_dimensions["A"].width = column_width
    help_sheet.column_dimensions["B"].width = 100
    for row, texts in enumerate([("列 Column", "说明 Notes"), *notes], start=1):
        for column, value in enumerate(texts, start=1):
            write_cell(help_sheet, row, column, value)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def write_indicator_template(
    path: Path, *, sheet_title: str, indicators: Iterable[IndicatorSpec], notes: list[tuple[str, str]]
) -> None:
    """The indicator ledger (指标台账) as its import template: a header of `TEMPLATE_TITLES`, one row per
    indicator (what `read_indicator_table` reads back as the same), and a sheet that explains each column."""
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = sheet_title
    for index, title in enumerate(TEMPLATE_TITLES.values(), start=1):
        cell = write_cell(sheet, 1, index, title)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = 30 if index == 2 else 14
    sheet.freeze_panes = "C2"
    for row, spec in enumerate(indicators, start=2):
        for column, value in enumerate(template_cells(spec), start=1):
            write_cell(sheet, row, column, value).alignment = _WRAP
    _save_with_notes(workbook, path, notes, column_width=20)
