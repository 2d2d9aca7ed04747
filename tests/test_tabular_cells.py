"""Spreadsheet cells read as a reader sees them: a number Excel shows as a percentage is read with its
percent sign, not as the fraction it stores (a clerk who formats the 数值 column as % must not record 79 %
as 0.79 %)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from ledger.tabular import read_rows


def test_a_percentage_cell_reads_as_shown_and_other_numbers_as_stored(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    cells: list[tuple[float | str, str]] = [
        (0.79, "0%"),
        (0.845, "0.0%"),
        (1, "0%"),
        (12, "General"),
        (0.5, "General"),
        ("84%", "@"),
    ]
    for row, (value, number_format) in enumerate(cells, start=1):
        sheet.cell(row=row, column=1, value=value).number_format = number_format
    path = tmp_path / "values.xlsx"
    workbook.save(path)
    assert read_rows(path) == [["79%"], ["84.5%"], ["100%"], ["12"], ["0.5"], ["84%"]]
