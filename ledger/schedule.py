"""Deadlines and urgency as pure functions of an item's status and `today` (no clock, no store).

The dispatch period (调度期) depends on the office's rules and work calendar: `scheduler.rules.period_start`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from ledger.model import ItemStatus
from ledger.status import FINISHED_STATUSES


class Timing(enum.StrEnum):
    """Where an item stands against its deadline on a given day."""

    OVERDUE = "overdue"  # 逾期未完成: under 100 % and past its deadline
    DUE = "due"  # open, deadline today or later
    CONTINUING = "continuing"  # open, no end date (长期坚持)
    CLOSED = "closed"  # basically done, done or signed off: the deadline no longer matters


@dataclass(frozen=True)
class DeadlineState:
    """An item's timing on a day; `days` is days overdue (OVERDUE) or days left (DUE), else 0."""

    timing: Timing
    days: int = 0


def deadline_state(deadline: date | None, status: ItemStatus, today: date) -> DeadlineState:
    """Days left or days overdue on `today` of an item whose status (`ledger.status.item_status`, the same
    day) is `status`; an item without a deadline is continuing. Overdue exactly when the status is
    逾期未完成, so a line never says both "overdue" and another status."""
    if status in FINISHED_STATUSES:
        return DeadlineState(Timing.CLOSED)
    if deadline is None:
        return DeadlineState(Timing.CONTINUING)
    if status == ItemStatus.OVERDUE:
        return DeadlineState(Timing.OVERDUE, (today - deadline).days)
    return DeadlineState(Timing.DUE, (deadline - today).days)


_RANK = {Timing.OVERDUE: 0, Timing.DUE: 1, Timing.CONTINUING: 2, Timing.CLOSED: 3}


def urgency_key(state: DeadlineState, sort_key: str) -> tuple[int, int, str]:
    """Sort key, most urgent first: overdue (most days first), then nearest deadline, then continuing
    items, then closed ones; ties in plan order (`sort_key` of the item number)."""
    if state.timing == Timing.OVERDUE:
        return (_RANK[state.timing], -state.days, sort_key)
    return (_RANK[state.timing], state.days, sort_key)
