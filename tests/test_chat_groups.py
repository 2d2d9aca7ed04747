"""Duban in a group chat, end to end: it answers only the commands sent to it, never lists a person's items
in the group (it answers them in private, or says to write to it there), and ignores the conversation.

On the main line before this change, every message in a group got an answer ("未能识别该消息…" to people
talking to each other, the stranger's line to a photo), and `/my` in the group listed the officer's items
to everyone in it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ledger.actor import Actor
from ledger.model import ItemSpec, ParsedLedger, Role, Target
from services.container import Services
from storage.models import ProgressReport
from storage.review import GroupChat
from tests.fake_chat import FakeChat
from tests.harness import ADMIN_ID, BotHarness

GROUP = -100_555_000
OFFICER, STRANGER = 760_001, 760_099
TITLE = "污水管网闭水试验"


async def setup(bot: BotHarness) -> None:
    roster = bot.services.roster
    roster.add_unit("市住建局", actor=Actor.system("test"))
    spec = ItemSpec(
        "16", TITLE, "问题。", date(2026, 1, 1), targets=[Target("目标", date(2027, 6, 30))],
        responsible_units=["市住建局"],
    )  # fmt: skip
    bot.services.ledger.import_ledger(ParsedLedger(items=[spec]), actor=Actor.system("test"), dry_run=False)
    roster.add_person(
        "张伟", unit="市住建局", role=Role.OFFICER, actor=Actor.system("test"), telegram_user_id=OFFICER
    )
    for user, name in ((OFFICER, "张伟"), (ADMIN_ID, "管理员"), (STRANGER, "路人")):
        bot.api.add_user(user, name)
    bot.api.add_group(GROUP, "整改办工作群")


async def say_in_group(bot: BotHarness, user: int, text: str) -> tuple[list[str], list[str]]:
    """`user` writes `text` in the group; what the bot then said in the group, and in `user`'s own chat."""
    group_before, private_before = len(bot.api.sent(GROUP)), len(bot.api.sent(user))
    bot.api.push_text(user, text, chat_id=GROUP)
    await bot.idle()
    return (
        [m.text or "" for m in bot.api.sent(GROUP)[group_before:]],
        [m.text or "" for m in bot.api.sent(user)[private_before:]],
    )


async def test_ordinary_conversation_in_the_group_gets_no_answer(bot: BotHarness) -> None:
    await setup(bot)
    for text in ("大家好，明天上午开调度会", "16号的材料我下午发", "收到"):
        assert await say_in_group(bot, OFFICER, text) == ([], [])
    assert await say_in_group(bot, STRANGER, "这是什么机器人？") == ([], [])
    bot.api.push_photo(OFFICER, b"\x89PNG\r\n\x1a\n" + b"x" * 200, caption="16 闭水试验现场", chat_id=GROUP)
    await bot.idle()
    assert bot.api.sent(GROUP) == []
    assert bot.api.calls("getFile") == []  # a photo shared with colleagues is not taken as evidence


async def test_a_persons_items_are_answered_in_private_never_in_the_group(bot: BotHarness) -> None:
    await setup(bot)
    for command in ("/my", f"/my@{bot.api.username}"):
        in_group, in_private = await say_in_group(bot, OFFICER, command)
        # → (group) 张伟，已私聊回复您。   → (private) 我的整改事项 … 第16项 污水管网闭水试验
        assert in_group == ["张伟，已私聊回复您。"]
        (mine,) = in_private
        assert TITLE in mine
    assert all(TITLE not in (m.text or "") for m in bot.api.sent(GROUP))


async def test_a_command_for_another_bot_or_unknown_is_left_alone(bot: BotHarness) -> None:
    await setup(bot)
    assert await say_in_group(bot, OFFICER, "/my@another_bot") == ([], [])
    assert await say_in_group(bot, OFFICER, "/poll 明天几点开会") == ([], [])  # perhaps another bot's
    in_group, in_private = await say_in_group(bot, OFFICER, f"/poll@{bot.api.username}")
    assert in_group == ["张伟，已私聊回复您。"]
    assert in_private[0].startswith("未能识别该消息")


async def test_someone_the_bot_cannot_write_to_is_told_to_write_in_private(bot: BotHarness) -> None:
    await setup(bot)
    bot.api.block(OFFICER)  # as for someone who never opened a chat with the bot
    in_group, _ = await say_in_group(bot, OFFICER, "/report 16 60% 完成主管道")
    assert in_group == [
        f"张伟，请私聊机器人查看：https://t.me/{bot.api.username}（打开链接后发送 /start，再重新发送该命令）。"
    ]
    with bot.services.sessions() as session:
        assert session.scalars(select(ProgressReport)).all() == []  # nothing done on their behalf


async def test_a_guided_report_started_in_the_group_goes_on_in_private(bot: BotHarness) -> None:
    await setup(bot)
    in_group, in_private = await say_in_group(bot, OFFICER, "/report 16")
    assert in_group == ["张伟，已私聊回复您。"]
    assert in_private[0].startswith(f"报送第16项进展：{TITLE}")
    ask = bot.api.sent(OFFICER)[-1]
    before = len(bot.api.sent(OFFICER))
    update = bot.api.push_callback(OFFICER, ask.message_id, "rp:16:70")
    await bot.api.wait_callback_answered(update["callback_query"]["id"])
    (ask_text,) = await bot.replies(OFFICER, before)
    assert "0% → 70%" in (ask_text.text or "")
    (ask_files,) = await bot.send(OFFICER, "主管道闭水试验合格")
    assert "请发送照片或文件" in (ask_files.text or "")


async def test_help_and_the_groups_own_commands_are_answered_in_the_group(bot: BotHarness) -> None:
    await setup(bot)
    in_group, in_private = await say_in_group(bot, OFFICER, f"/help@{bot.api.username}")
    assert in_private == []
    (help_text,) = in_group
    assert help_text.startswith("在群内，督办机器人只回应发给它的命令")
    assert TITLE not in help_text
    in_group, _ = await say_in_group(bot, ADMIN_ID, "/group_here")
    assert in_group[0].startswith("已将本群（整改办工作群）登记为工作群。")
    with bot.services.sessions() as session:
        group = session.get(GroupChat, GROUP)
        assert group is not None
        assert group.active
    # A refusal of a group command is said where it was asked.
    in_group, _ = await say_in_group(bot, OFFICER, "/group_here off")
    assert in_group[0].startswith("该操作需要以下角色之一：管理员")


async def test_a_stranger_in_the_group(bot: BotHarness) -> None:
    await setup(bot)
    in_group, in_private = await say_in_group(bot, STRANGER, "/my")
    assert in_group == ["路人，已私聊回复您。"]
    assert in_private[0].startswith("您好！督办机器人仅供已登记的整改工作人员使用")


# ---- the same rules through the recording port (no Telegram) -------------------------------------------


async def test_the_group_rules_through_the_routes(services: Services) -> None:
    services.roster.add_unit("市住建局", actor=Actor.system("test"))
    spec = ItemSpec("16", TITLE, "问题。", date(2026, 1, 1), responsible_units=["市住建局"], continuing=True)
    services.ledger.import_ledger(ParsedLedger(items=[spec]), actor=Actor.system("test"), dry_run=False)
    services.roster.add_person(
        "张伟", unit="市住建局", role=Role.OFFICER, actor=Actor.system("test"), telegram_user_id=OFFICER
    )
    chat = FakeChat(services)
    assert await chat.send(OFFICER, "收到，马上处理", group=GROUP, name="张伟") == []
    assert await chat.send(OFFICER, "/my@other_bot", group=GROUP, name="张伟") == []
    assert await chat.send(OFFICER, "/poll", group=GROUP, name="张伟") == []
    said = await chat.send(OFFICER, "/my@duban_bot", group=GROUP, name="张伟")
    assert [s.ref.chat_id for s in said] == [OFFICER, GROUP]
    assert TITLE in said[0].text  # the list, in private
    assert said[1].text == "张伟，已私聊回复您。"
    chat.closed.add(OFFICER)
    (refused,) = await chat.send(OFFICER, "/item 16", group=GROUP, name="张伟")
    assert refused.ref.chat_id == GROUP
    assert refused.text.startswith("张伟，请私聊机器人查看：https://chat.example/duban_bot")
