"""`duban import / export / items`: the ledger from a plan to a workbook and back, as a clerk would run it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from storage.models import AuditEntry, Item
from storage.review import GroupRobot
from tests.conftest import JIAYUGUAN, CliRunner

JIAYUGUAN_NUMBERS = [
    "1", "2", "3", "4", "5", "14", "16", "24.1", "24.2", "25", "30", "31", "37", "38", "39", "42", "43", "45",
]  # fmt: skip


@pytest.fixture
def ready(cli: CliRunner) -> CliRunner:
    assert cli("db", "upgrade").code == 0
    return cli


def _count(url: str, model: type[Item] | type[AuditEntry] | type[GroupRobot]) -> int:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return session.scalar(select(func.count()).select_from(model)) or 0
    finally:
        engine.dispose()


def test_every_command_refuses_an_unmigrated_database(cli: CliRunner) -> None:
    for argv in (
        ("items",),
        ("units",),
        ("people", "list"),
        ("import", str(JIAYUGUAN)),
        ("export", "x.xlsx"),
    ):
        result = cli(*argv)
        assert result.code == 2, argv
        assert "duban db upgrade" in result.err
    assert not Path("x.xlsx").exists()


def test_import_jiayuguan_json(ready: CliRunner) -> None:
    result = ready("import", str(JIAYUGUAN), "--json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert set(document) == {"items", "indicators", "warnings", "errors", "summary"}
    summary = document["summary"]
    assert (summary["read"], summary["imported"], summary["merged"], summary["skipped"]) == (18, 18, [], [])
    # 市生态环境保护委员会成员单位, 涉及问题整改工作责任单位, …各成员单位 are groups, not units: those items
    # wait for their units.
    assert summary["unassigned"] == ["1", "2", "14", "30"]
    items = {item["number"]: item for item in document["items"]}
    assert list(items) == JIAYUGUAN_NUMBERS
    assert items["3"]["responsible_units"] == [
        "市水务局", "市生态环境局", "市住建局", "工业园区管委会", "市农业农村局", "市郊区工作办公室",
    ]  # fmt: skip
    assert all(items[n]["continuing"] and items[n]["deadline"] is None for n in ("1", "2", "3", "4", "5"))
    assert items["14"]["deadline"] == "2020-12-31"
    assert items["16"]["deadline"] == "2021-12-31"
    assert items["24.1"]["deadline"] == items["24.2"]["deadline"] == "2020-12-31"
    assert items["25"]["deadline"] == "2021-12-31"
    assert {item["start"] for item in items.values()} == {"2020-12-16"}
    assert len(items["24.1"]["measures"]) == 3
    assert len(items["24.2"]["measures"]) == 4
    assert items["24.2"]["supervising_units"] == ["市生态环境保护督察整改办公室"]
    assert set(items["1"]) == {
        "number", "title", "problem", "start", "deadline", "continuing", "targets", "lead_units",
        "responsible_units", "supervising_units", "responsible_leader", "responsible_person", "measures",
    }  # fmt: skip
    assert _count(ready_url(ready), Item) == 18


def ready_url(cli: CliRunner) -> str:
    return os.environ["DUBAN_DATABASE_URL"]


def test_reimport_changes_nothing_and_a_changed_file_is_audited(ready: CliRunner, tmp_path: Path) -> None:
    url = ready_url(ready)
    first = ready("import", str(JIAYUGUAN))
    assert first.code == 0
    assert "新增 18 项" in first.out
    audits = _count(url, AuditEntry)

    again = ready("import", str(JIAYUGUAN))
    assert "新增 0 项，更新 0 项，未变 18 项" in again.out
    assert _count(url, AuditEntry) == audits

    changed = tmp_path / "changed.txt"
    changed.write_text(
        JIAYUGUAN.read_text(encoding="utf-8").replace("整改时限:2021年12月底前", "整改时限:2022年6月底前", 1),
        encoding="utf-8",
    )
    preview = ready("import", str(changed), "--dry-run")
    assert "试运行" in preview.out
    assert "第16项 更新：" in preview.out
    assert _count(url, AuditEntry) == audits

    applied = ready("import", str(changed))
    assert "更新 1 项" in applied.out
    engine = create_engine(url)
    with Session(engine) as session:
        item = session.scalars(select(Item).where(Item.number == "16")).one()
        assert item.deadline is not None
        assert item.deadline.isoformat() == "2022-06-30"
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "update")).one()
        assert entry.entity_id == "16"
        assert entry.before is not None
        assert entry.after is not None
        assert entry.before["deadline"] == "2021-12-31"
        assert entry.after["deadline"] == "2022-06-30"
    engine.dispose()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("garbage.txt", bytes(range(256)) * 50),
        ("notes.txt", "会议纪要\n\n今天讨论了食堂菜单。\n".encode()),
        ("broken.xlsx", b"PK\x03\x04 this is not really a workbook"),
        ("broken.docx", b"not a word file at all"),
        ("empty.csv", b""),
    ],
)
def test_broken_or_non_plan_file_is_refused_and_changes_nothing(
    ready: CliRunner, tmp_path: Path, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = ready("import", str(path))
    assert result.code == 1
    assert "导入失败，台账未作任何改动" in result.out
    assert "✗" in result.out
    assert _count(ready_url(ready), Item) == 0
    assert _count(ready_url(ready), AuditEntry) == 0


def test_json_errors_are_one_document_in_english(ready: CliRunner, tmp_path: Path) -> None:
    ready.env(DUBAN_LOCALE="en")
    path = tmp_path / "garbage.xlsx"
    path.write_bytes(b"\x00\x01\x02")
    result = ready("import", str(path), "--json")
    assert result.code == 1
    document = json.loads(result.out)
    assert document["items"] == []
    assert document["errors"]
    assert document["errors"][0].startswith("Cannot read this file")


def test_export_writes_the_ledger_as_officials_keep_it(ready: CliRunner, tmp_path: Path) -> None:
    ready("import", str(JIAYUGUAN))
    target = tmp_path / "out" / "ledger.xlsx"
    result = ready("export", str(target))
    assert result.code == 0
    assert "18" in result.out
    workbook = load_workbook(target)
    assert workbook.sheetnames == [
        "整改台账",
        "指标台账",
    ]  # the plan states two targets (优良天数比例, PM2.5)
    sheet = workbook.active
    assert sheet is not None
    # The title rows an office hands upward: the title over the whole width, 填报单位 and 截至日期.
    assert sheet["A1"].value == "督察反馈问题整改落实情况台账"
    assert sheet["A1"].font.name == "宋体"
    assert sheet["A1"].font.b
    last_header = sheet.cell(row=3, column=sheet.max_column)
    assert isinstance(last_header, Cell)
    last = last_header.column_letter
    assert f"A1:{last}1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A2"].value == "填报单位：督察整改工作领导小组办公室"
    (date_line,) = [
        c.value for c in sheet[2] if isinstance(c.value, str) and c.value.startswith("截至日期：")
    ]
    assert re.fullmatch(r"截至日期：\d{4}年\d{1,2}月\d{1,2}日", date_line)
    header = [cell.value for cell in sheet[3]]
    assert header[:4] == ["编号", "类别", "标题", "问题描述"]
    assert {"整改状态", "完成进度(%)", "整改进展情况", "督办等级", "逾期天数", "最近报告日期", "销号状态", "销号日期",
            "佐证材料数"} <= set(header)  # fmt: skip
    # Print set-up: A3 landscape, fitted to one page wide, the header row on every page, page numbers.
    setup = sheet.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 8, 1, 0)
    assert sheet.sheet_properties.pageSetUpPr is not None
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.freeze_panes == "B4"
    # Borders on every cell of the table, 宋体 in the header, 仿宋 in the rows.
    for row in sheet.iter_rows(min_row=3, max_row=sheet.max_row):
        assert all(cell.border.left.style == "thin" and cell.border.bottom.style == "thin" for cell in row)
    assert {cell.font.name for cell in sheet[3]} == {"宋体"}
    assert {cell.font.name for cell in sheet[4]} == {"仿宋"}
    assert sheet.max_row == 3 + 18
    # 编号 a number where it is one, so that the office's own sort puts 3 before 24.1.
    numbers = [sheet.cell(row=r, column=1).value for r in range(4, 22)]
    assert [str(n) for n in numbers] == JIAYUGUAN_NUMBERS
    assert all(isinstance(n, int | float) for n in numbers)
    assert sorted(numbers) == numbers  # type: ignore[type-var]
    row16 = {
        h: sheet.cell(row=3 + JIAYUGUAN_NUMBERS.index("16") + 1, column=i + 1).value
        for i, h in enumerate(header)
    }
    assert row16["编号"] == 16
    assert row16["整改状态"] == "逾期未完成"  # long past its deadline at 0 %: not 未启动
    assert row16["责任单位"] == "市住建局"
    assert row16["销号状态"] == "未申请"
    assert row16["整改进展情况"] is None  # nothing reported yet
    # The clock of the CLI is the real one: 2021-12-31 is long past.
    assert isinstance(row16["逾期天数"], int)
    assert row16["逾期天数"] > 300
    assert sheet.column_dimensions["D"].width >= 40
    assert sheet.row_dimensions[4].height > 14.5  # tall enough for its wrapped text
    deadline_cell = sheet.cell(row=4, column=header.index("开始日期") + 1)
    assert deadline_cell.number_format == 'yyyy"年"m"月"d"日"'


def test_export_by_unit_adds_a_sheet_per_unit(ready: CliRunner, tmp_path: Path) -> None:
    ready("import", str(JIAYUGUAN))
    target = tmp_path / "ledger.xlsx"
    assert ready("export", "--by-unit", str(target)).code == 0
    workbook = load_workbook(target)
    assert workbook.sheetnames[0] == "整改台账"
    assert "市住建局" in workbook.sheetnames
    unit = workbook["市住建局"]
    assert unit["A1"].value == "督察反馈问题整改落实情况台账（市住建局）"
    assert [str(unit.cell(row=r, column=1).value) for r in range(4, unit.max_row + 1)] == ["3", "16"]
    assert unit.print_title_rows == "$3:$3"
    # The importer reads the first sheet only: the whole ledger, once.
    again = ready("import", str(target))
    assert "新增 0 项，更新 0 项，未变 18 项" in again.out, again.out


def test_round_trip_import_export_import_changes_nothing(ready: CliRunner, tmp_path: Path) -> None:
    ready("import", str(JIAYUGUAN))
    exported = tmp_path / "ledger.xlsx"
    ready("export", str(exported))
    audits = _count(ready_url(ready), AuditEntry)
    result = ready("import", str(exported), "--json")
    again = ready("import", str(exported))
    assert "新增 0 项，更新 0 项，未变 18 项" in again.out, again.out
    assert _count(ready_url(ready), AuditEntry) == audits
    # And the spreadsheet reads back to the same items the plan gave.
    plan = json.loads(ready("import", str(JIAYUGUAN), "--json").out)["items"]
    assert json.loads(result.out)["items"] == plan


def test_template_is_importable(ready: CliRunner, tmp_path: Path) -> None:
    template = tmp_path / "template.xlsx"
    assert ready("export", "--template", str(template)).code == 0
    workbook = load_workbook(template)
    assert workbook.sheetnames[1] == "说明 Notes"
    result = ready("import", str(template), "--json")
    items = json.loads(result.out)["items"]
    assert [i["number"] for i in items] == ["1"]
    assert items[0]["responsible_units"] == ["市住建局", "市生态环境局"]
    assert items[0]["measures"][0]["due"] == "2026-06-30"


def test_items_listing_filters(ready: CliRunner) -> None:
    ready("import", str(JIAYUGUAN))
    by_unit = json.loads(ready("items", "--json", "--unit", "市住建局").out)
    assert [i["number"] for i in by_unit] == ["3", "16"]
    overdue = json.loads(ready("items", "--json", "--overdue").out)
    assert "1" not in [i["number"] for i in overdue]
    assert "16" in [i["number"] for i in overdue]
    table = ready("items", "--unit", "市住建局").out
    assert "长期坚持" in table
    assert "共 2 项" in table
    units = ready("units").out
    assert "工业园区管委会" in units


def test_console_entry_point_runs_as_a_module(ready: CliRunner) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "units"], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "尚无单位" in result.stdout


def test_robots_are_registered_listed_and_stopped_from_the_command_line(
    ready: CliRunner, sqlite_url: str
) -> None:
    webhook = "https://oapi.dingtalk.com/robot/send?access_token=" + "ab12" * 16
    secret = "SEC" + "0123456789abcdef" * 4
    assert "尚未登记工作群机器人" in ready("robots").out
    added = ready("robots", "add", "钉钉", webhook, "--secret", secret, "--name", "市督查室工作群")
    assert added.code == 0, added.err
    assert "“市督查室工作群”（编号1" in added.out
    assert "ab12" * 16 not in added.out  # the key is shown by its last four only
    assert secret not in added.out
    listed = ready("robots").out
    assert listed.splitlines() == [
        "1\t市督查室工作群\t钉钉\toapi.dingtalk.com/robot/send…ab12\t已加签\t在用",
        "共 1 个机器人，在用 1 个",
    ]
    assert ready("robots", "stop", "1").code == 0
    assert ready("robots").out.splitlines()[0].endswith("\t已停用")
    audits = _count(sqlite_url, AuditEntry)
    # Refused: a platform nobody knows, a DingTalk secret of the wrong shape, a WeCom key with a secret, a robot
    # that is not in use; each says why in Chinese and changes nothing.
    for argv, says in (
        (("robots", "add", "wechat", webhook), "不认识的平台“wechat”"),
        (("robots", "add", "dingtalk", webhook, "--secret", "abc"), "加签"),
        (
            (
                "robots",
                "add",
                "wecom",
                "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1",
                "--secret",
                secret,
            ),
            "不使用加签",
        ),
        (("robots", "stop", "1"), "没有在用的1号机器人"),
        (("robots", "stop", "9"), "没有在用的9号机器人"),
    ):
        result = ready(*argv)
        assert result.code == 1, argv
        assert says in result.err, argv
    assert _count(sqlite_url, GroupRobot) == 1
    assert _count(sqlite_url, AuditEntry) == audits
