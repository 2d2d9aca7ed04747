"""The admin's chat commands: roster, invites, /import (preview, Apply, Cancel) and /export, end to end."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from ledger.actor import Actor
from ledger.model import Role
from loopback import SentMessage
from services.roster import PersonView
from storage.models import AuditEntry, Item, Person, RoleAssignment, Unit
from tests.conftest import JIAYUGUAN
from tests.harness import ADMIN_ID, BotHarness, text_of

OFFICER_ID = 700_101
STRANGER_ID = 700_999
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _counts(bot: BotHarness) -> dict[str, int]:
    """Rows of every table an admin command may change (the audit log apart)."""
    with bot.services.sessions() as session:
        return {
            model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Unit, Person, RoleAssignment, Item)
        } | {"active": session.scalar(select(func.count()).where(Person.active)) or 0}


def _audit(bot: BotHarness, action: str) -> list[AuditEntry]:
    with bot.services.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _person(bot: BotHarness, name: str) -> PersonView:
    (person,) = [p for p in bot.services.roster.people() if p.name == name]
    return person


async def _bound_officer(bot: BotHarness, name: str = "张伟", unit: str = "市住建局") -> int:
    """An officer of `unit`, bound to OFFICER_ID; returns their person id."""
    if unit not in {known.name for known in bot.services.roster.units()}:
        bot.services.roster.add_unit(unit, actor=Actor.system("test"))
    person = bot.services.roster.add_person(name, unit=unit, role=Role.OFFICER, actor=Actor.system("test"))
    (reply,) = await bot.send(OFFICER_ID, f"/start {person.invite_code}")
    assert text_of(reply).startswith("绑定成功")
    return person.id


# --- roster ---------------------------------------------------------------------------------------


async def test_units_and_unit_add(bot: BotHarness) -> None:
    (empty,) = await bot.send(ADMIN_ID, "/units")
    assert text_of(empty).startswith("尚无单位")
    (added,) = await bot.send(ADMIN_ID, "/unit_add 市住建局")
    assert added.text == "已添加单位：市住建局"
    (again,) = await bot.send(ADMIN_ID, "/unit_add 市住建局")
    assert again.text == "单位“市住建局”已存在。"
    (usage,) = await bot.send(ADMIN_ID, "/unit_add")
    assert text_of(usage).startswith("用法：/unit_add 单位名称")
    (listed,) = await bot.send(ADMIN_ID, "/units")
    assert listed.text == "单位 1 个：\n· 市住建局：责任事项 0 项"
    assert _counts(bot)["Unit"] == 1
    (entry,) = _audit(bot, "create")
    assert (entry.entity, entry.actor, entry.after) == ("unit", bot.actor(ADMIN_ID), {"name": "市住建局"})


async def test_person_add_answers_the_code_and_the_deep_link_that_binds(bot: BotHarness) -> None:
    await bot.send(ADMIN_ID, "/unit_add 市住建局")
    (reply,) = await bot.send(ADMIN_ID, "/person_add 张伟 市住建局 责任人员")
    person = _person(bot, "张伟")
    assert person.invite_code is not None
    assert text_of(reply).startswith(f"已添加：#{person.id} 张伟 · 责任人员（市住建局）")
    link = f"https://t.me/{bot.api.username}?start={person.invite_code}"
    assert f"一次性邀请码：{person.invite_code}" in text_of(reply)
    assert f"绑定链接：{link}" in text_of(reply)
    # Opening the link makes the client send /start CODE.
    (bound,) = await bot.send(OFFICER_ID, "/start " + link.rsplit("=", 1)[1])
    assert text_of(bound).startswith("绑定成功，张伟！")

    (english,) = await bot.send(ADMIN_ID, "/person_add 李娜 市住建局 supervisor")
    assert "督导（市住建局）" in text_of(english)
    (leadership,) = await bot.send(ADMIN_ID, "/person_add 王强 领导小组")
    assert "王强 · 领导小组" in text_of(leadership)
    assert [(r.role, r.unit) for r in _person(bot, "王强").roles] == [(Role.LEADERSHIP, None)]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/person_add 王五 不存在局 责任人员", "未找到单位“不存在局”"),
        ("/person_add 王五 市住建局 老板", "未知角色“老板”"),
        ("/person_add 王五 责任人员", "该角色需要指定单位。"),
        ("/person_add 王五", "用法：/person_add 姓名 单位 角色"),
        ("/person_add 王五 市住建局 责任人员 多余", "用法：/person_add 姓名 单位 角色"),
        ("/role", "用法：/role 人员 角色 单位"),
        ("/role 无此人 督导 市住建局", "未找到人员“无此人”"),
        ("/role 99999 督导 市住建局", "未找到人员“99999”"),
        ("/deactivate 123456789012345678901", "未找到人员“123456789012345678901”"),
        ("/deactivate", "用法：/deactivate 人员"),
        ("/deactivate 无此人", "未找到人员“无此人”"),
        ("/invite", "用法：/invite 人员"),
        ("/invite 张伟 again", "用法：/invite 人员"),
        ("/people 不存在局", "未找到单位“不存在局”"),
    ],
)
async def test_wrong_arguments_get_a_clear_answer_and_change_nothing(
    bot: BotHarness, command: str, expected: str
) -> None:
    await bot.send(ADMIN_ID, "/unit_add 市住建局")
    before = _counts(bot)
    (reply,) = await bot.send(ADMIN_ID, command)
    assert expected in text_of(reply)
    assert _counts(bot) == before


async def test_people_lists_roles_binding_and_deactivation(bot: BotHarness) -> None:
    officer_id = await _bound_officer(bot)
    bot.services.roster.add_unit("市水务局", actor=Actor.system("test"))
    waiting = bot.services.roster.add_person(
        "李娜", unit="市水务局", role=Role.LEADER, actor=Actor.system("test")
    )
    (everyone,) = await bot.send(ADMIN_ID, "/people", first_name="管理员甲")
    admin = _person(bot, "管理员甲")
    assert text_of(everyone).splitlines() == [
        "全部人员 3 人：",
        f"#{officer_id} 张伟 · 责任人员（市住建局） · 已绑定",
        f"#{waiting.id} 李娜 · 责任领导（市水务局） · 未绑定",
        f"#{admin.id} 管理员甲 · 管理员 · 已绑定",
        "/invite 编号 取得未绑定人员的邀请链接和二维码。",
    ]
    await bot.send(ADMIN_ID, f"/deactivate {officer_id}")
    (one_unit,) = await bot.send(ADMIN_ID, "/people 市住建局")
    assert text_of(one_unit).splitlines()[:2] == [
        "市住建局人员 1 人：",
        f"#{officer_id} 张伟 · 责任人员（市住建局） · 已绑定 · 已停用",
    ]


async def test_role_grants_with_audit_and_an_ambiguous_name_lists_the_candidates(bot: BotHarness) -> None:
    for unit in ("市住建局", "市水务局", "市生态环境局"):
        bot.services.roster.add_unit(unit, actor=Actor.system("test"))
    first = bot.services.roster.add_person(
        "张伟", unit="市住建局", role=Role.OFFICER, actor=Actor.system("test")
    )
    second = bot.services.roster.add_person(
        "张伟", unit="市水务局", role=Role.LEADER, actor=Actor.system("test")
    )
    await bot.send(ADMIN_ID, "/units")  # the admin is enrolled on their first message
    before = _counts(bot)
    (ambiguous,) = await bot.send(ADMIN_ID, "/role 张伟 督导 市生态环境局")
    assert text_of(ambiguous).splitlines() == [
        "名为“张伟”的有 2 人，请改用编号：",
        f"#{first.id} 张伟 · 责任人员（市住建局）",
        f"#{second.id} 张伟 · 责任领导（市水务局）",
    ]
    assert _counts(bot) == before

    (granted,) = await bot.send(ADMIN_ID, f"/role {second.id} supervisor 市生态环境局")
    assert granted.text == (
        f"已授予角色。张伟（#{second.id}）现有角色：责任领导（市水务局）、督导（市生态环境局）"
    )
    (entry,) = _audit(bot, "grant_role")
    assert entry.entity_id == str(second.id)
    assert entry.before == {"roles": [{"role": "leader", "unit": "市水务局"}]}
    assert entry.after == {
        "roles": [{"role": "leader", "unit": "市水务局"}, {"role": "supervisor", "unit": "市生态环境局"}]
    }
    (again,) = await bot.send(ADMIN_ID, f"/role {second.id} 督导 市生态环境局")
    assert again.text == "张伟已有该角色：督导（市生态环境局），未作改动。"
    (no_unit,) = await bot.send(ADMIN_ID, f"/role {second.id} 督导")
    assert no_unit.text == "该角色需要指定单位。"
    (unknown_unit,) = await bot.send(ADMIN_ID, f"/role {second.id} 督导 不存在局")
    assert "未找到单位“不存在局”" in text_of(unknown_unit)
    assert len(_audit(bot, "grant_role")) == 1


async def test_deactivated_person_gets_the_stranger_line_and_keeps_the_binding(bot: BotHarness) -> None:
    officer_id = await _bound_officer(bot)
    (done,) = await bot.send(ADMIN_ID, "/deactivate 张伟")
    assert text_of(done).startswith(f"已停用：#{officer_id} 张伟。")
    (refused,) = await bot.send(OFFICER_ID, "/help")
    assert text_of(refused).startswith("您好！督办机器人仅供已登记的整改工作人员使用")
    person = _person(bot, "张伟")
    assert (person.active, person.telegram_user_id) == (False, OFFICER_ID)
    (entry,) = _audit(bot, "deactivate")
    assert (entry.entity_id, entry.before, entry.after) == (
        str(officer_id),
        {"active": True, "invite_code": None},
        {"active": False, "invite_code": None},
    )

    (again,) = await bot.send(ADMIN_ID, f"/deactivate {officer_id}")
    assert again.text == "张伟已停用，未作改动。"
    (admin,) = [p for p in bot.services.roster.people() if p.telegram_user_id == ADMIN_ID]
    (self_,) = await bot.send(ADMIN_ID, f"/deactivate {admin.id}")
    assert self_.text == "不能停用您自己的账号。"
    assert len(_audit(bot, "deactivate")) == 1


async def test_a_deactivated_person_cannot_bind_with_their_code(bot: BotHarness) -> None:
    bot.services.roster.add_unit("市住建局", actor=Actor.system("test"))
    person = bot.services.roster.add_person(
        "李娜", unit="市住建局", role=Role.OFFICER, actor=Actor.system("test")
    )
    await bot.send(ADMIN_ID, f"/deactivate {person.id}")
    (refused,) = await bot.send(OFFICER_ID, f"/start {person.invite_code}")
    assert "邀请码无效" in text_of(refused)
    (invite,) = await bot.send(ADMIN_ID, f"/invite {person.id} new")
    assert invite.text == "李娜已停用，未作改动。"


@pytest.mark.http  # a photo upload over HTTP
async def test_invite_sends_the_link_and_its_qr_code_as_a_photo(bot: BotHarness) -> None:
    bot.services.roster.add_unit("市住建局", actor=Actor.system("test"))
    person = bot.services.roster.add_person(
        "李娜", unit="市住建局", role=Role.OFFICER, actor=Actor.system("test")
    )
    (photo,) = await bot.send(ADMIN_ID, "/invite 李娜")
    assert photo.method == "sendPhoto"
    assert photo.document is not None
    assert photo.document.startswith(PNG_MAGIC)
    link = f"https://t.me/{bot.api.username}?start={person.invite_code}"
    assert photo.text is not None
    assert f"邀请码：{person.invite_code}" in photo.text
    assert link in photo.text
    assert _audit(bot, "new_invite") == []

    # A lost code: a new one replaces it and the old one stops working.
    (renewed,) = await bot.send(ADMIN_ID, f"/invite {person.id} new")
    code = _person(bot, "李娜").invite_code
    assert code is not None
    assert code != person.invite_code
    assert renewed.text is not None
    assert renewed.text.startswith(f"#{person.id} 李娜")
    assert f"新邀请码：{code}" in renewed.text
    assert "旧邀请码已作废" in renewed.text
    (entry,) = _audit(bot, "new_invite")
    assert (entry.before, entry.after) == ({"invite_code": person.invite_code}, {"invite_code": code})
    (old,) = await bot.send(OFFICER_ID, f"/start {person.invite_code}")
    assert "邀请码无效" in text_of(old)
    (bound,) = await bot.send(OFFICER_ID, f"/start {code}")
    assert text_of(bound).startswith("绑定成功")

    (already,) = await bot.send(ADMIN_ID, "/invite 李娜")
    assert already.text == "李娜已绑定 Telegram 账号，无需邀请。"


ADMIN_COMMANDS = [
    "/units",
    "/unit_add 市水务局",
    "/people",
    "/person_add 王五 市住建局 责任人员",
    "/role 张伟 督导 市住建局",
    "/deactivate 张伟",
    "/invite 张伟",
    "/import",
    "/export",
]


@pytest.mark.parametrize("command", ADMIN_COMMANDS)
async def test_an_officer_is_refused_with_the_role_named_and_nothing_changes(
    bot: BotHarness, command: str
) -> None:
    await _bound_officer(bot)
    before = _counts(bot)
    (reply,) = await bot.send(OFFICER_ID, command)
    assert reply.text == "该操作需要以下角色之一：管理员。如有疑问请联系管理员。"
    assert _counts(bot) == before


@pytest.mark.parametrize("command", ADMIN_COMMANDS)
async def test_a_stranger_gets_the_stranger_line(bot: BotHarness, command: str) -> None:
    (reply,) = await bot.send(STRANGER_ID, command)
    assert text_of(reply).startswith("您好！督办机器人仅供已登记的整改工作人员使用")
    assert _counts(bot)["Unit"] == 0


# --- /import and /export --------------------------------------------------------------------------


async def _upload(
    bot: BotHarness, user_id: int, data: bytes, file_name: str, caption: str | None = "/import", **kwargs: Any
) -> SentMessage:
    return (await bot.send_document(user_id, data, file_name, caption=caption, **kwargs)).reply


async def _press(bot: BotHarness, user_id: int, message: SentMessage, data: str, **kwargs: Any) -> str:
    """Press a button; returns the callback query id once the bot handled it (and answered it)."""
    return (await bot.press(user_id, message, data, **kwargs)).answered.callback_query_id


def _item_count(bot: BotHarness) -> int:
    return _counts(bot)["Item"]


def _ledger_xlsx(rows: list[tuple[str, str, str, str]]) -> bytes:
    """A spreadsheet ledger as an office keeps it: number, problem, deadline, responsible unit."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["编号", "问题描述", "整改时限", "责任单位"])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


LEDGER_ROWS = [
    ("1", "污水处理厂提标改造进展缓慢。", "2026年12月底前", "市住建局"),
    ("2", "饮用水水源地保护区内仍有违规建筑。", "2026年6月底前", "市水务局"),
]


@pytest.mark.http  # the uploaded plan downloaded over HTTP, a whole import
async def test_import_a_plan_preview_then_apply_once(bot: BotHarness, tmp_path: Path) -> None:
    preview = await _upload(bot, ADMIN_ID, JIAYUGUAN.read_bytes(), JIAYUGUAN.name)
    lines = preview.text.splitlines() if preview.text else []
    assert lines[0] == "导入预览（尚未写入）：将新增 18 项，更新 0 项，未变 0 项。"
    assert any(line.startswith("· 新单位 ") for line in lines)
    apply, cancel = preview.button_data()
    assert apply.startswith("import:apply:")
    assert cancel.startswith("import:cancel:")
    assert len(apply.encode()) < 64
    assert [b["text"] for b in preview.buttons()] == ["确认导入", "取消"]
    assert _item_count(bot) == 0
    assert _counts(bot)["Unit"] == 0

    before = len(bot.api.sent(ADMIN_ID))
    await _press(bot, ADMIN_ID, preview, apply)
    (done,) = await bot.replies(ADMIN_ID, before)
    assert done.text is not None
    assert done.text.startswith("已导入：新增 18 项，更新 0 项，未变 0 项。")
    assert _item_count(bot) == 18
    assert bot.api.message(ADMIN_ID, preview.message_id).reply_markup is None  # type: ignore[union-attr]
    assert {e.actor for e in _audit(bot, "create")} == {bot.actor(ADMIN_ID)}
    kept = list((tmp_path / "data" / "imports").iterdir())
    assert [p.name.split(".", 1)[1] for p in kept] == ["applied.txt"]
    assert kept[0].read_bytes() == JIAYUGUAN.read_bytes()

    # A second press (a stale client still showing the button) does nothing.
    audit_before = len(_audit(bot, "create"))
    sent_before = len(bot.api.sent(ADMIN_ID))
    query_id = await _press(bot, ADMIN_ID, preview, apply, check_button=False)
    answered = bot.api.callback_answer(query_id)
    assert answered is not None
    assert answered.text == "该导入已处理过（已导入或已取消），不会重复执行。"
    assert len(bot.api.sent(ADMIN_ID)) == sent_before
    assert len(_audit(bot, "create")) == audit_before

    # The same file again: nothing would change, so there is nothing to apply.
    again = await _upload(bot, ADMIN_ID, JIAYUGUAN.read_bytes(), JIAYUGUAN.name)
    assert again.text is not None
    lines = again.text.splitlines()
    assert lines[:3] == [
        "文件与台账一致，导入不会带来任何改动（未变 18 项）。",
        "· 读取 18 条，导入 18 项，合并 0 条，跳过 0 条。",
        "· 责任单位待分解 4 项：1、2、14、30（在台账表格中填写责任单位后重新导入即可）",
    ]
    assert again.button_data() == []
    assert len(list((tmp_path / "data" / "imports").iterdir())) == 1


async def test_import_a_spreadsheet_by_reply_then_cancel(bot: BotHarness) -> None:
    # A file without a caption is not an import (whatever else answers it); replying /import to it is.
    upload = bot.api.push_document(ADMIN_ID, _ledger_xlsx(LEDGER_ROWS), "台账.xlsx")
    await bot.idle()
    (preview,) = await bot.send(ADMIN_ID, "/import", reply_to_message_id=upload["message"]["message_id"])
    assert preview.text is not None
    assert preview.text.startswith("导入预览（尚未写入）：将新增 2 项，更新 0 项，未变 0 项。")
    assert "· 新增事项编号：1、2" in preview.text
    assert "· 新单位 2 个：市住建局、市水务局" in preview.text
    apply, cancel = preview.button_data()

    before = len(bot.api.sent(ADMIN_ID))
    await _press(bot, ADMIN_ID, preview, cancel)
    (cancelled,) = await bot.replies(ADMIN_ID, before)
    assert cancelled.text == "已取消导入，台账未作任何改动。"
    assert bot.api.message(ADMIN_ID, preview.message_id).reply_markup is None  # type: ignore[union-attr]
    assert _counts(bot)["Item"] == 0
    assert _counts(bot)["Unit"] == 0

    # Apply after Cancel does nothing.
    query_id = await _press(bot, ADMIN_ID, preview, apply, check_button=False)
    assert bot.api.callback_answer(query_id).text.startswith("该导入已处理过")  # type: ignore[union-attr]
    assert _counts(bot)["Item"] == 0


async def test_import_preview_names_the_changed_fields(bot: BotHarness) -> None:
    first = await _upload(bot, ADMIN_ID, _ledger_xlsx(LEDGER_ROWS), "ledger.xlsx")
    await _press(bot, ADMIN_ID, first, first.button_data()[0])
    assert _item_count(bot) == 2
    changed = [LEDGER_ROWS[0], ("2", LEDGER_ROWS[1][1], "2026年9月底前", "市水务局")]
    preview = await _upload(bot, ADMIN_ID, _ledger_xlsx(changed), "ledger.xlsx")
    assert preview.text is not None
    lines = preview.text.splitlines()
    assert lines[0] == "导入预览（尚未写入）：将新增 0 项，更新 1 项，未变 1 项。"
    assert "· 第2项 更新：截止日期、整改时限、整改目标" in lines
    with bot.services.sessions() as session:
        item = session.scalars(select(Item).where(Item.number == "2")).one()
        assert item.deadline_text == "2026年6月底前"


@pytest.mark.parametrize(
    ("data", "file_name", "expected"),
    [
        (b"PK\x03\x04 this is not really a workbook", "ledger.xlsx", "无法读取"),
        ("你好，这是一份会议通知。\n请各单位准时参会。".encode(), "通知.txt", "✗"),
        (b"\x00\x01\x02\xff" * 100, "scan.bin", "✗"),
    ],
)
async def test_a_broken_or_non_plan_file_is_refused_and_changes_nothing(
    bot: BotHarness, tmp_path: Path, data: bytes, file_name: str, expected: str
) -> None:
    reply = await _upload(bot, ADMIN_ID, data, file_name)
    assert reply.text is not None
    assert reply.text.startswith("导入失败，台账未作任何改动：")
    assert expected in reply.text
    assert reply.button_data() == []
    assert _counts(bot)["Item"] == 0
    assert list((tmp_path / "data" / "imports").iterdir()) == []


async def test_import_refusals(bot: BotHarness) -> None:
    (usage,) = await bot.send(ADMIN_ID, "/import")
    assert text_of(usage).startswith("用法：发送整改方案")
    big = await _upload(bot, ADMIN_ID, b"x", "huge.txt", file_size=30 * 1024 * 1024)
    assert big.text is not None
    assert big.text.startswith("文件超过 20 MB")

    await _bound_officer(bot)
    refused = await _upload(bot, OFFICER_ID, JIAYUGUAN.read_bytes(), JIAYUGUAN.name)
    assert refused.text == "该操作需要以下角色之一：管理员。如有疑问请联系管理员。"

    # An officer pressing Apply under the admin's preview (as in a group) is refused; nothing changes.
    preview = await _upload(bot, ADMIN_ID, JIAYUGUAN.read_bytes(), JIAYUGUAN.name)
    before = len(bot.api.sent(ADMIN_ID))
    pressed = await bot.press(OFFICER_ID, preview, preview.button_data()[0])
    denied = pressed.answered
    # The refusal is an alert on the button itself, so the button stops spinning; nothing is posted.
    assert denied.text == "该操作需要以下角色之一：管理员。如有疑问请联系管理员。"
    assert denied.show_alert
    assert len(bot.api.sent(ADMIN_ID)) == before
    assert _item_count(bot) == 0
    assert preview.button_data()
    await _press(bot, ADMIN_ID, preview, preview.button_data()[0])
    assert _item_count(bot) == 18


@pytest.mark.http  # a multipart upload over HTTP
async def test_export_sends_the_ledger_workbook(bot: BotHarness) -> None:
    preview = await _upload(bot, ADMIN_ID, JIAYUGUAN.read_bytes(), JIAYUGUAN.name)
    await _press(bot, ADMIN_ID, preview, preview.button_data()[0])
    (document,) = await bot.send(ADMIN_ID, "/export")
    assert document.method == "sendDocument"
    assert document.filename == "整改台账-2026-11-20.xlsx"
    assert document.text == "整改台账，共 18 项。"
    assert document.document is not None
    sheet = load_workbook(io.BytesIO(document.document)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "督察反馈问题整改落实情况台账"
    assert rows[2][:2] == ("编号", "类别")
    numbers = [str(row[0]) for row in rows[3:]]
    with bot.services.sessions() as session:
        assert numbers == list(session.scalars(select(Item.number).order_by(Item.sort_key)))
    assert len(numbers) == 18


async def test_admin_commands_answer_in_english(bot: BotHarness) -> None:
    await bot.send(ADMIN_ID, "/lang en")
    (units,) = await bot.send(ADMIN_ID, "/units")
    assert text_of(units).startswith("No units yet.")
    (usage,) = await bot.send(ADMIN_ID, "/person_add 张伟")
    assert text_of(usage).startswith("Usage: /person_add NAME UNIT ROLE")
