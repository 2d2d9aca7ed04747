"""The indicator ledger in the documents, read back from the files: the exported ledger's 指标台账 sheet, the
month's 调度通报 and the leadership's weekly summary. Every number is what `judge` says of the store's
values (on the notice's day, of the values stored by then), and the notice's counts partition the binding
indicators."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from ledger.actor import Actor
from ledger.indicator_progress import TrackState, Verdict
from ledger.indicators import Attribute, number_text
from ledger.model import Role
from services.container import Services
from tests.indicator_samples import SPECS, indicator_ledger, stored_values, verdicts

TODAY = date(2026, 11, 20)
STATES = {
    TrackState.ON_TRACK: "符合序时进度",
    TrackState.OFF_TRACK: "偏离序时进度",
    TrackState.UNREPORTED: "未报送",
    TrackState.NOT_JUDGED: "不评价",
}
SHEET_HEADER = [
    "序号", "类别", "指标名称", "单位", "属性", "基期值(年)", "目标值(年)", "最新值", "期间", "当年累计均值", "序时目标",
    "状态", "责任单位",
]  # fmt: skip


def stocked(services: Services) -> None:
    services.roster.add_unit("市住建局", actor=Actor.system("test"))
    officer = services.roster.add_person(
        "王芳", unit="市住建局", role=Role.OFFICER, actor=Actor.system("test")
    )
    indicator_ledger(services, Actor.person(officer.id))


def judged(verdict: Verdict) -> bool:
    return verdict.state in (TrackState.ON_TRACK, TrackState.OFF_TRACK)


def test_the_export_has_the_indicator_sheet_laid_out_as_the_ledger(
    services: Services, tmp_path: Path
) -> None:
    stocked(services)
    path = tmp_path / "ledger.xlsx"
    services.ledger_files.write(path)
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["整改台账", "指标台账"]
    ledger, sheet = workbook["整改台账"], workbook["指标台账"]
    assert sheet["A1"].value == "主要指标完成情况台账"
    assert (sheet["A1"].font.name, sheet["A1"].font.b) == ("宋体", True)
    assert "A1:M1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A2"].value == "填报单位：督察整改工作领导小组办公室"
    assert [c.value for c in sheet[3]] == SHEET_HEADER
    # The ledger sheet's print set-up, fonts and borders.
    for attribute in ("orientation", "paperSize", "fitToWidth", "fitToHeight"):
        assert getattr(sheet.page_setup, attribute) == getattr(ledger.page_setup, attribute)
    assert sheet.print_title_rows == ledger.print_title_rows == "$3:$3"
    assert sheet.oddFooter.center.text == ledger.oddFooter.center.text
    assert {c.font.name for c in sheet[3]} == {"宋体"}
    assert {c.font.name for c in sheet[4]} == {"仿宋"}
    for row in sheet.iter_rows(min_row=3, max_row=sheet.max_row):
        assert all(cell.border.left.style == "thin" and cell.border.bottom.style == "thin" for cell in row)
    # One row per indicator, in the ledger's order, its numbers those judge gives for the store today.
    assert sheet.max_row == 3 + len(SPECS)
    expected = verdicts(services, TODAY)
    for number, spec in enumerate(SPECS, start=1):
        row = dict(zip(SHEET_HEADER, [c.value for c in sheet[3 + number]], strict=True))
        verdict = expected[spec.name]
        values = stored_values(services, spec.name)
        assert (row["序号"], row["指标名称"], row["类别"]) == (number, spec.name, spec.category)
        assert (
            row["属性"]
            == {Attribute.BINDING: "约束性", Attribute.EXPECTED: "预期性", None: "未定属性"}[spec.attribute]
        )
        assert str(row["状态"]).startswith(STATES[verdict.state])
        latest = {v.period: v for v in values}
        assert row["最新值"] == (round(latest[max(latest)].value, 2) if latest else None)
        assert row["序时目标"] == (
            round(verdict.path, 2) if judged(verdict) and verdict.path is not None else None
        )
        mean = verdict.value if judged(verdict) and verdict.mean else None
        assert row["当年累计均值"] == (round(mean, 2) if mean is not None else None)
        if spec.target is not None:
            assert number_text(spec.target) in str(row["目标值(年)"])
            assert f"（{spec.target_year}年）" in str(row["目标值(年)"])
    pm25 = dict(zip(SHEET_HEADER, [c.value for c in sheet[4]], strict=True))
    assert (pm25["基期值(年)"], pm25["目标值(年)"], pm25["期间"]) == (
        "24微克/立方米（2025年）",
        "≤21微克/立方米（2030年）",
        "2026年10月",
    )


def test_an_export_without_indicators_has_no_indicator_sheet(services: Services, tmp_path: Path) -> None:
    path = tmp_path / "ledger.xlsx"
    services.ledger_files.write(path)
    assert load_workbook(path).sheetnames == ["整改台账"]
