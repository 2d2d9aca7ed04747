"""What is due, given an item, its history and a day: reminders, dispatches, the dispatch period, the ladder.

Pure functions over plain data: no Telegram, no database session, no clock. The tick asks them with the
day (and instant) it is running for.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ledger.model import CLOSED_STATUSES, ItemStatus
from scheduler.calendar import WorkCalendar
from scheduler.reasons import Condition


@dataclass(frozen=True)
class Rules:
    """The office's reminder and escalation rules; every number is editable (`/rules`, rules file)."""

    reminder_offsets: tuple[int, ...] = (30, 14, 7, 3, 1, 0)  # working days before a deadline
    dispatch_days: tuple[int, ...] = (1, 16)  # days of the month; moved to the next working day
    answer_within: int = 3  # working days to answer a dispatch
    blue_unanswered_after: int = 3  # working days after the answer was due
    blue_deadline_within: int = 7  # working days
    blue_percent_below: int = 50
    yellow_unanswered_in_row: int = 2
    red_overdue: int = 10  # working days past the deadline
    red_yellow_count: int = 2
    summons_after: int = 10  # working days at red without a report
    referral_after: int = 10  # working days after a summons without progress
    schedule_tolerance: int = 10  # percentage points
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    snooze_max: int = 2
    spot_check_months: tuple[int, ...] = (3, 6)  # 回头看 after a sign-off
    complaint_leader_after_days: int = 60  # 领导包案: days a complaint stays open before a leader takes it
    complaint_repeat_percent: int = 60  # text similarity at which a complaint repeats an earlier one


class Level(enum.IntEnum):
    """The escalation ladder (督办提醒 → 预警 → 通报 → 约谈 → 问责)."""

    NONE = 0
    BLUE = 1  # 督办提醒, to the officer
    YELLOW = 2  # 预警, to the officer and the responsible leader
    RED = 3  # 通报, to the supervising unit and the leaders of every responsible unit
    SUMMONS = 4  # 约谈 proposal, to the supervisors
    REFERRAL = 5  # 问责 referral proposal, to the supervisors


def reminder_day(deadline: date, offset: int, calendar: WorkCalendar) -> date:
    """The day of the reminder `offset` working days before a deadline (0: the deadline itself)."""
    return calendar.add_working_days(deadline, -offset) if offset else deadline


def reminder_due(
    deadline: date, after: date, upto: date, offsets: Iterable[int], calendar: WorkCalendar
) -> int | None:
    """The offset of the reminder that fell due in (after, upto].

    After downtime several may have fallen due: only the one nearest the deadline is sent, once.
    """
    due = [offset for offset in offsets if after < reminder_day(deadline, offset, calendar) <= upto]
    return min(due) if due else None


@dataclass(frozen=True)
class ReminderFacts:
    """What a deadline reminder says, true on the day it is written, whatever day it was due on: after
    downtime a reminder due days ago must not say "今天是整改时限" nor the working days left back then."""

    days_left: int  # working days from the day (counted) to the deadline (not counted); 0 on the deadline
    days_late: int  # calendar days the deadline is past (0: not past)


def reminder_facts(deadline: date, day: date, calendar: WorkCalendar) -> ReminderFacts:
    if deadline < day:
        return ReminderFacts(0, (day - deadline).days)
    # Working days in [day, deadline): the offset of the reminder, when it goes on its own day.
    return ReminderFacts(
        calendar.working_days_between(day - timedelta(days=1), deadline - timedelta(days=1)), 0
    )


def reminder_superseded(deadline: date, item_deadline: date | None, day: date) -> bool:
    """Whether a reminder is dropped rather than sent late: its deadline, the item's own, passed before it
    could go (downtime). The ladder watches that deadline and says what is true (预警：已超过整改时限); a
    target's or measure's earlier deadline, which no level watches, is still told, as passed."""
    return deadline < day and item_deadline is not None and deadline >= item_deadline


def dispatch_days_between(after: date, upto: date, days: Iterable[int], calendar: WorkCalendar) -> list[date]:
    """Dispatch dates (the 1st and 16th, or the next working day) in (after, upto], oldest first."""
    found: set[date] = set()
    month = date(after.year, after.month, 1)
    while month <= upto:
        for day in days:
            moved = calendar.next_working_day(month.replace(day=day))
            if after < moved <= upto:
                found.add(moved)
        month = (month + timedelta(days=32)).replace(day=1)
    return sorted(found)


def dispatch_period_start(today: date, days: Iterable[int], calendar: WorkCalendar) -> date:
    """The first day of the dispatch period (调度期) `today` falls in: the latest dispatch date on or before
    it, each of `days` (the office's `dispatch_days`, or an item's own cadence) moved to the next working
    day. A period runs from one dispatch date to the next; "no report this period" (未报送) means none
    since this day."""
    return dispatch_days_between(today - timedelta(days=40), today, days, calendar)[-1]


def next_dispatch_day(after: date, days: Iterable[int], calendar: WorkCalendar) -> date:
    """The first dispatch date after `after`: the day the next dispatch period starts (the notice's
    "下一调度期自4月1日起")."""
    return dispatch_days_between(after, after + timedelta(days=40), days, calendar)[0]


@dataclass(frozen=True)
class Dispatch:
    """One progress dispatch (调度) of an item: when it was asked, by when to answer, whether answered, and
    whether it reached anyone: its message was sent to at least one officer responsible for the item (a
    dispatch that reached nobody counts against nobody)."""

    asked: date
    due: date
    answered: bool
    reached: bool


@dataclass(frozen=True)
class LadderState:
    """Where an item stands on the ladder, and what the ladder needs to know of its history."""

    status: ItemStatus
    deadline: date | None
    percent: int
    level: Level
    level_since: date | None
    yellow_count: int
    dispatches: tuple[Dispatch, ...]  # oldest first
    last_report: date | None
    last_progress: date | None  # the last day the percent went up
    behind_schedule: bool
    issued: frozenset[tuple[Level, str]] = frozenset()  # (level, reason) already issued on the item
    expected_percent: int | None = None  # 序时进度 today, when the item has one
    summons_held: date | None = None  # the day the latest recorded 约谈 was held (not a mere proposal)
    # Someone responsible for the item (an officer or leader of its responsible units) is bound to receive
    # its messages; while nobody is (无人接收), the ladder waits: no level is issued against nobody.
    reachable: bool = True


@dataclass(frozen=True)
class Escalation:
    """A level the item should climb to today, why (`reason`: the trigger's key, kept to know what was
    issued), and the conditions that held, with their facts (what the message states)."""

    level: Level
    reason: str
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class _Trigger:
    level: Level
    reason: str
    conditions: tuple[Condition, ...]


def unanswered_in_row(dispatches: tuple[Dispatch, ...], today: date) -> int:
    """How many of the latest dispatches that reached the item's officers, counted back from the newest
    whose answer is overdue, went unanswered in a row. A dispatch that reached nobody neither counts nor
    breaks the row."""
    count = 0
    for dispatch in reversed(dispatches):
        if dispatch.due >= today or not dispatch.reached:
            continue
        if dispatch.answered:
            break
        count += 1
    return count


# Conditions that stay true until the item changes (overdue, behind): once a level was issued for one of
# them it is not issued again for the same reason, so an officer who keeps reporting on an overdue item is
# not sent the same notice after every report (a report acknowledges the level: no repeats of it).
PERSISTENT_REASONS = frozenset(
    {"deadline_passed", "long_overdue", "deadline_near_low_progress", "behind_schedule", "repeated_warnings"}
)


def next_escalation(
    state: LadderState, today: date, calendar: WorkCalendar, rules: Rules
) -> Escalation | None:
    """The highest level whose trigger holds today and that is above the item's level, with every
    condition of that level that held; None otherwise, and always None while nobody is bound to receive
    the item's messages (无人接收)."""
    if state.status in CLOSED_STATUSES or not state.reachable:
        return None
    held = _triggers(state, today, calendar, rules)
    for trigger in held:
        if trigger.reason in PERSISTENT_REASONS and (trigger.level, trigger.reason) in state.issued:
            continue
        if trigger.level > state.level:
            conditions: dict[str, Condition] = {}
            for other in [trigger, *(t for t in held if t.level == trigger.level)]:
                for condition in other.conditions:
                    conditions.setdefault(condition.key, condition)
            return Escalation(trigger.level, trigger.reason, tuple(conditions.values()))
    return None


def _behind(state: LadderState) -> Condition:
    return Condition.of("behind_schedule", expected=state.expected_percent, actual=state.percent)


def _triggers(state: LadderState, today: date, calendar: WorkCalendar, rules: Rules) -> list[_Trigger]:
    """Every trigger that holds today, with its conditions and their facts, highest level first."""
    held: list[_Trigger] = []

    def hold(level: Level, reason: str, *conditions: Condition) -> None:
        held.append(_Trigger(level, reason, conditions))

    since = state.level_since
    at_level_days = calendar.working_days_between(since, today) if since else 0
    reported = since is not None and state.last_report is not None and state.last_report >= since
    held_on = state.summons_held
    if state.level == Level.SUMMONS and held_on is not None and held_on <= today:
        # 问责 only after a recorded 约谈: counted from the day it was held, never from a proposal.
        after_summons = calendar.working_days_between(held_on, today)
        progressed = state.last_progress is not None and state.last_progress >= held_on
        if after_summons >= rules.referral_after and not progressed:
            hold(
                Level.REFERRAL, "no_progress_after_summons",
                Condition.of("no_progress_after_summons", held=held_on, days=after_summons),
            )  # fmt: skip
    if (
        state.level == Level.RED
        and since is not None
        and at_level_days >= rules.summons_after
        and not reported
    ):
        hold(
            Level.SUMMONS,
            "no_report_at_red",
            Condition.of("no_report_at_red", since=since, days=at_level_days),
        )
    # A 100 % item (基本完成) is not late: what is left is its sign-off, not its work.
    late_open = state.deadline is not None and today > state.deadline and state.percent < 100
    overdue = calendar.working_days_between(state.deadline, today) if state.deadline and late_open else 0
    if late_open and overdue >= rules.red_overdue:
        hold(Level.RED, "long_overdue", Condition.of("long_overdue", days=overdue, deadline=state.deadline))
    if state.yellow_count >= rules.red_yellow_count:
        hold(Level.RED, "repeated_warnings", Condition.of("repeated_warnings", count=state.yellow_count))
    in_row = unanswered_in_row(state.dispatches, today)
    if in_row >= rules.yellow_unanswered_in_row:
        hold(Level.YELLOW, "unanswered_dispatches", Condition.of("unanswered_dispatches", count=in_row))
    elif state.behind_schedule and in_row + 1 >= rules.yellow_unanswered_in_row:
        # Behind schedule counts like one more unanswered dispatch: both are stated, as they are.
        stated = (Condition.of("dispatch_unanswered", count=in_row),) if in_row else ()
        hold(Level.YELLOW, "unanswered_dispatches", *stated, _behind(state))
    if late_open:
        hold(
            Level.YELLOW,
            "deadline_passed",
            Condition.of("deadline_passed", days=overdue, deadline=state.deadline),
        )
    late = [
        d
        for d in state.dispatches
        if d.reached
        and not d.answered
        and calendar.working_days_between(d.due, today) >= rules.blue_unanswered_after
    ]
    if late:
        hold(Level.BLUE, "dispatch_unanswered", Condition.of("dispatch_unanswered", count=len(late)))
    if state.behind_schedule:
        hold(Level.BLUE, "behind_schedule", _behind(state))
    if (
        state.deadline is not None
        and today <= state.deadline
        and calendar.working_days_between(today, state.deadline) <= rules.blue_deadline_within
        and state.percent < rules.blue_percent_below
    ):
        days_left = calendar.working_days_between(today, state.deadline)
        hold(
            Level.BLUE, "deadline_near_low_progress",
            Condition.of("deadline_near_low_progress", days=days_left, percent=state.percent, below=rules.blue_percent_below),
        )  # fmt: skip
    return sorted(held, key=lambda trigger: -trigger.level)


def level_after_report(level: Level, percent_before: int, percent_after: int) -> Level:
    """A report that moves the percent up lowers the item one level; other reports keep it."""
    if percent_after > percent_before and level > Level.NONE:
        return Level(level - 1)
    return level


def in_quiet_hours(local: datetime, rules: Rules) -> bool:
    """Whether a local time falls in the quiet hours (which may span midnight)."""
    moment = local.time()
    if rules.quiet_start <= rules.quiet_end:
        return rules.quiet_start <= moment < rules.quiet_end
    return moment >= rules.quiet_start or moment < rules.quiet_end


def next_send_time(local: datetime, rules: Rules) -> datetime:
    """`local` itself outside the quiet hours, else the end of the quiet hours (the next morning)."""
    if not in_quiet_hours(local, rules):
        return local
    morning = local.replace(hour=rules.quiet_end.hour, minute=rules.quiet_end.minute, second=0, microsecond=0)
    return morning if morning > local else morning + timedelta(days=1)
