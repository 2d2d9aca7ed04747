"""Replies and evidence as officials send them, end to end: the bot's message about several items (merged by
the sender) labels each button row with its item and asks which item a reply is about; a photo captioned
"16 闭水试验现场" is evidence of item 16 with that caption; a file sent during a guided /report joins it.

Each test is a transcript: what the officer sends (←) and sees (→), then the rows in the store. On the
main line before this change each of them failed: the merged message's rows all read "立即报送 已知悉", a
reply to it was refused ("您回复的消息不对应具体事项"), a captioned photo was refused and lost, and a photo
during a guided report became a report of its own.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from ledger.actor import Actor
from ledger.model import ItemSpec, ParsedLedger, Role, Target
from loopback import SentMessage
from services.container import Services
from storage.models import BotMessage, EvidenceFile, Item, Person, ProgressReport
from tests.harness import ADMIN_ID, BotHarness, text_of

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICER = 720_001
OTHER_OFFICER = 720_002
UNIT, OTHER_UNIT = "市住建局", "市水务局"
PHOTO = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x04\x00\x00\x00\x03\x00" + b"closed-water test" * 60
DISPATCH_DAY = datetime(2026, 12, 16, 9, 0, tzinfo=SHANGHAI).astimezone(UTC)  # a dispatch day, a Wednesday


START_PERCENT = 60


def photo(n: int) -> bytes:
    return PHOTO + f"#{n}".encode()


async def setup(bot: BotHarness) -> None:
    """Items 16, 24.1 and complaint J2024-017 of 市住建局, item 31 of 市水务局; one officer each."""
    roster = bot.services.roster
    for unit in (UNIT, OTHER_UNIT, "整改办"):
        roster.add_unit(unit, actor=Actor.system("test"))

    def spec(number: str, title: str, unit: str) -> ItemSpec:
        return ItemSpec(
            number, title, f"{title}。", date(2026, 1, 1), targets=[Target("目标", date(2027, 6, 30))],
            responsible_units=[unit], supervising_units=["整改办"],
        )  # fmt: skip

    specs = [
        spec("16", "污水管网闭水试验", UNIT),
        spec("24.1", "铬渣堆场整治", UNIT),
        spec("J2024-017", "小区污水外溢", UNIT),
        spec("31", "黑臭水体整治", OTHER_UNIT),
    ]
    bot.services.ledger.import_ledger(ParsedLedger(items=specs), actor=Actor.system("test"), dry_run=False)
    with bot.services.sessions() as session, session.begin():
        for item in session.scalars(select(Item)):
            item.percent = START_PERCENT  # on schedule: the dispatch day brings dispatches, no ladder
    for user, name, unit in ((OFFICER, "张伟", UNIT), (OTHER_OFFICER, "李娜", OTHER_UNIT)):
        roster.add_person(
            name, unit=unit, role=Role.OFFICER, actor=Actor.system("test"), telegram_user_id=user
        )
        bot.api.add_user(user, name)
    bot.api.add_user(ADMIN_ID, "管理员")


async def merged_dispatch(bot: BotHarness) -> SentMessage:
    """The dispatch day's tick: the officer's three dispatches reach them merged into one message."""
    bot.clock.set(DISPATCH_DAY)
    bot.services.daily_run.tick()
    await bot.deliver()
    (message,) = bot.api.sent(OFFICER)
    return message


def rows(bot: BotHarness, model: type[ProgressReport] | type[EvidenceFile]) -> list[object]:
    with bot.services.sessions() as session:
        return list(session.scalars(select(model).order_by(model.id)))


def reports(bot: BotHarness) -> list[tuple[str, int | None, str]]:
    """Every stored report: (item number, percent, text)."""
    with bot.services.sessions() as session:
        statement = (
            select(Item.number, ProgressReport.percent, ProgressReport.text)
            .join(Item, Item.id == ProgressReport.item_id)
            .order_by(ProgressReport.id)
        )
        return [tuple(row) for row in session.execute(statement)]  # type: ignore[misc]


def evidence(bot: BotHarness) -> list[tuple[str, str | None, int | None]]:
    """Every stored evidence file: (item number, caption, report id)."""
    with bot.services.sessions() as session:
        statement = (
            select(Item.number, EvidenceFile.caption, EvidenceFile.report_id)
            .join(Item, Item.id == EvidenceFile.item_id)
            .order_by(EvidenceFile.id)
        )
        return [tuple(row) for row in session.execute(statement)]  # type: ignore[misc]


def labels(message: SentMessage) -> list[list[str]]:
    assert message.reply_markup is not None
    return [[button["text"] for button in row] for row in message.reply_markup["inline_keyboard"]]


async def press(bot: BotHarness, user: int, message_id: int, data: str) -> tuple[str, list[str]]:
    """The user presses a button; the press's answer ("" when it only stopped spinning) and the messages
    the bot sent back."""
    before = len(bot.api.sent(user))
    update = bot.api.push_callback(user, message_id, data, check_button=False)
    answered = await bot.api.wait_callback_answered(update["callback_query"]["id"])
    await bot.idle()
    return answered.text or "", [m.text or "" for m in bot.api.sent(user)[before:]]


async def push_photo(bot: BotHarness, user: int, data: bytes, **kwargs: object) -> list[str]:
    before = len(bot.api.sent(user))
    bot.api.push_photo(user, data, **kwargs)  # type: ignore[arg-type]
    await bot.idle()
    return [m.text or "" for m in bot.api.sent(user)[before:]]


# ---- a message about several items ------------------------------------------------------------------


async def test_a_merged_message_labels_each_button_row_with_its_item(bot: BotHarness) -> None:
    await setup(bot)
    message = await merged_dispatch(bot)
    # → 【进展调度】第16项 …  【进展调度】第24.1项 …  【进展调度】第J2024-017项 …, one message
    for number in ("16", "24.1", "J2024-017"):
        assert f"【进展调度】第{number}项" in text_of(message)
    assert labels(message) == [
        ["第16项 立即报送", "已知悉"],
        ["第24.1项 立即报送", "已知悉"],
        ["第J2024-017项 立即报送", "已知悉"],
    ]
    assert message.button_data()[0::2] == ["nr:16", "nr:24.1", "nr:J2024-017"]
    with bot.services.sessions() as session:
        recorded = session.execute(
            select(Item.number, BotMessage.position)
            .join(Item, Item.id == BotMessage.item_id)
            .where(BotMessage.chat_id == OFFICER, BotMessage.message_id == message.message_id)
            .order_by(BotMessage.position)
        ).all()
    assert recorded == [("16", 0), ("24.1", 1), ("J2024-017", 2)]


async def test_a_message_about_one_item_keeps_its_plain_buttons(bot: BotHarness) -> None:
    await setup(bot)
    bot.clock.set(DISPATCH_DAY)
    bot.services.daily_run.tick()
    await bot.deliver()
    (message,) = bot.api.sent(OTHER_OFFICER)  # 李娜 has one item: nothing to merge
    assert labels(message) == [["立即报送", "已知悉"]]
    # ← "已完成60%" as a reply: a report on item 31, as before
    (saved,) = await bot.send(OTHER_OFFICER, "已完成60%", reply_to_message_id=message.message_id)
    assert (saved.text or "").startswith("已记录第31项进展")
    assert reports(bot) == [("31", 60, "已完成60%")]


async def test_a_reply_to_a_merged_message_asks_which_item(bot: BotHarness) -> None:
    await setup(bot)
    message = await merged_dispatch(bot)
    # ← "管网闭水试验已完成 70%" as a reply to the merged message
    (question,) = await bot.send(OFFICER, "管网闭水试验已完成 70%", reply_to_message_id=message.message_id)
    # → 这条消息涉及多个事项，您的回复是关于哪一项？ [第16项 …] [第24.1项 …] [第J2024-017项 …]
    assert text_of(question).startswith("这条消息涉及多个事项，您的回复是关于哪一项？")
    assert "第24.1项 铬渣堆场整治（当前 60%）" in text_of(question)
    assert question.button_data() == ["ri:16", "ri:24.1", "ri:J2024-017"]
    assert labels(question) == [
        ["第16项 污水管网闭水试验"],
        ["第24.1项 铬渣堆场整治"],
        ["第J2024-017项 小区污水外溢"],
    ]
    assert reports(bot) == []  # nothing stored before the choice

    # ← [第16项] → 已记录第16项进展 … 60% → 70%
    answer, said = await press(bot, OFFICER, question.message_id, "ri:16")
    assert answer == ""
    (saved,) = said
    assert saved.startswith("已记录第16项进展：污水管网闭水试验")
    assert "60% → 70%" in saved
    assert reports(bot) == [("16", 70, "管网闭水试验已完成 70%")]
    pressed = bot.api.message(OFFICER, question.message_id)
    assert pressed is not None
    assert pressed.buttons() == []

    # The question is answered: its buttons, pressed again (an old client), change nothing.
    answer, said = await press(bot, OFFICER, question.message_id, "ri:24.1")
    assert "该问题已失效" in answer
    assert said == []
    assert len(reports(bot)) == 1


async def test_a_reply_naming_one_of_the_items_is_a_report_on_it(bot: BotHarness) -> None:
    await setup(bot)
    message = await merged_dispatch(bot)
    # ← "24.1 铬渣已转运 75%" as a reply: it names item 24.1 of the message
    (saved,) = await bot.send(OFFICER, "24.1 铬渣已转运 75%", reply_to_message_id=message.message_id)
    assert text_of(saved).startswith("已记录第24.1项进展")
    assert reports(bot) == [("24.1", 75, "铬渣已转运 75%")]


async def test_an_album_replying_to_a_merged_message_is_one_report_after_the_choice(bot: BotHarness) -> None:
    await setup(bot)
    message = await merged_dispatch(bot)
    before = len(bot.api.sent(OFFICER))
    bot.api.push_photo(
        OFFICER, photo(1), caption="现场照片", media_group_id="al-1", reply_to=message.message_id
    )
    bot.api.push_photo(OFFICER, photo(2), media_group_id="al-1", reply_to=message.message_id)
    bot.api.push_photo(OFFICER, photo(3), media_group_id="al-1", reply_to=message.message_id)
    await bot.idle()
    (question,) = bot.api.sent(OFFICER)[before:]  # one question for the album
    assert "您的佐证材料是关于哪一项？" in text_of(question)
    assert evidence(bot) == []
    _, said = await press(bot, OFFICER, question.message_id, "ri:J2024-017")
    (saved,) = said
    assert "佐证材料：3 个" in saved
    ((report_id, *_),) = [(r.id,) for r in rows(bot, ProgressReport)]  # type: ignore[attr-defined]
    assert evidence(bot) == [("J2024-017", "现场照片", report_id)] * 3
    assert reports(bot) == [("J2024-017", None, "现场照片")]


@pytest.mark.parametrize(
    ("send", "expected"),
    [
        ("/cancel", "已放弃该回复，未保存任何内容。"),
        ("ri:31", "该问题已失效"),  # an item the question did not offer (李娜's)
        ("ri:99", "该问题已失效"),
    ],
)
async def test_a_question_dropped_or_answered_wrongly_stores_nothing(
    bot: BotHarness, send: str, expected: str
) -> None:
    await setup(bot)
    message = await merged_dispatch(bot)
    (question,) = await bot.send(OFFICER, "已完成", reply_to_message_id=message.message_id)
    if send.startswith("/"):
        (reply,) = await bot.send(OFFICER, send)
        assert reply.text == expected
        answer, _ = await press(bot, OFFICER, question.message_id, "ri:16")
        assert "该问题已失效" in answer
    else:
        answer, said = await press(bot, OFFICER, question.message_id, send)
        assert expected in answer
        assert said == []
    assert reports(bot) == []
    assert set(item_percents(bot).values()) == {START_PERCENT}


async def test_a_bad_percent_in_a_reply_to_a_merged_message_is_refused_before_asking(bot: BotHarness) -> None:
    await setup(bot)
    message = await merged_dispatch(bot)
    (reply,) = await bot.send(OFFICER, "完成 120%", reply_to_message_id=message.message_id)
    assert "进度“120”无效" in text_of(reply)
    assert reply.button_data() == []
    assert reports(bot) == []


def item_percents(bot: BotHarness) -> dict[str, int]:
    with bot.services.sessions() as session:
        return dict(session.execute(select(Item.number, Item.percent)).all())


# ---- a caption names the item -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caption", "number", "text"),
    [
        ("16 闭水试验现场", "16", "闭水试验现场"),
        ("第16项 闭水试验现场", "16", "闭水试验现场"),
        ("第十六项：闭水试验现场", "16", "闭水试验现场"),
        ("１６　闭水试验现场", "16", "闭水试验现场"),
        ("16、闭水试验完成 80%", "16", "闭水试验完成 80%"),
        ("24.1 铬渣转运现场", "24.1", "铬渣转运现场"),
        ("第24.1项铬渣转运现场", "24.1", "铬渣转运现场"),
        ("J2024-017 外溢点已封堵", "J2024-017", "外溢点已封堵"),
        ("j2024-017", "J2024-017", ""),
    ],
)
async def test_a_photo_captioned_with_an_item_is_its_evidence_with_that_caption(
    bot: BotHarness, caption: str, number: str, text: str
) -> None:
    await setup(bot)
    # ← [照片] "16 闭水试验现场"
    (saved,) = await push_photo(bot, OFFICER, photo(1), caption=caption)
    # → 已记录第16项进展 … 佐证材料：1 个
    assert saved.startswith(f"已记录第{number}项进展")
    assert "佐证材料：1 个" in saved
    ((report_id,),) = [(r.id,) for r in rows(bot, ProgressReport)]  # type: ignore[attr-defined]
    assert evidence(bot) == [(number, text or None, report_id)]
    percent = 80 if "80%" in caption else None
    assert reports(bot) == [(number, percent, text)]


@pytest.mark.parametrize(
    ("caption", "first_line"),
    [
        (None, "未注明事项编号，未保存。"),
        ("闭水试验现场", "未注明事项编号，未保存。"),
        ("2号池清淤完成", "未注明事项编号，未保存。"),  # "2号池" is no item number
        ("99 闭水试验现场", "第99项不是您可报送进展的事项，未保存。"),
        ("31 黑臭水体现场", "第31项不是您可报送进展的事项，未保存。"),  # another unit's: said as for 99
    ],
)
async def test_a_caption_naming_no_item_of_theirs_says_which_items_they_may_report_on(
    bot: BotHarness, caption: str | None, first_line: str
) -> None:
    await setup(bot)
    (reply,) = await push_photo(bot, OFFICER, photo(1), caption=caption)
    lines = reply.splitlines()
    assert lines[0].startswith(first_line)
    assert lines[-4:] == [
        "您可报送的事项：",
        "第16项 污水管网闭水试验",
        "第24.1项 铬渣堆场整治",
        "第J2024-017项 小区污水外溢",
    ]
    assert reports(bot) == []
    assert evidence(bot) == []
    assert bot.api.calls("getFile") == []  # nothing was even downloaded


async def test_an_english_refusal_lists_the_items_in_english(bot: BotHarness) -> None:
    await setup(bot)
    await bot.send(OFFICER, "/lang en")
    (reply,) = await push_photo(bot, OFFICER, photo(1), caption="site photos")
    assert reply.startswith("No item number given; nothing was saved.")
    assert "Items you may report on:\n16 污水管网闭水试验" in reply


async def test_an_album_captioned_with_an_item_is_one_report(bot: BotHarness) -> None:
    await setup(bot)
    before = len(bot.api.sent(OFFICER))
    bot.api.push_photo(OFFICER, photo(1), caption="16 闭水试验现场", media_group_id="al-2")
    bot.api.push_photo(OFFICER, photo(2), media_group_id="al-2")
    await bot.idle()
    (saved,) = bot.api.sent(OFFICER)[before:]
    assert text_of(saved).startswith("已记录第16项进展")
    ((report_id,),) = [(r.id,) for r in rows(bot, ProgressReport)]  # type: ignore[attr-defined]
    assert evidence(bot) == [("16", "闭水试验现场", report_id)] * 2


# ---- a guided report takes the files sent during it ------------------------------------------------------


async def test_a_photo_sent_at_any_step_of_a_guided_report_joins_it(bot: BotHarness) -> None:
    await setup(bot)
    (ask,) = await bot.send(OFFICER, "/report 16")
    # ← [照片] "16 闭水试验现场" before the percent is chosen
    (added,) = await push_photo(bot, OFFICER, photo(1), caption="16 闭水试验现场")
    assert added == "已收到佐证材料（共 1 个），将随本次报送一并保存。\n请先点选上方的完成进度。"
    assert reports(bot) == []  # not a report of its own
    _, said = await press(bot, OFFICER, ask.message_id, "rp:16:70")
    assert "请发送进展说明" in said[0]
    # ← [照片] "主管道闭水试验合格" at the text step: its caption is the report's text
    (added,) = await push_photo(bot, OFFICER, photo(2), caption="主管道闭水试验合格")
    assert added.startswith("已收到佐证材料（共 2 个）")
    assert "说明：主管道闭水试验合格" in added
    (summary,) = await bot.send(OFFICER, "/done")
    assert "佐证材料：2 个" in text_of(summary)
    # ← [文件] at the confirm step: the summary comes again with the new count
    before = len(bot.api.sent(OFFICER))
    bot.api.push_document(OFFICER, b"%PDF-1.7 test report", "闭水试验记录.pdf")
    await bot.idle()
    (summary,) = bot.api.sent(OFFICER)[before:]
    assert "佐证材料：3 个" in (summary.text or "")
    _, said = await press(bot, OFFICER, summary.message_id, "rc:16")
    assert "佐证材料：3 个" in said[0]
    assert reports(bot) == [("16", 70, "主管道闭水试验合格")]
    ((report_id,),) = [(r.id,) for r in rows(bot, ProgressReport)]  # type: ignore[attr-defined]
    assert evidence(bot) == [
        ("16", "闭水试验现场", report_id),
        ("16", "主管道闭水试验合格", report_id),
        ("16", None, report_id),
    ]


async def test_a_photo_naming_another_item_during_a_guided_report_is_that_items_evidence(
    bot: BotHarness,
) -> None:
    await setup(bot)
    await bot.send(OFFICER, "/report 16")
    (saved,) = await push_photo(bot, OFFICER, photo(1), caption="24.1 铬渣转运现场")
    assert saved.startswith("已记录第24.1项进展")
    assert reports(bot) == [("24.1", None, "铬渣转运现场")]
    # The guided report of item 16 goes on.
    conversation = bot.app.bot_data.memory.get((OFFICER, OFFICER), bot.clock.now())
    assert conversation is not None
    assert conversation.topic == "report"


async def test_a_bad_file_during_a_guided_report_is_refused_and_the_draft_kept(bot: BotHarness) -> None:
    await setup(bot)
    (ask,) = await bot.send(OFFICER, "/report 16")
    before = len(bot.api.sent(OFFICER))
    bot.api.push_document(OFFICER, b"MZ\x90\x00", "setup.exe")
    await bot.idle()
    (refused,) = bot.api.sent(OFFICER)[before:]
    assert "不支持该文件类型（“setup.exe”）" in (refused.text or "")
    _, said = await press(bot, OFFICER, ask.message_id, "rp:16:30")
    assert "请发送进展说明" in said[0]
    assert reports(bot) == []


async def test_the_question_and_its_answer_in_english(bot: BotHarness) -> None:
    await setup(bot)
    with bot.services.sessions() as session, session.begin():
        person = session.scalars(select(Person).where(Person.telegram_user_id == OFFICER)).one()
        person.locale = "en"
    message = await merged_dispatch(bot)
    assert labels(message)[0] == ["Item 16: Report now", "Acknowledge"]
    (question,) = await bot.send(OFFICER, "pipes tested", reply_to_message_id=message.message_id)
    assert text_of(question).startswith("This message is about several items. Which one is your reply about?")
    assert labels(question)[1] == ["Item 24.1: 铬渣堆场整治"]
    (dropped,) = await bot.send(OFFICER, "/cancel")
    assert dropped.text == "The reply was dropped; nothing was saved."
    assert reports(bot) == []


def test_a_message_is_recorded_about_its_items_in_order_and_can_be_re_pointed(services: Services) -> None:
    services.roster.add_unit(UNIT, actor=Actor.system("test"))
    specs = [
        ItemSpec(n, f"事项{n}", "问题。", date(2026, 1, 1), responsible_units=[UNIT])
        for n in ("3", "16", "24.1")
    ]
    services.ledger.import_ledger(ParsedLedger(items=specs), actor=Actor.system("test"), dry_run=False)
    with services.sessions() as session:
        ids = dict(session.execute(select(Item.number, Item.id)).all())
    services.reports.remember_message(OFFICER, 7, [ids["24.1"], ids["3"], ids["16"], ids["3"]], "reminder")
    assert services.reports.items_of_message(OFFICER, 7) == [
        "24.1",
        "3",
        "16",
    ]  # the message's order, once each
    services.reports.remember_message(OFFICER, 7, [ids["16"]], "report")
    assert services.reports.items_of_message(OFFICER, 7) == ["16"]
    assert services.reports.items_of_message(OFFICER, 8) == []
