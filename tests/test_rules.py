"""The reminder, dispatch, schedule and escalation rules at chosen dates, with no clock and no sleeping."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

import pytest

from ledger.model import ItemStatus
from scheduler.calendar import WorkCalendar
from scheduler.reasons import Condition
from scheduler.rules import (
    Dispatch,
    LadderState,
    Level,
    Rules,
    dispatch_days_between,
    dispatch_period_start,
    in_quiet_hours,
    level_after_report,
    next_escalation,
    next_send_time,
    reminder_day,
    reminder_due,
    unanswered_in_row,
)

CAL = WorkCalendar()
RULES = Rules()


def state(**changes: object) -> LadderState:
    base: dict[str, object] = {
        "status": ItemStatus.IN_PROGRESS, "deadline": date(2026, 12, 31), "percent": 60, "level": Level.NONE,
        "level_since": None, "yellow_count": 0, "dispatches": (), "last_report": None, "last_progress": None,
        "behind_schedule": False,
    }  # fmt: skip
    base.update(changes)
    return LadderState(**base)  # type: ignore[arg-type]


def test_reminder_days_for_a_deadline_the_day_after_national_day() -> None:
    deadline = date(2026, 10, 8)  # the first working day after 国庆
    assert reminder_day(deadline, 1, CAL) == date(2026, 9, 30)
    assert reminder_day(deadline, 3, CAL) == date(2026, 9, 28)
    assert reminder_day(deadline, 0, CAL) == deadline
    assert reminder_due(deadline, date(2026, 9, 29), date(2026, 9, 30), RULES.reminder_offsets, CAL) == 1
    assert reminder_due(deadline, date(2026, 9, 30), date(2026, 10, 7), RULES.reminder_offsets, CAL) is None
    assert reminder_due(deadline, date(2026, 10, 7), date(2026, 10, 8), RULES.reminder_offsets, CAL) == 0


def test_make_up_saturday_counts_as_a_working_day_before_a_deadline() -> None:
    # Monday 12 October 2026: one working day before it is the make-up Saturday 10 October.
    assert reminder_day(date(2026, 10, 12), 1, CAL) == date(2026, 10, 10)


def test_catch_up_after_downtime_sends_only_the_nearest_reminder() -> None:
    deadline = date(2026, 12, 31)
    # Down from 1 November to 28 December: the 30-, 14-, 7- and 3-day reminders all fell due.
    assert reminder_due(deadline, date(2026, 11, 1), date(2026, 12, 28), RULES.reminder_offsets, CAL) == 3


def test_dispatch_dates_move_to_the_next_working_day() -> None:
    days = dispatch_days_between(date(2026, 9, 30), date(2026, 11, 30), RULES.dispatch_days, CAL)
    # 1 October is 国庆 → 8 October; 16 October a Friday; 1 November a Sunday → 2 November; 16 November a Monday.
    assert days == [date(2026, 10, 8), date(2026, 10, 16), date(2026, 11, 2), date(2026, 11, 16)]
    assert dispatch_period_start(date(2026, 11, 22), RULES.dispatch_days, CAL) == date(2026, 11, 16)
    assert dispatch_period_start(date(2026, 10, 5), RULES.dispatch_days, CAL) == date(2026, 9, 16)


def test_blue_for_a_dispatch_unanswered_three_working_days_after_its_due_time() -> None:
    dispatch = Dispatch(asked=date(2026, 11, 2), due=date(2026, 11, 5), answered=False, reached=True)
    item = state(dispatches=(dispatch,))
    assert next_escalation(item, date(2026, 11, 9), CAL, RULES) is None
    escalation = next_escalation(item, date(2026, 11, 10), CAL, RULES)
    assert escalation is not None
    assert (escalation.level, escalation.reason) == (Level.BLUE, "dispatch_unanswered")


def test_blue_for_a_near_deadline_with_low_progress_and_not_for_continuing_items() -> None:
    near = state(deadline=date(2026, 12, 31), percent=40)
    escalation = next_escalation(near, date(2026, 12, 22), CAL, RULES)
    assert escalation is not None
    assert escalation.reason == "deadline_near_low_progress"
    assert (
        next_escalation(state(deadline=date(2026, 12, 31), percent=60), date(2026, 12, 22), CAL, RULES)
        is None
    )
    assert next_escalation(state(deadline=None, percent=0), date(2026, 12, 22), CAL, RULES) is None


def test_yellow_for_two_unanswered_dispatches_or_a_passed_deadline() -> None:
    dispatches = (
        Dispatch(date(2026, 10, 16), date(2026, 10, 21), False, True),
        Dispatch(date(2026, 11, 2), date(2026, 11, 5), False, True),
    )
    escalation = next_escalation(
        state(dispatches=dispatches, level=Level.BLUE), date(2026, 11, 6), CAL, RULES
    )
    assert escalation is not None
    assert (escalation.level, escalation.reason) == (Level.YELLOW, "unanswered_dispatches")
    passed = next_escalation(state(deadline=date(2026, 11, 20)), date(2026, 11, 23), CAL, RULES)
    assert passed is not None
    assert (passed.level, passed.reason) == (Level.YELLOW, "deadline_passed")


def test_behind_schedule_counts_like_an_unanswered_dispatch() -> None:
    one = (Dispatch(date(2026, 11, 2), date(2026, 11, 5), False, True),)
    escalation = next_escalation(state(dispatches=one, behind_schedule=True), date(2026, 11, 6), CAL, RULES)
    assert escalation is not None
    assert escalation.level == Level.YELLOW


def test_red_after_ten_working_days_overdue_or_two_yellows() -> None:
    overdue = state(deadline=date(2026, 9, 28), level=Level.YELLOW)
    # 10 working days after Monday 28 September: 29, 30 Sep, (国庆 skipped) 8, 9, Saturday 10 (调休), 12–16 Oct.
    assert next_escalation(overdue, date(2026, 10, 15), CAL, RULES) is None
    red = next_escalation(overdue, date(2026, 10, 16), CAL, RULES)
    assert red is not None
    assert (red.level, red.reason) == (Level.RED, "long_overdue")
    twice = next_escalation(state(yellow_count=2, level=Level.YELLOW), date(2026, 11, 2), CAL, RULES)
    assert twice is not None
    assert twice.reason == "repeated_warnings"


def test_summons_proposal_then_referral_only_after_a_recorded_summons() -> None:
    red = state(level=Level.RED, level_since=date(2026, 11, 2), deadline=date(2026, 10, 1))
    assert next_escalation(red, date(2026, 11, 13), CAL, RULES) is None
    summons = next_escalation(red, date(2026, 11, 16), CAL, RULES)
    assert summons is not None
    assert summons.level == Level.SUMMONS
    assert summons.conditions[0] == Condition.of("no_report_at_red", since=date(2026, 11, 2), days=10)
    reported = state(level=Level.RED, level_since=date(2026, 11, 2), last_report=date(2026, 11, 10))
    assert next_escalation(reported, date(2026, 11, 16), CAL, RULES) is None
    # A proposal alone (约谈建议) never leads to a referral, however long it waits.
    proposed = state(level=Level.SUMMONS, level_since=date(2026, 11, 16), deadline=date(2026, 10, 1))
    assert next_escalation(proposed, date(2026, 12, 30), CAL, RULES) is None
    # Recorded as held on 18 November: ten working days later without progress, the referral.
    held = state(
        level=Level.SUMMONS,
        level_since=date(2026, 11, 16),
        deadline=date(2026, 10, 1),
        summons_held=date(2026, 11, 18),
    )
    assert next_escalation(held, date(2026, 12, 1), CAL, RULES) is None
    referral = next_escalation(held, date(2026, 12, 2), CAL, RULES)
    assert referral is not None
    assert referral.level == Level.REFERRAL
    assert referral.conditions == (
        Condition.of("no_progress_after_summons", held=date(2026, 11, 18), days=10),
    )
    progressed = state(
        level=Level.SUMMONS, level_since=date(2026, 11, 16), summons_held=date(2026, 11, 18),
        last_progress=date(2026, 11, 20),
    )  # fmt: skip
    assert next_escalation(progressed, date(2026, 12, 2), CAL, RULES) is None


def test_every_reason_names_the_conditions_that_held_with_their_numbers() -> None:
    # One dispatch unanswered and behind schedule: "调度逾期未报送1次，且进度滞后：序时进度应达40%，实际0%".
    one = (Dispatch(date(2026, 11, 2), date(2026, 11, 5), False, True),)
    behind = state(dispatches=one, behind_schedule=True, percent=0, expected_percent=40, level=Level.BLUE)
    yellow = next_escalation(behind, date(2026, 11, 6), CAL, RULES)
    assert yellow is not None
    assert yellow.level == Level.YELLOW
    assert yellow.conditions == (
        Condition.of("dispatch_unanswered", count=1),
        Condition.of("behind_schedule", expected=40, actual=0),
    )
    # Twelve working days past the deadline.
    late = next_escalation(
        state(deadline=date(2026, 10, 23), level=Level.YELLOW), date(2026, 11, 10), CAL, RULES
    )
    assert late is not None
    assert late.conditions[0] == Condition.of("long_overdue", days=12, deadline=date(2026, 10, 23))


def test_a_dispatch_that_reached_nobody_counts_against_nobody() -> None:
    unreached = (
        Dispatch(date(2026, 10, 16), date(2026, 10, 21), False, False),
        Dispatch(date(2026, 11, 2), date(2026, 11, 5), False, True),
    )
    blue = next_escalation(state(dispatches=unreached), date(2026, 11, 10), CAL, RULES)
    assert blue is not None
    assert blue.conditions == (Condition.of("dispatch_unanswered", count=1),)
    # Only one reached the officer: no "连续2次调度未报送".
    assert (
        next_escalation(state(dispatches=unreached, level=Level.BLUE), date(2026, 11, 10), CAL, RULES) is None
    )
    assert unanswered_in_row(unreached, date(2026, 11, 10)) == 1


def test_the_ladder_waits_while_nobody_receives_the_items_messages() -> None:
    nobody = state(deadline=date(2026, 9, 28), percent=0, reachable=False)
    assert next_escalation(nobody, date(2026, 11, 2), CAL, RULES) is None
    assert next_escalation(replace(nobody, reachable=True), date(2026, 11, 2), CAL, RULES) is not None


def test_a_hundred_percent_item_is_not_warned_as_late() -> None:
    # 基本完成: at 100 % past its deadline, what is left is the sign-off, not the work.
    done = state(deadline=date(2026, 9, 28), percent=100)
    assert next_escalation(done, date(2026, 11, 2), CAL, RULES) is None


def test_sign_off_ends_the_ladder() -> None:
    closed = state(status=ItemStatus.SIGNED_OFF, deadline=date(2020, 1, 1), level=Level.RED)
    assert next_escalation(closed, date(2026, 11, 2), CAL, RULES) is None


def test_a_report_that_moves_the_percent_up_lowers_one_level() -> None:
    assert level_after_report(Level.YELLOW, 40, 60) == Level.BLUE
    assert level_after_report(Level.YELLOW, 40, 40) == Level.YELLOW
    assert level_after_report(Level.NONE, 40, 60) == Level.NONE


@pytest.mark.parametrize(
    ("clock", "quiet", "send_at"),
    [
        (time(20, 59), False, time(20, 59)),
        (time(21, 0), True, time(8, 0)),
        (time(23, 30), True, time(8, 0)),
        (time(7, 59), True, time(8, 0)),
        (time(8, 0), False, time(8, 0)),
    ],
)
def test_quiet_hours(clock: time, quiet: bool, send_at: time) -> None:
    local = datetime.combine(date(2026, 11, 20), clock)
    assert in_quiet_hours(local, RULES) is quiet
    result = next_send_time(local, RULES)
    assert result.time() == send_at
    assert result >= local


def test_a_persistent_condition_does_not_repeat_a_level_already_issued_for_it() -> None:
    # Red for being long overdue, then a report lowered the item to yellow: it stays overdue, but the same
    # notice is not sent again after every report.
    lowered = state(
        deadline=date(2026, 9, 28), level=Level.YELLOW, issued=frozenset({(Level.RED, "long_overdue")})
    )
    assert next_escalation(lowered, date(2026, 11, 2), CAL, RULES) is None
    # A different reason still climbs.
    twice = state(
        deadline=date(2026, 9, 28),
        level=Level.YELLOW,
        yellow_count=2,
        issued=frozenset({(Level.RED, "long_overdue")}),
    )
    escalation = next_escalation(twice, date(2026, 11, 6), CAL, RULES)
    assert escalation is not None
    assert (escalation.level, escalation.reason) == (Level.RED, "repeated_warnings")
