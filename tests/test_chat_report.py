"""Progress reports end to end: the guided /report with buttons, the one-line form, replies to the bot's
messages, every refusal, and the item's percent, status and audit log after each."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.chat_state import CHAT_STATE_FILE
from ledger.actor import Actor
from ledger.clock import ManualClock
from ledger.model import ItemSpec, ItemStatus, ParsedLedger, Role
from ledger.progress import ProgressInputError, parse_report_line, percent_in_text
from loopback import SentMessage
from storage.models import AuditEntry, Item, ProgressReport
from tests.harness import ADMIN_ID, BotHarness, running_bot, text_of
from tests.status_helpers import state_of

UNIT = "市住建局"
OTHER_UNIT = "市水务局"
SUPERVISOR_UNIT = "市生态环境局"
OFFICER_ID = 710_001
OTHER_OFFICER_ID = 710_002
SUPERVISOR_ID = 710_003
STRANGER_ID = 710_099


async def enrol(bot: BotHarness, user_id: int, name: str, unit: str, role: Role = Role.OFFICER) -> None:
    person = bot.services.roster.add_person(name, unit=unit, role=role, actor=Actor.system("test"))
    await bot.send(user_id, f"/start {person.invite_code}")


async def setup_ledger(bot: BotHarness) -> None:
    """Item 24 of 市住建局 (supervised by 市生态环境局), item 25 of 市水务局, and one officer each."""
    items = [
        ItemSpec("24", "铬污染场地修复推进缓慢", "问题描述", date(2020, 12, 16), responsible_units=[UNIT],
                 supervising_units=[SUPERVISOR_UNIT]),
        ItemSpec("25", "黑臭水体整治", "问题描述", date(2020, 12, 16), responsible_units=[OTHER_UNIT]),
    ]  # fmt: skip
    bot.services.ledger.import_ledger(ParsedLedger(items), actor=Actor.system("test"), dry_run=False)
    await enrol(bot, OFFICER_ID, "张伟", UNIT)
    await enrol(bot, OTHER_OFFICER_ID, "李娜", OTHER_UNIT)


def item_state(bot: BotHarness, number: str = "24") -> tuple[int, ItemStatus]:
    return state_of(bot.services, number)


def reports(bot: BotHarness) -> list[ProgressReport]:
    with bot.services.sessions() as session:
        return list(session.scalars(select(ProgressReport).order_by(ProgressReport.id)))


def report_audit(bot: BotHarness) -> list[AuditEntry]:
    with bot.services.sessions() as session:
        statement = select(AuditEntry).where(AuditEntry.action == "report").order_by(AuditEntry.id)
        return list(session.scalars(statement))


def assert_nothing_stored(bot: BotHarness) -> None:
    assert reports(bot) == []
    assert report_audit(bot) == []
    assert item_state(bot) == (0, ItemStatus.NOT_STARTED)


async def press(bot: BotHarness, user_id: int, message_id: int, data: str) -> SentMessage:
    """The user presses a button under the bot's message; returns the bot's one reply."""
    handled = await bot.press(user_id, message_id, data)
    assert handled.answered
    return handled.reply


# ---- pure rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "number", "percent", "text"),
    [
        ("24 60% 完成清淤", "24", 60, "完成清淤"),
        ("24.1 60 完成清淤", "24.1", 60, "完成清淤"),
        ("24 ６０％ 完成清淤", "24", 60, "完成清淤"),
        ("24 60 % 第一行\n第二行", "24", 60, "第一行\n第二行"),
        ("24 2号池完成清淤", "24", None, "2号池完成清淤"),
        ("24", "24", None, ""),
        ("24 100%", "24", 100, ""),
    ],
)
def test_report_line(arguments: str, number: str, percent: int | None, text: str) -> None:
    line = parse_report_line(arguments)
    assert (line.number, line.percent, line.text) == (number, percent, text)


@pytest.mark.parametrize("arguments", ["24 150% 说明", "24 -5 说明", "24 60.5% 说明", "", "   "])
def test_report_line_refusals(arguments: str) -> None:
    with pytest.raises(ProgressInputError):
        parse_report_line(arguments)


def test_percent_in_text() -> None:
    assert percent_in_text("已完成约 60% 的清淤") == 60
    assert percent_in_text("完成８０％") == 80
    assert percent_in_text("第二批设备已进场") is None
    with pytest.raises(ProgressInputError):
        percent_in_text("完成 120%")


# ---- the guided report ----------------------------------------------------------------------------


@pytest.mark.http  # a whole journey over HTTP
async def test_guided_report_with_buttons_text_and_done(bot: BotHarness) -> None:
    await setup_ledger(bot)
    (ask,) = await bot.send(OFFICER_ID, "/report 24")
    assert text_of(ask).startswith("报送第24项进展：铬污染场地修复推进缓慢")
    assert "当前进度 0%" in text_of(ask)
    assert ask.button_data()[:3] == ["rp:24:0", "rp:24:10", "rp:24:20"]
    assert ask.button_data()[-1] == "rp:24:k"
    assert all(len(data.encode()) < 64 for data in ask.button_data())

    ask_text = await press(bot, OFFICER_ID, ask.message_id, "rp:24:60")
    assert "0% → 60%" in text_of(ask_text)
    pressed = bot.api.message(OFFICER_ID, ask.message_id)
    assert pressed is not None
    assert pressed.buttons() == []  # pressed buttons are gone
    (ask_files,) = await bot.send(OFFICER_ID, "完成2号池清淤，下周进场修复")
    assert "请发送照片或文件" in text_of(ask_files)
    assert ask_files.button_data() == ["rd:24"]
    (summary,) = await bot.send(OFFICER_ID, "/done")
    assert "0% → 60%" in text_of(summary)
    assert "完成2号池清淤" in text_of(summary)
    assert "佐证材料：0 个" in text_of(summary)
    assert summary.button_data() == ["rc:24", "re:24"]
    assert reports(bot) == []  # nothing stored before Confirm

    saved = await press(bot, OFFICER_ID, summary.message_id, "rc:24")
    assert text_of(saved).startswith("已记录第24项进展")
    assert "状态：未启动 → 推进中" in text_of(saved)
    assert item_state(bot) == (60, ItemStatus.IN_PROGRESS)
    (report,) = reports(bot)
    assert (report.percent, report.text) == (60, "完成2号池清淤，下周进场修复")
    assert report.created_at == bot.clock.now()
    (entry,) = report_audit(bot)
    assert entry.before == {"percent": 0, "status": "not_started"}
    assert entry.after == {"percent": 60, "status": "in_progress", "report_id": report.id}
    assert (entry.actor, entry.entity_id) == (bot.actor(OFFICER_ID), "24")

    # The confirmed draft is gone: its buttons now only say so.
    answered = (await bot.press(OFFICER_ID, summary, "rc:24", check_button=False)).answered
    assert answered.text is not None
    assert "已失效" in answered.text
    assert len(reports(bot)) == 1


async def test_guided_report_edit_starts_over_and_keep_current(bot: BotHarness) -> None:
    await setup_ledger(bot)
    (ask,) = await bot.send(OFFICER_ID, "/report 24")
    await press(bot, OFFICER_ID, ask.message_id, "rp:24:30")
    (files_prompt,) = await bot.send(OFFICER_ID, "第一稿")
    summary = await press(bot, OFFICER_ID, files_prompt.message_id, "rd:24")
    assert "0% → 30%" in text_of(summary)
    again = await press(bot, OFFICER_ID, summary.message_id, "re:24")
    assert text_of(again).startswith("报送第24项进展")
    ask_text = await press(bot, OFFICER_ID, again.message_id, "rp:24:k")
    assert "保持 0%" in text_of(ask_text)
    await bot.send(OFFICER_ID, "方案已报审")
    (summary,) = await bot.send(OFFICER_ID, "/done")
    assert "0%（不变）" in text_of(summary)
    assert "方案已报审" in text_of(summary)
    await press(bot, OFFICER_ID, summary.message_id, "rc:24")
    (report,) = reports(bot)
    assert (report.percent, report.text) == (None, "方案已报审")
    assert item_state(bot) == (0, ItemStatus.IN_PROGRESS)


async def test_guided_report_cancel_stores_nothing(bot: BotHarness) -> None:
    await setup_ledger(bot)
    (ask,) = await bot.send(OFFICER_ID, "/report 24")
    await press(bot, OFFICER_ID, ask.message_id, "rp:24:50")
    (cancelled,) = await bot.send(OFFICER_ID, "/cancel")
    assert cancelled.text == "已取消第24项的进展报送，未保存任何内容。"
    # The text that would have been the report's is now just a message nobody expects.
    (unknown,) = await bot.send(OFFICER_ID, "完成清淤")
    assert "已记录" not in text_of(unknown)
    (again,) = await bot.send(OFFICER_ID, "/cancel")
    assert again.text == "当前没有进行中的操作，无需取消。"
    assert_nothing_stored(bot)


# ---- the one-line form ----------------------------------------------------------------------------


async def test_one_line_report_and_a_correction(bot: BotHarness) -> None:
    await setup_ledger(bot)
    (saved,) = await bot.send(OFFICER_ID, "/report 24 60% 完成2号池清淤")
    assert "进度：0% → 60%" in text_of(saved)
    assert item_state(bot) == (60, ItemStatus.IN_PROGRESS)

    bot.clock.advance(timedelta(days=1))
    (done,) = await bot.send(OFFICER_ID, "/report 24 １００％ 全部完成，待验收")
    assert "状态：推进中 → 基本完成" in text_of(done)
    assert item_state(bot) == (100, ItemStatus.BASICALLY_DONE)

    # A lower percent is a correction: it must say why.
    (refused,) = await bot.send(OFFICER_ID, "/report 24 80")
    assert "请写明进展说明" in text_of(refused)
    (corrected,) = await bot.send(OFFICER_ID, "/report 24 80 复核发现3号池未完成")
    assert "100% → 80%" in text_of(corrected)
    assert item_state(bot) == (80, ItemStatus.IN_PROGRESS)
    assert [(e.before, e.after and e.after["percent"]) for e in report_audit(bot)] == [
        ({"percent": 0, "status": "not_started"}, 60),
        ({"percent": 60, "status": "in_progress"}, 100),
        ({"percent": 100, "status": "basically_done"}, 80),
    ]
    assert [r.created_at for r in reports(bot)][1] == bot.clock.now()


async def test_report_by_an_admin_in_english(bot: BotHarness) -> None:
    await setup_ledger(bot)
    (saved,) = await bot.send(ADMIN_ID, "/report 25 40 设备进场", language_code="en")
    assert text_of(saved).startswith("Report on item 25 saved")
    assert "Status: not started → in progress" in text_of(saved)
    assert item_state(bot, "25") == (40, ItemStatus.IN_PROGRESS)


@pytest.mark.parametrize(
    ("user", "text", "expected"),
    [
        (STRANGER_ID, "/report 24 60% 完成", "您好！督办机器人仅供已登记的整改工作人员使用"),
        (OTHER_OFFICER_ID, "/report 24 60% 完成", "未找到您可查看的第24项"),
        (OFFICER_ID, "/report 99 60% 完成", "未找到您可查看的第99项"),
        (OFFICER_ID, "/report 24 150% 完成", "进度“150”无效"),
        (OFFICER_ID, "/report 24 60%", "请写明进展说明"),
        (OFFICER_ID, "/report", "用法：\n/report 编号"),
        (OFFICER_ID, "/report 甲 60", "“甲”不是事项编号"),
    ],
)
async def test_one_line_refusals_store_nothing(bot: BotHarness, user: int, text: str, expected: str) -> None:
    await setup_ledger(bot)
    (reply,) = await bot.send(user, text)
    assert expected in text_of(reply)
    assert_nothing_stored(bot)


async def test_supervisor_sees_the_item_but_does_not_report_on_it(bot: BotHarness) -> None:
    await setup_ledger(bot)
    await enrol(bot, SUPERVISOR_ID, "王督导", SUPERVISOR_UNIT, Role.SUPERVISOR)
    (reply,) = await bot.send(SUPERVISOR_ID, "/report 24 60% 完成")
    assert "需要以下角色之一" in text_of(reply)
    assert_nothing_stored(bot)


async def test_an_english_refusal(bot: BotHarness) -> None:
    await setup_ledger(bot)
    await bot.send(OFFICER_ID, "/lang en")
    (reply,) = await bot.send(OFFICER_ID, "/report 24 101 done")
    assert text_of(reply).startswith('"101" is not a valid percent')
    assert "Usage:" in text_of(reply)


# ---- replies to the bot's messages ----------------------------------------------------------------


async def remember_reminder(bot: BotHarness, user_id: int, number: str = "24") -> int:
    """A reminder as the scheduler will send it: a message of the bot, remembered as about an item."""
    sent = await bot.app.bot.send_message(user_id, f"请于本月18日前报送第{number}项整改进展。")
    with bot.services.sessions() as session:
        item_id = session.scalars(select(Item.id).where(Item.number == number)).one()
    bot.services.reports.remember_message(user_id, sent.message_id, [item_id], "reminder")
    return sent.message_id


async def test_a_reply_to_a_reminder_is_a_report(bot: BotHarness) -> None:
    await setup_ledger(bot)
    reminder = await remember_reminder(bot, OFFICER_ID)
    (saved,) = await bot.send(OFFICER_ID, "已完成约 70% 的清淤工作", reply_to_message_id=reminder)
    assert "0% → 70%" in text_of(saved)
    (report,) = reports(bot)
    assert (report.percent, report.text) == (70, "已完成约 70% 的清淤工作")
    assert item_state(bot) == (70, ItemStatus.IN_PROGRESS)

    # A reply to the receipt is a further report on the same item, here without a percent.
    (again,) = await bot.send(OFFICER_ID, "补充：已聘请第三方监测", reply_to_message_id=saved.message_id)
    assert "进度：70%" in text_of(again)
    assert [r.percent for r in reports(bot)] == [70, None]
    assert len(report_audit(bot)) == 2


async def test_replies_that_are_not_reports(bot: BotHarness) -> None:
    await setup_ledger(bot)
    (help_message,) = await bot.send(OFFICER_ID, "/help")
    (reply,) = await bot.send(OFFICER_ID, "谢谢", reply_to_message_id=help_message.message_id)
    assert "不对应具体事项" in text_of(reply)
    reminder = await remember_reminder(bot, OFFICER_ID)
    (bad,) = await bot.send(OFFICER_ID, "完成 120%", reply_to_message_id=reminder)
    assert "进度“120”无效" in text_of(bad)
    assert_nothing_stored(bot)


async def test_a_guided_report_goes_on_after_the_bot_restarts(tmp_path: Path, clock: ManualClock) -> None:
    """Half-way through a guided report the bot is restarted (a deploy, a reboot): the officer's next
    message goes on with the same draft."""
    async with running_bot(tmp_path, clock) as bot:
        await setup_ledger(bot)
        (ask,) = await bot.send(OFFICER_ID, "/report 24")
        await press(bot, OFFICER_ID, ask.message_id, "rp:24:60")
    assert (tmp_path / "data" / CHAT_STATE_FILE).is_file()
    async with running_bot(tmp_path, clock) as bot:
        (ask_files,) = await bot.send(OFFICER_ID, "完成2号池清淤，下周进场修复")
        assert "请发送照片或文件" in (ask_files.text or "")
        (summary,) = await bot.send(OFFICER_ID, "/done")
        assert "0% → 60%" in (summary.text or "")
        saved = await press(bot, OFFICER_ID, summary.message_id, "rc:24")
        assert (saved.text or "").startswith("已记录第24项进展")
        assert item_state(bot) == (60, ItemStatus.IN_PROGRESS)


async def test_an_edited_report_is_not_filed_again(bot: BotHarness) -> None:
    """Seen on main: an officer who edits "/report 24 60% …" into 75 % had a second report filed, at 75 %."""
    await setup_ledger(bot)
    sent = await bot.say(OFFICER_ID, "/report 24 60% 完成2号池清淤")
    assert text_of(sent.reply).startswith("已记录第24项进展")
    edited = await bot.edit(OFFICER_ID, sent.update["message"]["message_id"], "/report 24 75% 完成2号池清淤")
    assert text_of(edited.reply).startswith("修改后的消息不会重新处理：已记录的内容保持不变。")
    assert [(r.percent, r.text) for r in reports(bot)] == [(60, "完成2号池清淤")]
    assert item_state(bot) == (60, ItemStatus.IN_PROGRESS)
    assert len(report_audit(bot)) == 1


async def test_an_edit_is_no_step_of_the_guided_report(bot: BotHarness) -> None:
    await setup_ledger(bot)
    (ask,) = await bot.send(OFFICER_ID, "/report 24")
    await press(bot, OFFICER_ID, ask.message_id, "rp:24:30")
    text = await bot.say(OFFICER_ID, "第一稿")
    edited = await bot.edit(OFFICER_ID, text.update["message"]["message_id"], "第二稿")
    assert text_of(edited.reply).startswith("修改后的消息不会重新处理")
    (summary,) = await bot.send(OFFICER_ID, "/done")
    assert "第一稿" in text_of(summary)
    assert "第二稿" not in text_of(summary)
    assert_nothing_stored(bot)
