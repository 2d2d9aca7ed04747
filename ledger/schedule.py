"""Deadlines, urgency and the dispatch period as pure functions of `today` (no clock, no store)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

# The dispatch period starts on these days of the month (每月两次调度): the 1st and the 16th.
DISPATCH_DAYS = (1, 16)


class Timing(enum.StrEnum):
    """Where an item stands against its deadline on a given day."""

    OVERDUE = "overdue"  # open and past its deadline
    DUE = "due"  # open, deadline today or later
    CONTINUING = "continuing"  # open, no end date (长期坚持)
    CLOSED = "closed"  # done or signed off: the deadline no longer matters


@dataclass(frozen=True)
class DeadlineState:
    """An item's timing on a day; `days` is days overdue (OVERDUE) or days left (DUE), else 0."""

    timing: Timing
    days: int = 0


def deadline_state(deadline: date | None, *, closed: bool, today: date) -> DeadlineState:
    """Days left or days overdue of an item on `today`; an item without a deadline is continuing."""
    if closed:
        return DeadlineState(Timing.CLOSED)
    if deadline is None:
        return DeadlineState(Timing.CONTINUING)
    if today > deadline:
        return DeadlineState(Timing.OVERDUE, (today - deadline).days)
    return DeadlineState(Timing.DUE, (deadline - today).days)


_RANK = {Timing.OVERDUE: 0, Timing.DUE: 1, Timing.CONTINUING: 2, Timing.CLOSED: 3}


def urgency_key(state: DeadlineState, sort_key: str) -> tuple[int, int, str]:
    """Sort key, most urgent first: overdue (most days first), then nearest deadline, then continuing
    items, then closed ones; ties in plan order (`sort_key` of the item number)."""
    if state.timing == Timing.OVERDUE:
        return (_RANK[state.timing], -state.days, sort_key)
    return (_RANK[state.timing], state.days, sort_key)


def period_start(today: date) -> date:
    """The first day of the dispatch period `today` falls in: the latest dispatch day on or before it."""
    return today.replace(day=max(day for day in DISPATCH_DAYS if day <= today.day))


def is_stalled(last_report: date | None, *, signed_off: bool, today: date) -> bool:
    """No progress report within the current dispatch period, on an item not yet signed off."""
    if signed_off:
        return False
    return last_report is None or last_report < period_start(today)
