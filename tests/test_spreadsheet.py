"""Spreadsheet ledgers (.xlsx, .csv) with Chinese or English headers, and their bad input."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import Workbook, load_workbook

from ledger.columns import format_numbered, parse_numbered
from ledger.importer import parse_ledger_file
from ledger.model import ItemSpec, ItemStatus, LedgerRow, Location, Target
from ledger.xlsx import write_ledger
from tests.report_samples import PLAIN_LABELS

START = date(2026, 3, 1)


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_english_headers_csv(tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    path.write_text(
        "Number,Problem,Targets,Deadline,Responsible units,Measures\n"
        '7,"Sewage plant upgrade is slow.","1. Finish upgrade（时限：2026-06-30）\n2. Test water",2026-12-31,'
        '"市住建局、城管局","1. Build\n2. Inspect（时限：2026-09-30）"\n',
        encoding="utf-8",
    )
    parsed = parse_ledger_file(path, default_start=START)
    assert parsed.errors == []
    (item,) = parsed.items
    assert item.number == "7"
    assert item.title == "Sewage plant upgrade is slow"
    assert [(t.text, t.deadline) for t in item.targets] == [
        ("Finish upgrade", date(2026, 6, 30)),
        ("Test water", date(2026, 12, 31)),
    ]
    assert item.deadline == date(2026, 12, 31)
    assert item.responsible_units == ["市住建局", "城管局"]
    assert item.measures[1].due == date(2026, 9, 30)
    assert item.start == START
    assert item.location == Location(row=2)


def test_gb18030_csv_with_chinese_headers_and_deadline_text(tmp_path: Path) -> None:
    path = tmp_path / "台账.csv"
    text = (
        "序号,问题描述,整改时限,责任单位,开始日期\n3,扬尘管控不到位。,2026年9月底前,市住建局,2026年1月5日\n"
    )
    path.write_bytes(text.encode("gb18030"))
    parsed = parse_ledger_file(path, default_start=START)
    assert parsed.errors == []
    (item,) = parsed.items
    assert item.deadline == date(2026, 9, 30)
    assert item.start == date(2026, 1, 5)
    assert item.deadline_text == "2026年9月底前"


def test_continuing_item_from_deadline_text(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "l.xlsx",
        [["编号", "问题描述", "整改时限"], ["1", "绿色发展理念不牢。", "立行立改、长期坚持"]],
    )
    (item,) = parse_ledger_file(path, default_start=START).items
    assert item.continuing
    assert item.deadline is None


def test_unknown_column_is_reported_not_dropped_silently(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "l.xlsx", [["编号", "问题描述", "备注"], ["1", "问题。", "重要"]])
    parsed = parse_ledger_file(path, default_start=START)
    assert [n.code for n in parsed.warnings] == ["unknown_column"]
    assert dict(parsed.warnings[0].params) == {"column": "备注"}


def test_bad_cells_are_errors_with_their_row_and_field(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "l.xlsx",
        [
            ["编号", "问题描述", "截止日期", "长期坚持"],
            ["1", "好的问题。", "2026-12-31", "否"],
            ["2", "坏日期。", "明年", "否"],
            ["", "没有编号。", "", ""],
            ["4", "", "", ""],
            ["5", "坏标志。", "", "也许"],
        ],
    )
    parsed = parse_ledger_file(path, default_start=START)
    found = {(n.code, n.location.row, n.field) for n in parsed.errors}
    assert found == {
        ("bad_date", 3, "deadline"),
        ("missing_value", 4, "number"),
        ("missing_value", 5, "problem"),
        ("bad_flag", 6, "continuing"),
    }


def test_header_not_in_first_row(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "l.xlsx", [["嘉峪关市整改台账"], [], ["编号", "问题描述"], ["9", "问题。"]])
    parsed = parse_ledger_file(path, default_start=START)
    assert [i.number for i in parsed.items] == ["9"]
    assert parsed.items[0].location.row == 4


def test_numbered_cell_round_trip() -> None:
    entries = [("第一条", date(2026, 1, 31)), ("第二条\n续行", None)]
    cell = format_numbered([("第一条", date(2026, 1, 31)), ("第二条", None)])
    assert parse_numbered(cell) == [entries[0], ("第二条", None)]
    assert parse_numbered("1. 甲\n接着写\n2. 乙") == [("甲接着写", None), ("乙", None)]
    assert parse_numbered("只有一段") == [("只有一段", None)]


def test_imported_text_is_never_a_formula_in_the_exported_ledger(tmp_path: Path) -> None:
    hostile = ['=HYPERLINK("http://evil.example","点此")', "+1+1", "-2+3", "@SUM(A1)", "=1+1"]
    spec = ItemSpec(
        "1", hostile[0], hostile[1], date(2026, 1, 1), cause=hostile[2], responsible_leader=hostile[3],
        responsible_person=hostile[4], targets=[Target("目标", date(2026, 12, 31))],
    )  # fmt: skip
    path = tmp_path / "ledger.xlsx"
    row = LedgerRow(spec, ItemStatus.IN_PROGRESS, 10, 0, None, 0)
    write_ledger(path, [row], labels=PLAIN_LABELS)
    sheet = load_workbook(path).active
    assert sheet is not None
    cells = [cell for line in sheet.iter_rows(min_row=2) for cell in line if isinstance(cell.value, str)]
    assert {cell.value for cell in cells} >= set(hostile)
    assert all(cell.data_type == "s" for cell in cells)  # text, never "f" (a formula)
    assert (
        parse_ledger_file(path, default_start=date(2026, 1, 1)).items[0].title == hostile[0]
    )  # and it reads back as the same text


def test_two_row_header_merged_cells_repeated_header_and_continued_rows(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in (
        ["某县整改台账（2021年）"],
        ["序号", "问题描述", "整改措施", "责任主体", "责任主体", "整改时限"],
        ["", "", "", "牵头单位", "责任单位", ""],
        ["第一类 例行督察指出问题"] * 6,
        ["1", "污水直排。", "新建管网。", "县住建局", "县水务局", "年底前"],
        ["", "", "加强巡查。", "", "县城管局", "2021年6月30日"],
        ["序号", "问题描述", "整改措施", "责任主体", "责任主体", "整改时限"],
        ["2", "扬尘污染。", "落实覆盖。", "县住建局", "", "立行立改"],
    ):
        sheet.append(row)
    sheet.merge_cells("A1:F1")
    sheet.merge_cells("D2:E2")
    path = tmp_path / "ledger.xlsx"
    workbook.save(path)
    parsed = parse_ledger_file(path, default_start=START)
    assert parsed.errors == []
    first, second = parsed.items
    assert (first.number, first.category, first.lead_units, first.responsible_units) == (
        "1", "第一类 例行督察指出问题", ["县住建局"], ["县水务局", "县城管局"],
    )  # fmt: skip
    assert first.deadline == date(2021, 12, 31)  # 年底前 of the title's year
    assert [(m.text, m.due) for m in first.measures] == [
        ("新建管网。", date(2021, 12, 31)),
        ("加强巡查。", date(2021, 6, 30)),
    ]
    assert second.continuing
    assert parsed.read == 5
    assert [(n.code, n.location.row) for n in parsed.merged] == [("continued_row", 6)]
    assert [(n.code, n.location.row) for n in parsed.skipped] == [("heading_row", 4), ("repeated_header", 7)]
