"""The spreadsheet of indicator values (指标数值表) a clerk fills in: one row per value, columns 指标编号或名称,
期间, 数值, 来源 (Chinese or English headers, in any order, the header in the first ten rows). Pure: no store,
no clock. This module only reads the cells; each value is checked as `/value` checks it
(`ledger.indicator_values.read_value_line`, through `services.indicators`), so every check has one home.

The 数值 cell is the value as `/value` takes it ("23", "84%", "23微克/立方米"), and "确认" after it confirms a
value far from the plan's numbers; the 期间 cell names one period as officials write it (2024年3月, 2024Q1,
2024年), or is empty for the last one ended.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Final

from ledger.indicators import Frequency, Period
from ledger.model import ImportNote, Location
from ledger.tabular import (
    UnreadableTableError,
    find_header,
    match_header,
    read_rows,
    table_rows,
    unknown_column_notes,
)

# Column keys are the field names import notes show; the first name of each is the template's header.
VALUE_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "indicator": ("指标编号或名称", "指标", "指标名称", "指标编号", "序号", "indicator"),
    "period": ("期间", "监测期", "统计期", "period"),
    "value": ("数值", "指标值", "value"),
    "source": ("来源", "数据来源", "source"),
}
REQUIRED: Final = ("indicator", "value")


@dataclass(frozen=True)
class ValueRow:
    """One row of the sheet, as written: the indicator (its number or name), the period, the value, the
    source, and the row's number in the file."""

    row: int
    indicator: str
    period: str
    value: str
    source: str


@dataclass
class ParsedValueSheet:
    rows: list[ValueRow] = field(default_factory=list)
    errors: list[ImportNote] = field(default_factory=list)
    warnings: list[ImportNote] = field(default_factory=list)


def parse_value_sheet(path: Path) -> ParsedValueSheet:
    """The rows of the sheet (.xlsx, .xls, .csv); a file that cannot be read, a missing header or an empty
    required cell is an error naming its row."""
    result = ParsedValueSheet()
    try:
        rows = read_rows(path)
    except UnreadableTableError as exc:
        result.errors.append(ImportNote("unreadable_file", params=(("reason", str(exc)),)))
        return result
    header = find_header(rows, VALUE_COLUMNS, "indicator")
    positions, unknown = match_header(rows[header], VALUE_COLUMNS) if header is not None else ({}, [])
    if header is None or "value" not in positions.values():
        result.errors.append(ImportNote("values/no_header", Location(row=1), field="header"))
        return result
    result.warnings += unknown_column_notes(header, unknown)
    for row in table_rows(rows, header, positions):
        missing = [key for key in REQUIRED if not row.cells.get(key, "").strip()]
        for key in missing:
            result.errors.append(ImportNote("missing_value", Location(row=row.row), field=key))
        if missing:
            continue
        result.rows.append(
            ValueRow(
                row.row,
                row.cells["indicator"].strip(),
                row.cells.get("period", "").strip(),
                row.cells["value"].strip(),
                row.cells.get("source", "").strip(),
            )
        )
    if not result.rows and not result.errors:
        result.errors.append(ImportNote("values/none"))
    return result


def period_text(period: Period, frequency: Frequency) -> str:
    """A period as the sheet's 期间 cell writes it, read back by `read_period`: 2024年3月, 2024年第1季度, 2024年."""
    if frequency == Frequency.MONTHLY:
        return f"{period.start.year}年{period.start.month}月"
    if frequency == Frequency.QUARTERLY:
        return f"{period.start.year}年第{(period.start.month - 1) // 3 + 1}季度"
    return f"{period.start.year}年"


def template_rows(entries: list[tuple[str, Frequency]], today: date) -> list[tuple[str, str, str, str]]:
    """The template's rows: each indicator by name with the last period ended by `today`, to be filled."""
    return [
        (name, period_text(Period.of(frequency, today).previous(frequency), frequency), "", "")
        for name, frequency in entries
    ]
