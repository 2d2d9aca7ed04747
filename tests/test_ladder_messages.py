"""The ladder's and reminders' messages say only what happened (issue 9): a supervisor's words reach the
recipients, a 通报 is issued, a 约谈 is a proposal, the one who acted is told whether, when and to whom the
message goes. Transcripts: what the user sends, what every chat sees, and the rows in the store."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ledger.actor import Actor
from ledger.model import ItemSpec, ParsedLedger, Target
from messages.render import LOCALES, Renderer, build_environment
from scheduler.calendar import WorkCalendar
from scheduler.rules import (
    Rules,
    in_quiet_hours,
    next_send_time,
    reminder_day,
    reminder_due,
    reminder_facts,
    reminder_superseded,
)
from services.escalations import IssuedEscalation
from services.outbox import Delivery
from storage.models import AuditEntry, Person
from storage.scheduling import Escalation, OutboxMessage, OutboxStatus
from tests.harness import ADMIN_ID, BotHarness, text_of
from tests.test_scheduler import LEADER, OFFICER, SUPERVISOR, at, outbox, setup_ledger

DEADLINE = date(2026, 12, 31)
SHANGHAI = ZoneInfo("Asia/Shanghai")
RENDERER = Renderer(build_environment(), SHANGHAI)


async def texts_to(bot: BotHarness, chat: int) -> list[str]:
    await bot.deliver()
    return [m.text or "" for m in bot.api.sent(chat)]


async def test_what_the_supervisor_writes_reaches_the_officer_and_the_leader(bot: BotHarness) -> None:
    """Seen: the officer got only "原因：督导单位决定"; the supervisor's words were in /history alone."""
    await setup_ledger(bot, DEADLINE)
    (issued,) = await bot.send(SUPERVISOR, "/warn 1 进度太慢，请本周内报送现场照片")
    assert issued.text == "已记录第1项 事项1 的预警。已通知：张伟、李局长。"
    for chat in (OFFICER, LEADER):
        (warning,) = await texts_to(bot, chat)
        assert warning.startswith("【预警】第1项 事项1\n原因：督导单位决定。")
        assert "\n说明：进度太慢，请本周内报送现场照片" in warning
    with bot.services.sessions() as session:
        (escalation,) = session.scalars(select(Escalation))
        assert escalation.note == "进度太慢，请本周内报送现场照片"


async def test_the_words_reach_an_english_reader_in_english(bot: BotHarness) -> None:
    await setup_ledger(bot, DEADLINE)
    await bot.send(OFFICER, "/lang en")
    await bot.send(SUPERVISOR, "/notice 1 三次督办无进展")
    (notice,) = await texts_to(bot, LEADER)
    assert "\n说明：三次督办无进展" in notice
    await bot.send(LEADER, "/lang en")
    await bot.send(SUPERVISOR, "/warn 1 请本周内报送")
    english = [t for t in await texts_to(bot, OFFICER) if t.startswith("Warning (yellow)")]
    assert len(english) == 1
    assert "\nNote: 请本周内报送" in english[0]


async def test_two_levels_by_hand_on_one_day_both_reach_their_recipients(bot: BotHarness) -> None:
    """Seen: a second /warn the same day was recorded and confirmed, but its messages had the key of the
    first and were dropped."""
    await setup_ledger(bot, DEADLINE)
    await bot.send(SUPERVISOR, "/warn 1 第一次")
    (second,) = await bot.send(SUPERVISOR, "/warn 1 第二次")
    assert text_of(second).endswith("已通知：张伟、李局长。")
    warnings = [t for t in await texts_to(bot, OFFICER) if "【预警】" in t]
    assert len(warnings) == 1  # due together: one message to the chat …
    assert "说明：第一次" in warnings[0]  # … carrying both
    assert "说明：第二次" in warnings[0]


async def test_a_notice_is_issued_and_a_summons_is_a_proposal(bot: BotHarness) -> None:
    """Seen: 通报 said "将列入下一期督办通报"; the answer to /summon said "发出约谈"."""
    await setup_ledger(bot, DEADLINE)
    (noticed,) = await bot.send(SUPERVISOR, "/notice 1")
    assert noticed.text == "已记录第1项 事项1 的通报。已通知：王督导、李局长。"
    (notice,) = await texts_to(bot, LEADER)
    assert "现予通报" in notice
    assert "下一期" not in notice
    assert "说明" not in notice  # nothing written, nothing shown
    (summoned,) = await bot.send(SUPERVISOR, "/summon 1 请主要负责同志到整改办说明情况")
    assert summoned.text == "已记录第1项 事项1 的约谈建议。已通知：王督导。"
    proposal = [t for t in await texts_to(bot, SUPERVISOR) if t.startswith("【约谈建议】")][-1]
    assert "说明：请主要负责同志到整改办说明情况" in proposal
    (card,) = await bot.send(SUPERVISOR, "/item 1")
    assert "约谈建议：督导单位决定（请主要负责同志到整改办说明情况）" in text_of(card)


@pytest.mark.parametrize(
    ("hour", "minute", "told"),
    [
        (22, 30, "现为免打扰时段，将于明日8:00通知：张伟、李局长。"),
        (7, 15, "现为免打扰时段，将于今日8:00通知：张伟、李局长。"),
        (8, 0, "已通知：张伟、李局长。"),
        (20, 59, "已通知：张伟、李局长。"),
    ],
)
async def test_in_the_quiet_hours_the_supervisor_is_told_when_it_will_go(
    bot: BotHarness, hour: int, minute: int, told: str
) -> None:
    """Seen: "已通知相关人员" at 22:30, while the warning waited for the morning."""
    await setup_ledger(bot, DEADLINE)
    day = date(2026, 12, 2)
    bot.clock.set(at(day, hour, minute))
    (issued,) = await bot.send(SUPERVISOR, "/warn 1 进度太慢")
    assert issued.text == f"已记录第1项 事项1 的预警。{told}"
    rows = [r for r in outbox(bot) if r.kind == "yellow"]
    promised = max(r.not_before for r in rows)
    assert (await bot.deliver()).sent == (0 if promised > bot.clock.now() else 2)
    bot.clock.set(promised)
    await bot.deliver()
    assert [len(bot.api.sent(chat)) for chat in (OFFICER, LEADER)] == [1, 1]  # at the time promised


async def test_the_promise_follows_the_offices_quiet_hours(bot: BotHarness) -> None:
    await setup_ledger(bot, DEADLINE)
    await bot.send(ADMIN_ID, "/rules quiet_start 20:00")
    await bot.send(ADMIN_ID, "/rules quiet_end 07:30")
    bot.clock.set(at(date(2026, 12, 4), 20, 10))  # a Friday evening: the next morning is a Saturday
    (issued,) = await bot.send(SUPERVISOR, "/warn 1")
    assert text_of(issued).endswith("现为免打扰时段，将于明日7:30通知：张伟、李局长。")
    bot.clock.set(at(date(2026, 12, 5), 7, 29))
    assert (await bot.deliver()).sent == 0
    bot.clock.set(at(date(2026, 12, 5), 7, 30))
    assert (await bot.deliver()).sent == 2


async def test_an_admins_urgent_notice_at_night_is_told_as_gone(bot: BotHarness) -> None:
    await setup_ledger(bot, DEADLINE)
    bot.clock.set(at(date(2026, 12, 2), 23, 0))
    (issued,) = await bot.send(ADMIN_ID, "/notice 1 紧急 渣土苫盖被大风掀开")
    assert issued.text == "已记录第1项 事项1 的通报。已通知：王督导、李局长。"
    assert (await bot.deliver()).sent == 2


async def test_nobody_to_receive_it_is_said(bot: BotHarness) -> None:
    """Seen: "已通知相关人员" for an item whose unit had nobody bound: nothing went anywhere."""
    await setup_ledger(bot, DEADLINE)
    with bot.services.sessions() as session, session.begin():
        for person in session.scalars(select(Person).where(Person.name.in_(["张伟", "李局长"]))):
            person.telegram_user_id = None
    (issued,) = await bot.send(SUPERVISOR, "/warn 1 进度太慢")
    # The ladder waits for an item nobody receives (无人接收): a level by hand is refused, saying why.
    assert text_of(issued).startswith("第1项无人接收：责任单位尚无责任人员、责任领导绑定")
    with bot.services.sessions() as session:
        assert session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "yellow")).all() == []
        assert session.scalars(select(Escalation)).all() == []


async def test_the_answer_is_in_english_for_an_english_supervisor(bot: BotHarness) -> None:
    await setup_ledger(bot, DEADLINE)
    await bot.send(SUPERVISOR, "/lang en")
    bot.clock.set(at(date(2026, 12, 2), 22, 30))
    (issued,) = await bot.send(SUPERVISOR, "/summon 1")
    assert issued.text == (
        "Recorded the summons proposal on item 1 事项1. These are the quiet hours: 王督导 will be told "
        "tomorrow at 8:00."
    )
    assert time(8, 0) == max(r.not_before for r in outbox(bot)).astimezone(bot.services.office.tz).time()


QUIET = st.times().map(lambda t: t.replace(second=0, microsecond=0))


@settings(max_examples=500, deadline=None)
@given(
    start=QUIET,
    end=QUIET,
    local=st.integers(0, 2 * 365 * 86_400).map(
        lambda s: datetime(2026, 1, 1, tzinfo=SHANGHAI) + timedelta(seconds=s)
    ),
)
def test_the_promised_time_is_when_the_sender_sends(start: time, end: time, local: datetime) -> None:
    """For any quiet hours and any moment, the time a message is promised for (the row's `not_before`,
    `next_send_time`) is the first moment from then on the sender takes it: not in the quiet hours, and no
    moment before it (outside the quiet hours) is skipped."""
    rules = Rules(quiet_start=start, quiet_end=end)
    promised = next_send_time(local, rules)
    assert promised >= local
    assert not in_quiet_hours(promised, rules)  # the sender's own test at that moment lets it go
    if in_quiet_hours(local, rules):
        assert promised.time() == end
        assert promised - local <= timedelta(days=1)
        minute = (local + timedelta(minutes=1)).replace(second=0, microsecond=0)
        while minute < promised:  # every minute before it is still quiet: nothing earlier was possible
            assert in_quiet_hours(minute, rules)
            minute += timedelta(minutes=37)
    else:
        assert promised == local


@pytest.mark.parametrize("locale", LOCALES)
@given(
    day_offset=st.integers(0, 400),
    at_=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
)
@settings(max_examples=100, deadline=None)
def test_the_promise_names_the_day_and_time_of_the_row(locale: str, day_offset: int, at_: time) -> None:
    today = date(2026, 12, 2)
    when = datetime.combine(today + timedelta(days=day_offset), at_, tzinfo=SHANGHAI)
    issued = IssuedEscalation("1", "事项1", 2, Delivery(("张伟",), when))
    text = RENDERER.render(locale, "chat/reminder/issued", {"issued": issued, "today": today})
    clock = f"{at_.hour}:{at_.minute:02d}"
    if locale == "zh_CN":
        day = {0: "今日", 1: "明日"}.get(day_offset, f"{when.month}月{when.day}日")
        assert f"将于{day}{clock}通知：张伟。" in text
    else:
        day = {0: "today", 1: "tomorrow"}.get(day_offset, f"on {when.date().isoformat()}")
        assert f"will be told {day} at {clock}." in text


# ---- after downtime: a reminder says what is true on the day it goes --------------------------------


async def down_until(bot: BotHarness, last_run: date, back: date) -> list[str]:
    """The bot ran its day on `last_run` (and delivered), was off, and is back on `back` at 09:00: what the
    officer is sent on the day it is back, message by message (messages merged into one are apart)."""
    bot.clock.set(at(last_run, 9))
    bot.services.daily_run.tick()
    await bot.deliver()
    before = len(bot.api.sent(OFFICER))
    bot.clock.set(at(back, 9))
    bot.services.daily_run.tick()
    await bot.deliver()
    return [part for m in bot.api.sent(OFFICER)[before:] for part in (m.text or "").split("\n\n")]


async def test_after_downtime_a_passed_deadline_is_not_today_and_the_ladder_says_it(bot: BotHarness) -> None:
    """Seen: off from 17 to 25 November, the bot told the officer "今天是整改时限（2026-11-20）" on the 25th."""
    await setup_ledger(bot, date(2026, 11, 20), percent=60)
    texts = await down_until(bot, date(2026, 11, 17), date(2026, 11, 25))
    assert not [t for t in texts if "今天是整改时限" in t or t.startswith("【整改时限提醒】")]
    # The deadline passed while the bot was off: the ladder's warning says so, as it is now.
    (warning,) = texts
    assert warning.startswith("【预警】第1项 事项1\n原因：超过整改时限3个工作日。")


async def test_after_downtime_the_days_left_are_counted_from_the_day_it_goes(bot: BotHarness) -> None:
    """Seen: the reminder due on 22 December went on the 24th saying "还有 7 个工作日"; 5 were left."""
    await setup_ledger(bot, DEADLINE)
    (reminder,) = await down_until(bot, date(2026, 12, 21), date(2026, 12, 24))
    assert "距整改时限（2026-12-31）还有 5 个工作日（整改目标）" in reminder


async def test_after_downtime_a_passed_target_deadline_is_told_as_passed(bot: BotHarness) -> None:
    """A target's earlier deadline, which no ladder level watches, is still told, as what is true."""
    await setup_ledger(bot, DEADLINE)
    spec = ItemSpec(
        number="2", title="事项2", problem="问题2。", start=date(2026, 1, 1),
        targets=[Target("制定方案", date(2026, 12, 1)), Target("完成整改", DEADLINE)],
        responsible_units=["市住建局"], supervising_units=["整改办"],
    )  # fmt: skip
    bot.services.ledger.import_ledger(ParsedLedger(items=[spec]), actor=Actor.system("test"), dry_run=False)
    texts = await down_until(bot, date(2026, 11, 30), date(2026, 12, 3))
    reminders = [t for t in texts if t.startswith("【整改时限提醒】第2项")]
    assert len(reminders) == 1
    assert "整改时限（2026-12-01）已过 2 天（整改目标）" in reminders[0]
    assert "今天是整改时限" not in reminders[0]


async def test_on_time_the_reminder_of_the_day_is_unchanged(bot: BotHarness) -> None:
    await setup_ledger(bot, date(2026, 11, 20))
    bot.clock.set(at(date(2026, 11, 20), 9))
    bot.services.daily_run.tick()
    (reminder,) = [t for t in await texts_to(bot, OFFICER) if t.startswith("【整改时限提醒】")]
    assert "今天是整改时限（2026-11-20）（整改目标）" in reminder


@settings(max_examples=300, deadline=None)
@given(
    deadline=st.dates(date(2026, 1, 10), date(2026, 12, 20)),
    last=st.integers(1, 60),
    down=st.integers(1, 30),
)
def test_whatever_the_downtime_a_reminder_states_what_is_true_that_day(
    deadline: date, last: int, down: int
) -> None:
    """For any deadline and any downtime, the reminder the catch-up sends (if any) states the working days
    left counted from the day it goes, or the days since the deadline passed; never "today" for another day;
    and the item's own passed deadline is left to the ladder."""
    calendar = WorkCalendar()
    last_run = deadline - timedelta(days=last)
    today = last_run + timedelta(days=down)
    offset = reminder_due(deadline, last_run, today, Rules().reminder_offsets, calendar)
    if offset is None:
        return
    facts = reminder_facts(deadline, today, calendar)
    if deadline < today:
        assert facts.days_late == (today - deadline).days > 0
        assert reminder_superseded(deadline, deadline, today)  # the item's own: the ladder tells it
        assert not reminder_superseded(deadline, deadline + timedelta(days=1), today)  # a target's: told
        return
    assert facts.days_late == 0
    left = [today + timedelta(days=n) for n in range((deadline - today).days)]
    assert facts.days_left == sum(calendar.is_working_day(day) for day in left)
    if today == reminder_day(deadline, offset, calendar) and calendar.is_working_day(today):
        assert facts.days_left == offset  # on time: what it always said
    params = {
        "number": "1",
        "title": "t",
        "percent": 0,
        "deadline": deadline,
        "ref": "item",
        "today": today,
        "extended_from": None,
    }
    text = RENDERER.render("zh_CN", "notify/reminder", {**params, "days": facts.days_left, "late": 0})
    assert ("今天是整改时限" in text) == (deadline == today)


async def test_a_reminder_written_before_the_downtime_is_not_sent_days_late(bot: BotHarness) -> None:
    """Seen: written at 00:05 on 20 November ("今天是整改时限（2026-11-20）") for 08:00, the bot off from 07:00
    until the 24th: the sender sent it then, four days late, as "today"."""
    await setup_ledger(bot, date(2026, 11, 20))
    bot.clock.set(at(date(2026, 11, 20), 0, 5))
    bot.services.daily_run.tick()
    (written,) = [r for r in outbox(bot) if r.kind == "reminder"]
    assert "今天是整改时限" in written.text
    bot.clock.set(at(date(2026, 11, 24), 9))  # back: the sender drains before the day's run
    await bot.deliver()
    assert not [t for t in await texts_to(bot, OFFICER) if "【整改时限提醒】" in t]
    with bot.services.sessions() as session:
        row = session.get(OutboxMessage, written.id)
        assert row is not None
        assert row.status == OutboxStatus.CALLED_OFF
        dropped = session.scalars(select(AuditEntry).where(AuditEntry.action == "drop_stale_reminder")).one()
        assert dropped.entity_id == str(written.id)
    bot.services.daily_run.tick()  # the day's run catches up: the ladder says the deadline passed
    (warning,) = [t for t in await texts_to(bot, OFFICER) if "【预警】" in t]
    assert "原因：超过整改时限2个工作日。" in warning


async def test_a_reminder_delivered_late_on_its_own_day_still_goes(bot: BotHarness) -> None:
    await setup_ledger(bot, date(2026, 11, 20))
    bot.clock.set(at(date(2026, 11, 20), 0, 5))
    bot.services.daily_run.tick()
    bot.clock.set(at(date(2026, 11, 20), 20, 30))  # the same day, before the quiet hours
    await bot.deliver()
    (reminder,) = [t for t in await texts_to(bot, OFFICER) if "【整改时限提醒】" in t]
    assert "今天是整改时限（2026-11-20）" in reminder
