"""The roster: `duban units`, `duban people add / list / import`, invite codes, and bad rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.conftest import CliRunner


@pytest.fixture
def ready(cli: CliRunner) -> CliRunner:
    assert cli("db", "upgrade").code == 0
    assert cli("units", "add", "市住建局").code == 0
    return cli


def test_people_add_prints_id_and_one_time_invite_code(ready: CliRunner) -> None:
    result = ready("people", "add", "张伟", "--unit", "市住建局", "--role", "officer", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert set(data) == {"id", "invite_code"}
    assert len(data["invite_code"]) == 10
    people = json.loads(ready("people", "list", "--json").out)
    assert people == [
        {
            "id": data["id"],
            "name": "张伟",
            "telegram_user_id": None,
            "active": True,
            "invite_code": data["invite_code"],
            "roles": [{"role": "officer", "unit": "市住建局"}],
        }
    ]


def test_people_add_with_telegram_id_is_bound_and_chinese_role_names_work(ready: CliRunner) -> None:
    result = ready(
        "people", "add", "李娜", "--unit", "市住建局", "--role", "责任领导", "--telegram-id", "4242"
    )
    assert result.code == 0
    assert "已按 Telegram ID 4242 绑定" in result.out
    again = ready(
        "people", "add", "李娜二", "--unit", "市住建局", "--role", "officer", "--telegram-id", "4242"
    )
    assert again.code == 1
    assert "已绑定到其他人员" in again.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("people", "add", "王", "--unit", "不存在局", "--role", "officer"), "未找到单位“不存在局”"),
        (("people", "add", "王", "--unit", "市住建局", "--role", "boss"), "未知角色“boss”"),
        (("people", "add", "王", "--role", "officer"), "该角色需要指定单位"),
        (("units", "add", "市住建局"), "单位“市住建局”已存在"),
    ],
)
def test_wrong_arguments_are_refused_and_change_nothing(
    ready: CliRunner, argv: tuple[str, ...], message: str
) -> None:
    result = ready(*argv)
    assert result.code == 1
    assert message in result.err
    assert json.loads(ready("people", "list", "--json").out) == []


def test_leadership_needs_no_unit(ready: CliRunner) -> None:
    result = ready("people", "add", "赵局长", "--role", "leadership", "--json")
    assert result.code == 0
    (person,) = json.loads(ready("people", "list", "--json").out)
    assert person["roles"] == [{"role": "leadership", "unit": None}]


def _roster(path: Path) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["姓名", "单位", "角色", "Telegram ID", "电话"])
    sheet.append(["张伟", "市住建局", "责任人员", None, "13800000001"])
    sheet.append(["张伟", "市住建局", "责任领导", None, "13800000001"])
    sheet.append(["刘洋", "市城管局", "officer", 5555, None])
    sheet.append(["陈静", None, "领导小组", None, None])
    workbook.save(path)
    return path


def test_roster_import_creates_people_roles_and_units_once(ready: CliRunner, tmp_path: Path) -> None:
    path = _roster(tmp_path / "roster.xlsx")
    dry = ready("people", "import", str(path), "--dry-run")
    assert "试运行" in dry.out
    assert json.loads(ready("people", "list", "--json").out) == []

    first = ready("people", "import", str(path))
    assert first.code == 0
    assert "新增 3 人，新增角色 1 个，未变 0 条" in first.out
    assert "市城管局" in first.out
    people = {p["name"]: p for p in json.loads(ready("people", "list", "--json").out)}
    assert [r["role"] for r in people["张伟"]["roles"]] == ["officer", "leader"]
    assert people["刘洋"]["telegram_user_id"] == 5555
    assert people["刘洋"]["invite_code"] is None

    again = ready("people", "import", str(path))
    assert "新增 0 人，新增角色 0 个，未变 4 条" in again.out
    assert len(json.loads(ready("people", "list", "--json").out)) == 3


def test_roster_with_bad_rows_is_refused_whole(ready: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(
        "name,unit,role,telegram_id\n王,市住建局,officer,\n李,市住建局,chef,\n孙,市住建局,officer,abc\n"
    )
    result = ready("people", "import", str(path))
    assert result.code == 1
    assert "第3行（角色）：未知角色“chef”" in result.out
    assert "第4行（Telegram ID）" in result.out
    assert json.loads(ready("people", "list", "--json").out) == []
