"""The spreadsheet of indicator values (指标数值表) on the command line: `duban export --values-template`
writes it, a clerk fills it in, `duban import-values` checks every row as /value checks it and records
them all in one transaction; a dry run lists them and changes nothing, and a file with one bad row is refused
whole, each bad row named, and changes nothing."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import create_engine, func, select

from storage.indicator_tables import Indicator, IndicatorReading
from storage.models import AuditEntry
from tests.conftest import CliRunner

PLAN = Path(__file__).parent / "data" / "plans" / "district-2021-ecology-indicators.txt"


def stored(url: str) -> tuple[list[tuple[str, float, str | None]], int]:
    """The readings (indicator, value, source) and the count of value audit entries, read from the tables."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(Indicator.name, IndicatorReading.value, IndicatorReading.source)
                .join(Indicator, Indicator.id == IndicatorReading.indicator_id)
                .order_by(IndicatorReading.id)
            )
            readings = [(name, value, source) for name, value, source in rows]
            audits = connection.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "report_value")
            )
    finally:
        engine.dispose()
    return readings, audits or 0


def filled_template(cli: CliRunner, path: Path) -> list[tuple[str, str, float]]:
    """Import the district's plan, write the values template and fill every row with a plausible value
    (the indicator's own target or baseline); returns (name, period, value) of each row."""
    assert cli("db", "upgrade").code == 0
    assert cli("import", str(PLAN)).code == 0
    written = cli("export", str(path), "--values-template")
    assert written.code == 0, written.err
    assert "19 个指标" in written.out
    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == ["指标编号或名称", "期间", "数值", "来源"]
    filled = []
    for row in sheet.iter_rows(min_row=2):
        name, period = str(row[0].value), str(row[1].value)
        assert period.startswith("20")
        assert period.endswith(("月", "季度", "年"))
        filled.append((name, period, 1.0))
        row[2].value = "1"
        row[3].value = "区环境监测站"
    workbook.save(path)
    return filled


def test_a_filled_template_round_trips_dry_run_first(cli: CliRunner, sqlite_url: str, tmp_path: Path) -> None:
    path = tmp_path / "values.xlsx"
    filled = filled_template(cli, path)
    assert len(filled) == 19

    dry = cli("import-values", str(path), "--dry-run")
    assert dry.code == 0, dry.out + dry.err
    assert "试运行（未写入）：将记录 19 个数值。" in dry.out
    name, period, _ = filled[0]
    assert f"第2行 第1个指标 {name} {period}：1" in dry.out
    assert stored(sqlite_url) == ([], 0)  # the dry run changed nothing

    done = cli("import-values", str(path))
    assert done.code == 0, done.out + done.err
    assert "指标数值已导入：记录 19 个数值。" in done.out
    readings, audits = stored(sqlite_url)
    assert [(n, v, s) for n, v, s in readings] == [(n, 1.0, "区环境监测站") for n, _, _ in filled]
    assert audits == 19

    again = cli("import-values", str(path))
    assert again.code == 0
    assert "记录 0 个数值，19 个与已记录相同未变" in again.out
    assert stored(sqlite_url) == (readings, 19)


def test_one_bad_row_refuses_the_whole_file_and_changes_nothing(
    cli: CliRunner, sqlite_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "values.xlsx"
    filled_template(cli, path)
    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    sheet["C3"] = "abc"  # not a number
    sheet["C4"] = "5 吨"  # not the indicator's unit
    sheet["B5"] = "2099年1月"  # a period not yet ended
    sheet["A6"] = "不存在的指标"
    sheet.append([sheet["A2"].value, sheet["B2"].value, "2", ""])  # row 2's period again
    workbook.save(path)

    refused = cli("import-values", str(path))
    assert refused.code == 1
    out = refused.out
    assert "指标数值导入失败，未作任何改动（共5处错误）" in out
    for row in (3, 4, 5, 6, 21):
        assert f"第{row}行：" in out
    assert "在表中已填写（第2行）" in out
    assert stored(sqlite_url) == ([], 0)

    assert "第4行：单位不符" in out  # the unit written is not the indicator's
    cli.env(DUBAN_LOCALE="en")
    english = cli("import-values", str(path))
    assert "Indicator values not imported, nothing changed (5 errors)" in english.out
    assert "row 21: " in english.out
    assert stored(sqlite_url) == ([], 0)
