"""Days left and overdue, urgency order and the dispatch period, at chosen dates."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.schedule import DeadlineState, Timing, deadline_state, is_stalled, period_start, urgency_key

TODAY = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("deadline", "closed", "expected"),
    [
        (date(2026, 11, 19), False, DeadlineState(Timing.OVERDUE, 1)),
        (date(2025, 11, 20), False, DeadlineState(Timing.OVERDUE, 365)),
        (date(2026, 11, 20), False, DeadlineState(Timing.DUE, 0)),
        (date(2026, 12, 31), False, DeadlineState(Timing.DUE, 41)),
        (None, False, DeadlineState(Timing.CONTINUING)),
        (date(2026, 1, 1), True, DeadlineState(Timing.CLOSED)),
        (None, True, DeadlineState(Timing.CLOSED)),
    ],
)
def test_deadline_state(deadline: date | None, closed: bool, expected: DeadlineState) -> None:
    assert deadline_state(deadline, closed=closed, today=TODAY) == expected


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
    ("today", "start"),
    [
        (date(2026, 11, 1), date(2026, 11, 1)),
        (date(2026, 11, 15), date(2026, 11, 1)),
        (date(2026, 11, 16), date(2026, 11, 16)),
        (date(2026, 11, 30), date(2026, 11, 16)),
        (date(2026, 2, 28), date(2026, 2, 16)),
        (date(2027, 1, 1), date(2027, 1, 1)),
    ],
)
def test_period_starts_on_the_first_or_the_sixteenth(today: date, start: date) -> None:
    assert period_start(today) == start


@pytest.mark.parametrize(
    ("last_report", "signed_off", "stalled"),
    [
        (None, False, True),
        (date(2026, 11, 15), False, True),
        (date(2026, 11, 16), False, False),
        (date(2026, 11, 20), False, False),
        (None, True, False),
        (date(2026, 10, 1), True, False),
    ],
)
def test_stalled_when_no_report_since_the_period_start(
    last_report: date | None, signed_off: bool, stalled: bool
) -> None:
    assert is_stalled(last_report, signed_off=signed_off, today=TODAY) is stalled
