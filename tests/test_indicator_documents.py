"""The indicator ledger in the documents, read back from the files: the exported ledger's 指标台账 sheet, the
month's 调度通报 and the leadership's weekly summary. Every number is what `judge` says of the store's
values (on the notice's day, of the values stored by then), and the notice's counts partition the binding
indicators."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from docx import Document
from docx.document import Document as DocumentObject
from openpyxl import load_workbook

from ledger.actor import Actor
from ledger.clock import ManualClock
from ledger.indicator_progress import TrackState, Verdict
from ledger.indicators import Attribute, number_text
from ledger.model import Role
from ledger.punctuation import full_width_punctuation
from ledger.reporting import Month
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
    assert sheet.oddFooter is not None
    assert ledger.oddFooter is not None
    assert sheet.oddFooter.center.text == ledger.oddFooter.center.text
    assert {c.font.name for c in sheet[3]} == {"宋体"}
    assert {c.font.name for c in sheet[4]} == {"仿宋"}
    for cells in sheet.iter_rows(min_row=3, max_row=sheet.max_row):
        assert all(cell.border.left.style == "thin" and cell.border.bottom.style == "thin" for cell in cells)
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


def notice(services: Services, month: Month) -> DocumentObject:
    _, data = services.reporting.month_notice(month, "zh_CN")
    return Document(io.BytesIO(data))


COUNTS = re.compile(
    r"约束性指标(\d+)项：符合序时进度(\d+)项，偏离序时进度(\d+)项，未报送(\d+)项，不评价(\d+)项"
)


def binding_rows(document: DocumentObject) -> list[list[str]]:
    """The rows of the notice's last table, 附件2, under its header."""
    table = document.tables[-1]
    assert [c.text for c in table.rows[0].cells][:3] == ["序号", "类别", "指标名称"]
    return [[c.text for c in row.cells] for row in table.rows[1:]]


def check_notice(document: DocumentObject, expected: dict[str, Verdict], as_of: date) -> None:
    """The notice's indicator section and annex say what `expected` (judge's verdicts) says."""
    paragraphs = [p.text for p in document.paragraphs]
    binding = [spec for spec in SPECS if spec.attribute == Attribute.BINDING]
    states = [expected[spec.name].state for spec in binding]
    (sentence,) = [p for p in paragraphs if COUNTS.search(p)]
    assert sentence.startswith(f"截至{as_of.year}年{as_of.month}月{as_of.day}日，")
    match = COUNTS.search(sentence)
    assert match is not None
    total, on, off, unreported, not_judged = (int(n) for n in match.groups())
    # The counts partition the binding indicators, each as judge says.
    assert on + off + unreported + not_judged == total == len(binding)
    assert (on, off, unreported, not_judged) == tuple(
        states.count(state)
        for state in (TrackState.ON_TRACK, TrackState.OFF_TRACK, TrackState.UNREPORTED, TrackState.NOT_JUDGED)
    )
    assert "另有预期性等指标2项，不作序时评价" in sentence
    heading = f"（三）偏离序时进度和未报送的约束性指标（{off + unreported}项）"
    listed = paragraphs[paragraphs.index(heading) + 1 : paragraphs.index("三、下一步工作要求")]
    assert len(listed) == off + unreported
    for number, spec in enumerate(SPECS, start=1):
        verdict = expected[spec.name]
        mentioned = [p for p in listed if p.startswith(f"第{number}项指标")]
        if spec.attribute != Attribute.BINDING or verdict.state not in (
            TrackState.OFF_TRACK,
            TrackState.UNREPORTED,
        ):
            assert not mentioned
            continue
        (paragraph,) = mentioned
        if verdict.state == TrackState.OFF_TRACK:
            assert verdict.value is not None
            assert verdict.path is not None
            assert f"{number_text(verdict.value)}{spec.unit}" in paragraph
            assert f"序时目标{number_text(verdict.path)}" in paragraph
        else:
            assert verdict.due is not None
            assert f"{verdict.due.start.year}年{verdict.due.start.month}月的数据未报送" in paragraph
    # 附件2: one row per binding indicator, its numbers judge's.
    assert paragraphs[-2:] == ["附件2", f"{as_of.year}年{as_of.month}月约束性指标完成情况表"]
    rows = binding_rows(document)
    assert [row[2] for row in rows] == [full_width_punctuation(spec.name) for spec in binding]
    for row, spec in zip(rows, binding, strict=True):
        verdict = expected[spec.name]
        assert row[7].startswith(STATES[verdict.state])
        judged_here = judged(verdict)
        assert row[5] == (f"{number_text(verdict.path)}{spec.unit}" if judged_here and verdict.path else "—")
        mean = (
            f"{number_text(verdict.value)}{spec.unit}"
            if judged_here and verdict.mean and verdict.value
            else "—"
        )
        assert row[4] == mean


def test_the_month_s_notice_has_the_binding_indicators_as_judge_says(services: Services) -> None:
    stocked(services)
    document = notice(services, Month(2026, 11))
    check_notice(document, verdicts(services, TODAY), TODAY)
    paragraphs = [p.text for p in document.paragraphs]
    note = paragraphs.index("附件：1.2026年11月整改任务台账")
    assert paragraphs[note + 1].strip() == "2.2026年11月约束性指标完成情况表"
    assert "附件1" in paragraphs


def test_a_past_month_s_notice_says_what_was_known_on_its_last_day(
    services: Services, clock: ManualClock
) -> None:
    today = clock.now()
    clock.set(datetime(2026, 1, 10, 2, 0, tzinfo=UTC))  # the plan's indicators came in January
    stocked(services)
    clock.set(today)
    last_day = date(2026, 10, 31)
    until = datetime(2026, 11, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    known = verdicts(services, last_day, until)
    assert known != verdicts(services, last_day)  # October's values came in November: not known then
    check_notice(notice(services, Month(2026, 10)), known, last_day)


def test_a_notice_without_indicators_has_no_indicator_section(services: Services) -> None:
    document = notice(services, Month(2026, 11))
    paragraphs = [p.text for p in document.paragraphs]
    assert not any("约束性指标" in p or "附件2" in p for p in paragraphs)
    assert "附件：2026年11月整改任务台账" in paragraphs
    assert paragraphs[-2:] == ["附件", "2026年11月整改任务台账"]


def test_indicators_imported_after_a_past_month_are_not_in_its_notice(services: Services) -> None:
    stocked(services)  # on 20 November
    paragraphs = [p.text for p in notice(services, Month(2026, 10)).paragraphs]
    assert not any("约束性指标" in p for p in paragraphs)
