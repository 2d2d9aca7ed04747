"""Days left and overdue, urgency order and the dispatch period, at chosen dates."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.model import ItemStatus
from ledger.schedule import DeadlineState, Timing, deadline_state, urgency_key
from ledger.status import is_stalled
from scheduler.calendar import WorkCalendar
from scheduler.rules import dispatch_period_start

TODAY = date(2026, 11, 20)
CAL = WorkCalendar()


@pytest.mark.parametrize(
    ("deadline", "status", "expected"),
    [
        (date(2026, 11, 19), ItemStatus.OVERDUE, DeadlineState(Timing.OVERDUE, 1)),
        (date(2025, 11, 20), ItemStatus.OVERDUE, DeadlineState(Timing.OVERDUE, 365)),
        (date(2026, 11, 20), ItemStatus.BEHIND, DeadlineState(Timing.DUE, 0)),
        (date(2026, 12, 31), ItemStatus.ON_SCHEDULE, DeadlineState(Timing.DUE, 41)),
        (None, ItemStatus.IN_PROGRESS, DeadlineState(Timing.CONTINUING)),
        # Past the deadline at 100 %: 基本完成, never also "overdue".
        (date(2026, 1, 1), ItemStatus.BASICALLY_DONE, DeadlineState(Timing.CLOSED)),
        (date(2026, 1, 1), ItemStatus.DONE, DeadlineState(Timing.CLOSED)),
        (None, ItemStatus.SIGNED_OFF, DeadlineState(Timing.CLOSED)),
    ],
)
def test_deadline_state_follows_the_status(
    deadline: date | None, status: ItemStatus, expected: DeadlineState
) -> None:
    assert deadline_state(deadline, status, TODAY) == expected


def test_urgency_overdue_longest_first_then_nearest_deadline_then_continuing_then_closed() -> None:
    states = {
        "a": DeadlineState(Timing.CONTINUING),
        "b": DeadlineState(Timing.DUE, 30),
        "c": DeadlineState(Timing.OVERDUE, 3),
        "d": DeadlineState(Timing.CLOSED),
        "e": DeadlineState(Timing.DUE, 0),
        "f": DeadlineState(Timing.OVERDUE, 40),
        "g": DeadlineState(Timing.OVERDUE, 3),
    }
    ordered = sorted(states, key=lambda key: urgency_key(states[key], key))
    assert ordered == ["f", "c", "g", "e", "b", "a", "d"]


@pytest.mark.parametrize(
    ("today", "days", "start"),
    [
        (
            date(2026, 11, 1),
            (1, 16),
            date(2026, 10, 16),
        ),  # a Sunday: the 1st's dispatch goes on Monday the 2nd
        (date(2026, 11, 2), (1, 16), date(2026, 11, 2)),
        (date(2026, 11, 15), (1, 16), date(2026, 11, 2)),
        (date(2026, 11, 16), (1, 16), date(2026, 11, 16)),
        (date(2026, 11, 30), (1, 16), date(2026, 11, 16)),
        (date(2026, 10, 5), (1, 16), date(2026, 9, 16)),  # 国庆: the 1 October dispatch waits until the 8th
        (date(2026, 10, 8), (1, 16), date(2026, 10, 8)),
        (
            date(2021, 2, 20),
            (5, 20),
            date(2021, 2, 20),
        ),  # the office's /rules dispatch_days; a make-up Saturday
        (date(2021, 2, 19), (5, 20), date(2021, 2, 5)),
    ],
)
def test_the_dispatch_period_follows_the_rules_and_the_work_calendar(
    today: date, days: tuple[int, ...], start: date
) -> None:
    assert dispatch_period_start(today, days, CAL) == start


@pytest.mark.parametrize(
    ("last_report", "status", "stalled"),
    [
        (None, ItemStatus.NOT_STARTED, True),
        (date(2026, 11, 15), ItemStatus.BEHIND, True),
        (date(2026, 11, 16), ItemStatus.ON_SCHEDULE, False),
        (date(2026, 11, 20), ItemStatus.OVERDUE, False),
        (None, ItemStatus.SIGNED_OFF, False),
        (date(2026, 10, 1), ItemStatus.DONE, False),  # sign-off requested: no longer dispatched
    ],
)
def test_stalled_when_chased_and_no_report_since_the_period_start(
    last_report: date | None, status: ItemStatus, stalled: bool
) -> None:
    assert is_stalled(status, last_report, date(2026, 11, 16)) is stalled
