"""The scheduler end to end: the tick writes the outbox, the sender delivers through the loopback Bot API.

Time moves only on the injected clock; the sender's sleeps are recorded, never slept.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select

from bot.sender import DEFAULT_LEASE
from ledger.actor import Actor
from ledger.clock import ManualClock
from ledger.model import ItemSpec, ParsedLedger, Role, Target
from scheduler.rules import Level
from storage.models import AuditEntry, Item, Person
from storage.scheduling import (
    DispatchRequest,
    Escalation,
    ItemLadder,
    OutboxMessage,
    OutboxStatus,
    SchedulerSetting,
)
from tests.harness import ADMIN_ID, BotHarness, running_bot, text_of

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICER = 700_101
LEADER = 700_102
SUPERVISOR = 700_103


def at(day: date, hour: int = 0, minute: int = 5) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


async def setup_ledger(bot: BotHarness, *deadlines: date | None, percent: int = 95) -> None:
    """Items of 市住建局 supervised by 整改办, `percent` done (95: on schedule, so no ladder unless asked)."""
    roster = bot.services.roster
    roster.add_unit("市住建局", actor=Actor.system("test"))
    roster.add_unit("整改办", actor=Actor.system("test"))
    specs = [
        ItemSpec(
            number=str(n), title=f"事项{n}", problem=f"问题{n}。", start=date(2026, 1, 1),
            continuing=deadline is None, targets=[Target(f"目标{n}", deadline)] if deadline else [],
            responsible_units=["市住建局"], supervising_units=["整改办"],
        )
        for n, deadline in enumerate(deadlines, start=1)
    ]  # fmt: skip
    bot.services.ledger.import_ledger(ParsedLedger(items=specs), actor=Actor.system("test"), dry_run=False)
    with bot.services.sessions() as session, session.begin():
        for item in session.scalars(select(Item)):
            item.percent = percent
    for user, name, role, unit in (
        (OFFICER, "张伟", Role.OFFICER, "市住建局"),
        (LEADER, "李局长", Role.LEADER, "市住建局"),
        (SUPERVISOR, "王督导", Role.SUPERVISOR, "整改办"),
    ):
        roster.add_person(name, unit=unit, role=role, actor=Actor.system("test"), telegram_user_id=user)
        bot.api.add_user(user, name)
    bot.api.add_user(ADMIN_ID, "管理员")
    await bot.send(ADMIN_ID, "/whoami")


def outbox(bot: BotHarness) -> list[OutboxMessage]:
    with bot.services.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


class RecordedSleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


async def test_a_reminder_is_written_at_midnight_and_delivered_after_the_quiet_hours(bot: BotHarness) -> None:
    await setup_ledger(bot, date(2026, 12, 31))
    day = date(2026, 12, 11)  # 14 working days before 31 December
    bot.clock.set(at(day, 0, 5))
    result = bot.services.daily_run.tick()
    assert result.ran_days
    rows = [r for r in outbox(bot) if r.kind == "reminder"]
    assert [r.chat_id for r in rows] == [OFFICER]
    assert rows[0].not_before == at(day, 8, 0)
    drained = await bot.deliver()
    assert drained.sent == 0
    assert bot.api.sent(OFFICER) == []

    bot.clock.set(at(day, 8, 0))
    drained = await bot.deliver()
    assert drained.sent == 1
    (message,) = bot.api.sent(OFFICER)
    assert text_of(message).startswith("【整改时限提醒】第1项 事项1")
    assert "还有 14 个工作日" in text_of(message)
    assert message.button_data() == [f"nr:{rows[0].item_id}", f"na:{rows[0].id}", f"ns:{rows[0].id}"]
    assert outbox(bot)[0].telegram_message_id == message.message_id

    assert not bot.services.daily_run.tick().ran_days
    assert (await bot.deliver()).sent == 0
    assert len(bot.api.sent(OFFICER)) == 1


async def test_messages_due_together_to_one_person_are_merged(bot: BotHarness) -> None:
    await setup_ledger(bot, date(2026, 12, 31), date(2026, 12, 31), None)
    day = date(2026, 12, 16)  # a dispatch day and the 11th working day before 31 December
    bot.clock.set(at(day, 9, 0))
    bot.services.daily_run.tick()
    assert (await bot.deliver()).sent == 2  # the officer's merged dispatches and the supervisor's digest
    (message,) = bot.api.sent(OFFICER)
    for number in ("1", "2", "3"):
        assert f"【进展调度】第{number}项" in text_of(message)
    statuses = sorted(r.status for r in outbox(bot) if r.chat_id == OFFICER)
    assert statuses == [OutboxStatus.MERGED, OutboxStatus.MERGED, OutboxStatus.SENT]


async def test_catch_up_after_downtime_sends_once_and_marks_old_dispatches_missed(bot: BotHarness) -> None:
    await setup_ledger(bot, date(2026, 12, 31))
    bot.clock.set(at(date(2026, 10, 20), 9))
    bot.services.daily_run.tick()
    bot.clock.set(at(date(2026, 12, 22), 9))  # down since 20 October
    result = bot.services.daily_run.tick()
    assert result.missed_dispatch_days == [date(2026, 11, 2), date(2026, 11, 16), date(2026, 12, 1)]
    kinds = sorted(r.kind for r in outbox(bot) if r.created_at == bot.clock.now())
    assert kinds.count("dispatch") == 1
    assert kinds.count("reminder") == 1
    with bot.services.sessions() as session:
        missed = session.scalar(select(func.count()).where(DispatchRequest.missed.is_(True)))
        assert missed == 3


async def test_a_429_storm_delays_but_loses_nothing(tmp_path: Path, clock: ManualClock) -> None:
    sleeps = RecordedSleeps()  # the sender's sleep is injected: record instead of waiting
    async with running_bot(
        tmp_path, clock, sleep=sleeps, transport="http"
    ) as bot:  # 429s through PTB's HTTP stack
        await _storm(bot, sleeps)


async def _storm(bot: BotHarness, sleeps: RecordedSleeps) -> None:
    await setup_ledger(bot, date(2026, 12, 31))
    bot.clock.set(at(date(2026, 12, 16), 9))
    bot.services.daily_run.tick()
    bot.api.inject_429(times=4, retry_after=3)
    result = await bot.deliver()
    assert result.too_many_requests == 4
    assert 3.0 in sleeps.calls
    assert result.sent == 2  # the officer's dispatch and the supervisor's digest
    assert len(bot.api.sent(OFFICER)) == 1


@pytest.mark.http  # the 502 through PTB's HTTP stack
async def test_a_502_after_telegram_accepted_the_message_is_resent_on_record(bot: BotHarness) -> None:
    """A proxy's 502 (or a timeout) after the message reached the chat: the bot cannot know it arrived, so it
    sends it again, and the repeat is on record, never silent."""
    await setup_ledger(bot, date(2026, 12, 31))
    bot.clock.set(at(date(2026, 12, 16), 9))
    bot.services.daily_run.tick()
    bot.api.inject_5xx(times=1, status=502, after_accepting=True)
    first = await bot.deliver()
    assert first.possible_repeats == 1
    assert len(bot.api.sent(OFFICER)) == 1  # it arrived, though the bot was told "Bad Gateway"
    bot.clock.advance(timedelta(minutes=1))  # past the back-off
    await bot.deliver()
    copies = bot.api.sent(OFFICER)
    assert len(copies) == 2
    assert copies[0].text == copies[1].text
    (row,) = [r for r in outbox(bot) if r.chat_id == OFFICER]
    assert row.status == OutboxStatus.SENT
    assert row.possible_repeat
    with bot.services.sessions() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "resend_possible_repeat")
        ).all()
    assert [(e.entity_id, (e.after or {}).get("reason")) for e in entries] == [(str(row.id), "no_answer")]


@pytest.mark.http  # Telegram's 403 through PTB's HTTP stack
async def test_a_blocked_officer_is_marked_unreachable_and_the_admin_and_leader_are_told(
    bot: BotHarness,
) -> None:
    await setup_ledger(bot, date(2026, 12, 31))
    bot.api.block(OFFICER)
    bot.clock.set(at(date(2026, 12, 16), 9))
    bot.services.daily_run.tick()
    result = await bot.deliver()
    assert result.unreachable == 1
    with bot.services.sessions() as session:
        officer = session.scalars(select(Person).where(Person.telegram_user_id == OFFICER)).one()
        assert officer.unreachable_at == bot.clock.now()
    for chat in (ADMIN_ID, LEADER):
        texts = [m.text or "" for m in bot.api.sent(chat)]
        assert any(t.startswith("张伟 已屏蔽督办机器人") for t in texts), texts


async def test_a_crash_between_claim_and_send_resends_once_on_record(bot: BotHarness) -> None:
    await setup_ledger(bot, date(2026, 12, 31))
    bot.clock.set(at(date(2026, 12, 16), 9))
    bot.services.daily_run.tick()
    claimed = bot.sender._claim()  # claimed and committed, then the process dies
    assert claimed
    assert bot.api.sent(OFFICER) == []
    # While the claim's lease runs, nobody takes the rows: their sender may still be sending them.
    assert (await bot.deliver()).sent == 0
    bot.clock.advance(DEFAULT_LEASE + timedelta(seconds=1))  # the lease ran out: its process is gone
    assert (await bot.deliver()).sent == 2  # the officer's dispatch and the supervisor's digest
    assert (await bot.deliver()).sent == 0
    assert len(bot.api.sent(OFFICER)) == 1
    (row,) = [r for r in outbox(bot) if r.chat_id == OFFICER]
    assert row.possible_repeat
    with bot.services.sessions() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "resend_possible_repeat")
        ).all()
        assert {entry.entity_id for entry in entries} == {
            str(row.id) for row in outbox(bot) if row.possible_repeat
        }
        assert {entry.after["reason"] for entry in entries if entry.after} == {"claim_expired"}


async def test_sent_rows_are_never_sent_again_after_a_restart(bot: BotHarness) -> None:
    await setup_ledger(bot, date(2026, 12, 31))
    bot.clock.set(at(date(2026, 12, 16), 9))
    bot.services.daily_run.tick()
    await bot.deliver()
    assert bot.sender.recover() == 0
    assert (await bot.deliver()).sent == 0
    assert len(bot.api.sent(OFFICER)) == 1


@pytest.mark.http  # a whole journey over HTTP
async def test_unanswered_dispatch_climbs_to_blue_and_a_report_lowers_it(bot: BotHarness) -> None:
    await setup_ledger(bot, date(2027, 6, 30), percent=60)
    bot.clock.set(at(date(2026, 11, 16), 9))  # dispatch day; answer due 19 November
    bot.services.daily_run.tick()
    await bot.deliver()  # the dispatch reaches the officer: from now on it can count against him
    for day in (date(2026, 11, 17), date(2026, 11, 23), date(2026, 11, 24)):
        bot.clock.set(at(day, 9))
        bot.services.daily_run.tick()
    with bot.services.sessions() as session:
        (escalation,) = session.scalars(select(Escalation))
        assert (escalation.level, escalation.reason) == (Level.BLUE, "dispatch_unanswered")
        assert escalation.facts == [{"key": "dispatch_unanswered", "count": 1}]
        assert escalation.issued_at == at(date(2026, 11, 24), 9)
    await bot.deliver()
    texts = [m.text or "" for m in bot.api.sent(OFFICER)]
    assert any("【督办提醒】第1项" in t and "原因：调度逾期未报送1次。" in t for t in texts), texts

    (receipt,) = await bot.send(OFFICER, "/report 1 70% 已完成方案编制")
    assert "70%" in text_of(receipt)
    with bot.services.sessions() as session:
        ladder = session.get(ItemLadder, 1)
        assert ladder is not None
        assert ladder.level == Level.NONE
        dispatch = session.scalars(select(DispatchRequest)).one()
        assert dispatch.answered_at is not None


@pytest.mark.parametrize("hour", [21, 23, 7])
async def test_nothing_but_urgent_messages_go_out_in_quiet_hours(bot: BotHarness, hour: int) -> None:
    await setup_ledger(bot, date(2026, 12, 31))
    bot.clock.set(at(date(2026, 12, 16), 9))
    bot.services.daily_run.tick()
    day = date(2026, 12, 16) if hour >= 21 else date(2026, 12, 17)
    bot.clock.set(at(day, hour, 0))
    with bot.services.sessions() as session, session.begin():
        for row in session.scalars(select(OutboxMessage)):
            row.not_before = bot.clock.now() - timedelta(minutes=1)
    assert (await bot.deliver()).sent == 0


async def _reminded(bot: BotHarness) -> tuple[OutboxMessage, int]:
    """A delivered 14-day reminder for item 1 (deadline 31 December); returns its row and message id."""
    await setup_ledger(bot, date(2026, 12, 31))
    bot.clock.set(at(date(2026, 12, 11), 9))
    bot.services.daily_run.tick()
    await bot.deliver()
    (row,) = [r for r in outbox(bot) if r.kind == "reminder"]
    assert row.telegram_message_id is not None
    return row, row.telegram_message_id


async def test_a_reply_to_a_reminder_is_a_report_on_its_item(bot: BotHarness) -> None:
    _, message_id = await _reminded(bot)
    (receipt,) = await bot.send(OFFICER, "98% 已全部完成，待验收", reply_to_message_id=message_id)
    assert "98%" in text_of(receipt)
    with bot.services.sessions() as session:
        item = session.scalars(select(Item).where(Item.number == "1")).one()
        assert item.percent == 98


async def test_acknowledge_and_snooze_buttons(bot: BotHarness) -> None:
    row, message_id = await _reminded(bot)
    answered = (await bot.press(OFFICER, message_id, f"na:{row.id}")).answered
    assert answered.text == "已记录：已知悉第1项。"
    answered = (await bot.press(OFFICER, message_id, f"ns:{row.id}")).answered
    assert answered.text == "第1项的提醒已顺延至 2026-12-14 09:05。"
    snoozed = [r for r in outbox(bot) if r.snooze_of_id == row.id]
    assert [r.not_before for r in snoozed] == [at(date(2026, 12, 14), 9, 5)]
    bot.clock.set(at(date(2026, 12, 14), 9, 5))
    await bot.deliver()
    again = bot.api.sent(OFFICER)[-1]
    assert text_of(again).startswith("【整改时限提醒】第1项")
    answered = (await bot.press(OFFICER, again, again.button_data()[2])).answered
    assert answered.text == "第1项的提醒已顺延至 2026-12-15 09:05。"
    bot.clock.set(at(date(2026, 12, 15), 9, 5))
    await bot.deliver()
    last = bot.api.sent(OFFICER)[-1]
    answered = (await bot.press(OFFICER, last, last.button_data()[2])).answered
    assert answered.text == "每条提醒最多顺延 2 次。"
    with bot.services.sessions() as session:
        actions = [a for a in session.scalars(select(AuditEntry.action)) if a in ("acknowledge", "snooze")]
        assert actions == ["acknowledge", "snooze", "snooze"]


async def test_someone_else_pressing_a_reminder_button_is_refused(bot: BotHarness) -> None:
    row, message_id = await _reminded(bot)
    answered = (
        await bot.press(LEADER, message_id, f"ns:{row.id}", chat_id=OFFICER, check_button=False)
    ).answered
    assert answered.text == "该按钮不是发给您的，或已失效。"
    assert [r for r in outbox(bot) if r.snooze_of_id == row.id] == []


async def test_report_now_opens_the_guided_report(bot: BotHarness) -> None:
    _, message_id = await _reminded(bot)
    (question,) = (await bot.press(OFFICER, message_id, "nr:1")).replies
    assert "第1项" in text_of(question)
    assert "rp:1:50" in question.button_data()


async def test_supervisor_issues_a_warning_by_hand_and_an_officer_may_not(bot: BotHarness) -> None:
    await setup_ledger(bot, date(2026, 12, 31))
    (refused,) = await bot.send(OFFICER, "/warn 1 进度太慢")
    assert text_of(refused).startswith("该操作需要以下角色之一：督导")
    (issued,) = await bot.send(SUPERVISOR, "/warn 1 进度太慢")
    assert issued.text == "已记录第1项 事项1 的预警。已通知：张伟、李局长。"
    with bot.services.sessions() as session:
        escalation = session.scalars(select(Escalation)).one()
        assert (escalation.level, escalation.reason, escalation.note) == (Level.YELLOW, "by_hand", "进度太慢")
    await bot.deliver()
    for chat in (OFFICER, LEADER):
        assert any("【预警】第1项" in text_of(m) for m in bot.api.sent(chat))
    (usage,) = await bot.send(SUPERVISOR, "/notice")
    assert usage.text == "用法：/notice 编号 [说明]"
    (card,) = await bot.send(OFFICER, "/item 1")
    assert "督办记录：\n· 2026-11-20 10:00 预警：督导单位决定（进度太慢）" in text_of(card)


async def test_the_job_queue_runs_the_tick_and_the_sender(tmp_path: Path, clock: ManualClock) -> None:
    clock.set(at(date(2026, 12, 11), 9))
    async with running_bot(
        tmp_path, clock, scheduled=True, transport="http"
    ) as bot:  # polling as `duban run` polls
        queue = bot.app.job_queue
        assert queue is not None
        assert {job.name for job in queue.jobs()} == {"tick", "drain"}
        await setup_ledger(bot, date(2026, 12, 31))
        with bot.services.sessions() as session, session.begin():
            session.execute(delete(SchedulerSetting))  # the tick at start saw an empty ledger
        (tick,) = queue.get_jobs_by_name("tick")
        await tick.run(bot.app)
        (message,) = await bot.api.wait_sent(OFFICER)
        assert text_of(message).startswith("【整改时限提醒】第1项")


async def test_the_ladder_does_not_move_at_weekends(bot: BotHarness) -> None:
    await setup_ledger(bot, date(2026, 11, 20), percent=30)  # deadline Friday 20 November
    bot.clock.set(at(date(2026, 11, 21), 9))  # Saturday: the deadline has passed, but nobody works
    bot.services.daily_run.tick()
    with bot.services.sessions() as session:
        assert session.scalars(select(Escalation)).all() == []
    bot.clock.set(at(date(2026, 11, 23), 9))  # Monday
    bot.services.daily_run.tick()
    with bot.services.sessions() as session:
        (escalation,) = session.scalars(select(Escalation))
        assert (escalation.level, escalation.reason) == (Level.YELLOW, "deadline_passed")


async def test_an_item_with_a_cadence_of_its_own(bot: BotHarness) -> None:
    await setup_ledger(bot, date(2027, 6, 30), date(2027, 6, 30))
    (refused,) = await bot.send(OFFICER, "/cadence 1 5,20")
    assert text_of(refused).startswith("该操作需要以下角色之一：管理员")
    (bad,) = await bot.send(ADMIN_ID, "/cadence 1 5,35")
    assert bad.text == "“5,35”不是调度日：请写每月的日期（1–28），如 5,20。"
    (done,) = await bot.send(ADMIN_ID, "/cadence 1 5,20")
    assert done.text == "第1项今后每月5、20日调度（遇节假日顺延至下一个工作日）。"
    bot.clock.set(at(date(2026, 12, 4), 9))
    bot.services.daily_run.tick()
    bot.clock.set(at(date(2026, 12, 7), 9))  # 5 December is a Saturday: item 1 is asked on Monday the 7th
    result = bot.services.daily_run.tick()
    assert result.dispatches == 1
    assert [r.item_id for r in outbox(bot) if r.kind == "dispatch"] == [1]
    bot.clock.set(at(date(2026, 12, 16), 9))  # the office's day: item 2 only
    bot.services.daily_run.tick()
    assert sorted(r.item_id or 0 for r in outbox(bot) if r.kind == "dispatch") == [1, 2]
    (listed,) = await bot.send(ADMIN_ID, "/cadence")
    assert "第1项：每月5、20日" in text_of(listed)
    (reset,) = await bot.send(ADMIN_ID, "/cadence 1 default")
    assert reset.text == "第1项恢复按全局调度日调度。"


async def test_an_admins_urgent_notice_goes_out_in_the_quiet_hours(bot: BotHarness) -> None:
    await setup_ledger(bot, date(2026, 12, 31))
    bot.clock.set(at(date(2026, 11, 20), 22, 30))  # quiet hours
    (refused,) = await bot.send(SUPERVISOR, "/notice 1 紧急 夜间突发")
    assert refused.text == "只有管理员可以发出紧急督办（夜间也立即发送）。"
    (plain,) = await bot.send(SUPERVISOR, "/warn 1 明早处理")
    assert plain.text == "已记录第1项 事项1 的预警。现为免打扰时段，将于明日8:00通知：张伟、李局长。"
    (issued,) = await bot.send(ADMIN_ID, "/notice 1 紧急 渣土苫盖被大风掀开，立即处置")
    assert issued.text == "已记录第1项 事项1 的通报。已通知：王督导、李局长。"
    await bot.deliver()
    texts = [m.text or "" for m in bot.api.sent(LEADER)]
    assert any("【通报】第1项" in t for t in texts), texts
    assert not any("【预警】第1项" in t for t in texts), "a plain warning waits for the morning"
