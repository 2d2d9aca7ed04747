"""Spot-checks (回头看) and reopening end to end: the daily question to the supervisors on the due day,
Confirm, Reopen with a reply or `/reopen N DATE reason…`, the item back on the ladder, the unit told, and
every refusal changing nothing."""

from __future__ import annotations

from datetime import date

from ledger.model import ItemStatus
from loopback import SentMessage
from storage.review import SpotCheck, SpotCheckStatus
from storage.scheduling import ItemLadder, OutboxMessage
from tests.closing_helpers import (
    LEADER,
    OFFICER,
    OTHER_SUPERVISOR,
    STRANGER,
    SUPERVISOR,
    at,
    audit_actions,
    closing_ledger,
    item,
    press,
    rows,
    sign_off,
    utc,
)
from tests.harness import BotHarness
from tests.status_helpers import status_of

SIGNED = date(2026, 8, 20)
DUE = date(2026, 11, 20)  # three months later


def add_checks(bot: BotHarness, *days: date) -> None:
    with bot.services.sessions() as session, session.begin():
        for day in days:
            session.add(SpotCheck(item_id=1, due_on=day, status=SpotCheckStatus.DUE))


async def asked(bot: BotHarness) -> tuple[SpotCheck, SentMessage]:
    """Item 1 signed off with a check due today (20 November) and one in February; the day's rules ran."""
    await closing_ledger(bot, date(2026, 8, 31))
    sign_off(bot, "1", utc(SIGNED, 2))
    add_checks(bot, DUE, date(2027, 2, 20))
    with bot.services.sessions() as session, session.begin():
        session.add(ItemLadder(item_id=1, level=3, since=date(2026, 8, 1), yellow_count=2))
    bot.clock.set(at(DUE, 9))
    bot.services.daily_run.tick()
    await bot.deliver()
    check = rows(bot, SpotCheck)[0]
    return check, bot.api.last_sent(SUPERVISOR)


async def test_the_supervisor_is_asked_once_on_the_due_day_and_confirms(bot: BotHarness) -> None:
    await closing_ledger(bot, date(2026, 8, 31))
    sign_off(bot, "1", utc(SIGNED, 2))
    add_checks(bot, DUE)
    bot.clock.set(at(date(2026, 11, 19), 9))
    bot.services.daily_run.tick()
    assert [r for r in rows(bot, OutboxMessage) if r.kind == "spotcheck_due"] == []  # not yet due
    bot.clock.set(at(DUE, 9))
    bot.services.daily_run.tick()
    bot.clock.set(at(date(2026, 11, 23), 9))
    bot.services.daily_run.tick()
    due = [r for r in rows(bot, OutboxMessage) if r.kind == "spotcheck_due"]
    assert [r.chat_id for r in due] == [SUPERVISOR]  # once, to the supervisor only

    await bot.deliver()
    question = bot.api.last_sent(SUPERVISOR)
    (check,) = rows(bot, SpotCheck)
    assert (question.text or "").startswith("【回头看】第1项 事项1\n该事项于 2026-08-20 10:00 销号")
    assert question.button_data() == [f"spot_ok:{check.id}", f"spot_re:{check.id}"]

    before = len(bot.api.sent(SUPERVISOR))
    await press(bot, SUPERVISOR, question, f"spot_ok:{check.id}")
    (reply,) = await bot.replies(SUPERVISOR, before)
    assert reply.text == "已记录：第1项 事项1 回头看（2026-11-20）确认问题无反弹。"
    (check,) = rows(bot, SpotCheck)
    assert check.status == SpotCheckStatus.CONFIRMED
    assert check.decided_at == bot.clock.now()
    assert status_of(bot.services, "1") == ItemStatus.SIGNED_OFF
    assert "spotcheck_confirm" in audit_actions(bot)

    again = await press(bot, SUPERVISOR, question, f"spot_re:{check.id}")
    assert again.text == "第1项的这次回头看已处理（已确认无反弹），无需重复操作。"


async def test_reopen_by_replying_to_the_question(bot: BotHarness) -> None:
    check, question = await asked(bot)
    before = len(bot.api.sent(SUPERVISOR))
    await press(bot, SUPERVISOR, question, f"spot_re:{check.id}")
    (ask,) = await bot.replies(SUPERVISOR, before)
    assert (ask.text or "").startswith("重新纳入整改：第1项 事项1\n请回复本消息")
    assert status_of(bot.services, "1") == ItemStatus.SIGNED_OFF  # nothing changes until the answer

    (bad,) = await bot.send(SUPERVISOR, "下个月 问题反弹", reply_to_message_id=ask.message_id)
    assert bad.text == "无法识别日期“下个月”。请写成 2027-06-30 或 2027年6月30日。"
    (no_reason,) = await bot.send(SUPERVISOR, "2027-06-30", reply_to_message_id=ask.message_id)
    assert (no_reason.text or "").startswith("请写明重新纳入整改的原因")
    (past,) = await bot.send(SUPERVISOR, "2026-11-20 问题反弹", reply_to_message_id=ask.message_id)
    assert past.text == "新的整改时限（2026-11-20）须晚于今天。"
    assert status_of(bot.services, "1") == ItemStatus.SIGNED_OFF

    (done,) = await bot.send(
        SUPERVISOR, "2027-06-30 现场核查发现渣土复堆，问题反弹", reply_to_message_id=ask.message_id
    )
    assert (done.text or "").startswith("第1项 事项1 已重新纳入整改，新的整改时限 2027-06-30。")
    # Said only as it is: the unit's messages go now (not in the quiet hours), to the people bound there.
    assert (done.text or "").endswith("事项重新进入督办提醒。已通知：张伟、李局长。")
    reopened = item(bot)
    assert status_of(bot.services, "1") == ItemStatus.REOPENED
    assert (reopened.percent, reopened.reopened_at) == (0, bot.clock.now())  # the rectification starts again
    assert reopened.deadline == date(2027, 6, 30)
    assert [t.deadline for t in reopened.targets] == [date(2027, 6, 30)]
    assert reopened.signed_off_at is None
    first, later = rows(bot, SpotCheck)
    assert first.status == SpotCheckStatus.REOPENED
    assert first.reason == "现场核查发现渣土复堆，问题反弹"
    assert first.new_deadline == date(2027, 6, 30)
    assert later.status == SpotCheckStatus.DUE
    (ladder,) = rows(bot, ItemLadder)
    assert (ladder.level, ladder.since, ladder.yellow_count) == (0, None, 0)  # back on the ladder, fresh
    assert "reopen" in audit_actions(bot)

    await bot.deliver()
    for chat in (OFFICER, LEADER):
        told = bot.api.last_sent(chat).text or ""
        assert told.startswith("【重新纳入整改】第1项 事项1\n王督导 经回头看决定重新纳入整改。"), told
        assert "新的整改时限为 2027-06-30" in told

    # The officer answers the notice: a progress report on the reopened item.
    notice = bot.api.last_sent(OFFICER).message_id
    (receipt,) = await bot.send(OFFICER, "已重新组织清运 20%", reply_to_message_id=notice)
    assert "20%" in (receipt.text or "")
    assert status_of(bot.services, "1") == ItemStatus.REOPENED


async def test_a_reopened_item_is_back_under_dispatch(bot: BotHarness) -> None:
    await asked(bot)
    (reply,) = await bot.send(SUPERVISOR, "/reopen 1 2026-12-31 问题反弹")
    assert (reply.text or "").startswith("第1项 事项1 已重新纳入整改")
    bot.clock.set(at(date(2026, 12, 1), 9))  # a dispatch day
    bot.services.daily_run.tick()
    kinds = {r.kind for r in rows(bot, OutboxMessage) if r.chat_id == OFFICER}
    assert "dispatch" in kinds
    assert rows(bot, SpotCheck)[0].status == SpotCheckStatus.REOPENED  # the check due was the one acted on


async def test_reopen_by_command_without_a_check(bot: BotHarness) -> None:
    await closing_ledger(bot, date(2026, 8, 31), date(2026, 8, 31))
    sign_off(bot, "2", utc(SIGNED, 2))
    (reply,) = await bot.send(SUPERVISOR, "/reopen 2 2027年3月31日 群众再次反映问题")
    assert (reply.text or "").startswith("第2项 事项2 已重新纳入整改，新的整改时限 2027-03-31。")
    assert status_of(bot.services, "2") == ItemStatus.REOPENED
    assert rows(bot, SpotCheck) == []
    (ladder,) = rows(bot, ItemLadder)
    assert ladder.item_id == 2


async def test_reopen_refusals_change_nothing(bot: BotHarness) -> None:
    await closing_ledger(bot, date(2026, 8, 31), date(2027, 8, 31))
    sign_off(bot, "1", utc(SIGNED, 2))
    status_of_2 = status_of(bot.services, "2")
    for user, text, expected in (
        (SUPERVISOR, "/reopen", "用法：/reopen 编号 新的整改时限 原因"),
        (SUPERVISOR, "/reopen 1 2027-13-01 原因", "无法识别日期“2027-13-01”"),
        (SUPERVISOR, "/reopen 1 2027-03-31", "请写明重新纳入整改的原因"),
        (SUPERVISOR, "/reopen 1 2026-11-19 原因", "新的整改时限（2026-11-19）须晚于今天。"),
        (SUPERVISOR, "/reopen 2 2027-03-31 原因", "该事项目前不是已销号状态"),
        (OTHER_SUPERVISOR, "/reopen 1 2027-03-31 原因", "未找到您可查看的第1项"),
        (OFFICER, "/reopen 1 2027-03-31 原因", "该操作需要以下角色之一：督导"),
        (STRANGER, "/reopen 1 2027-03-31 原因", "您好！督办机器人仅供已登记的整改工作人员使用"),
    ):
        (reply,) = await bot.send(user, text)
        assert expected in (reply.text or ""), (text, reply.text)
    assert status_of(bot.services, "1") == ItemStatus.SIGNED_OFF
    assert status_of(bot.services, "2") == status_of_2
    assert "reopen" not in audit_actions(bot)


async def test_wrong_people_pressing_the_buttons_are_refused_and_change_nothing(bot: BotHarness) -> None:
    check, question = await asked(bot)
    for user, data, expected in (
        (OFFICER, f"spot_ok:{check.id}", "该操作需要以下角色之一：督导"),
        (OFFICER, f"spot_re:{check.id}", "该操作需要以下角色之一：督导"),
        (
            OTHER_SUPERVISOR,
            f"spot_ok:{check.id}",
            "只有第1项督导单位的督导人员可以进行回头看或重新纳入整改。",
        ),
        (
            OTHER_SUPERVISOR,
            f"spot_re:{check.id}",
            "只有第1项督导单位的督导人员可以进行回头看或重新纳入整改。",
        ),
        (STRANGER, f"spot_ok:{check.id}", "您好！督办机器人仅供已登记的整改工作人员使用"),
        (SUPERVISOR, "spot_ok:999", "未找到该回头看记录。"),
    ):
        answered = await press(bot, user, question, data)
        assert answered.show_alert
        assert (answered.text or "").startswith(expected[:60]), (user, data, answered.text)
    assert rows(bot, SpotCheck)[0].status == SpotCheckStatus.DUE
    assert status_of(bot.services, "1") == ItemStatus.SIGNED_OFF

    # Reopened by command meanwhile: the old question's buttons are refused.
    await bot.send(SUPERVISOR, "/reopen 1 2027-06-30 问题反弹")
    stale = await press(bot, SUPERVISOR, question, f"spot_ok:{check.id}")
    assert stale.text == "第1项的这次回头看已处理（已重新纳入整改），无需重复操作。"
