"""Writing the ledger workbook (台账) and its blank template, as officials keep them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ledger.columns import LEDGER_COLUMNS, NO, UNIT_SEPARATOR, YES, measures_cell, targets_cell
from ledger.indicator_import import TEMPLATE_TITLES, template_cells
from ledger.indicators import IndicatorSpec
from ledger.model import ItemSpec, ItemStatus, LedgerRow

CellValue = str | int | float | date | None

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")


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


def _sheet(workbook: Workbook, title: str) -> Worksheet:
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = title
    for index, column in enumerate(LEDGER_COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.zh)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(LEDGER_COLUMNS))}1"
    return sheet


def _write_row(sheet: Worksheet, row: int, cells: dict[str, CellValue]) -> None:
    for index, column in enumerate(LEDGER_COLUMNS, start=1):
        value = cells.get(column.key)
        cell = write_cell(sheet, row, index, value if value != "" else None)
        cell.alignment = _WRAP
        if column.key in ("deadline", "start", "last_report"):
            cell.number_format = "yyyy-mm-dd"


def write_ledger(
    path: Path,
    rows: Iterable[LedgerRow],
    *,
    sheet_title: str,
    status_label: Callable[[ItemStatus], str],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the ledger workbook; returns the number of rows written."""
    workbook = Workbook()
    sheet = _sheet(workbook, sheet_title)
    count = 0
    for count, entry in enumerate(rows, start=1):
        cells = spec_cells(entry.spec)
        cells.update(
            status=status_label(entry.status),
            percent=entry.percent,
            days_overdue=entry.days_overdue or None,
            last_report=entry.last_report,
            evidence_count=entry.evidence_count,
        )
        _write_row(sheet, count + 1, cells)
        if progress is not None:
            progress(1)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return count


def write_template(path: Path, *, sheet_title: str, example: ItemSpec, notes: list[tuple[str, str]]) -> None:
    """A blank ledger with one example row, and a second sheet that explains each column."""
    workbook = Workbook()
    sheet = _sheet(workbook, sheet_title)
    _write_row(sheet, 2, spec_cells(example))
    help_sheet = workbook.create_sheet("说明 Notes")
    help_sheet.column_dimensions["A"].width = 30
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
    help_sheet = workbook.create_sheet("说明 Notes")
    help_sheet.column_dimensions["A"].width = 20
    help_sheet.column_dimensions["B"].width = 100
    for row, texts in enumerate([("列 Column", "说明 Notes"), *notes], start=1):
        for column, value in enumerate(texts, start=1):
            write_cell(help_sheet, row, column, value)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
