"""An item's status (整改状态), decided in one place from the item's facts and the day.

Nothing stores a status: every list, card, count, digest, notice, page and export asks `item_status` with
the facts as they are in the store at that moment, so a status is right the moment a report, an extension,
a reopening or a sign-off decision changes a fact, and the morning a deadline passes (even after
downtime), without waiting for any tick.

The precedence, first match wins (the README's "Statuses" says the same):

1. 已销号 signed off — every supervising unit approved the sign-off, and the item was not reopened since.
2. 已完成 done — a sign-off request is filed and not yet decided (with the leader or the reviewers).
3. 基本完成 basically done — 100 % reported, no sign-off filed (none yet, or returned or withdrawn).
4. 逾期未完成 overdue — under 100 % and today is after its deadline (as extended), whatever the percent:
   an overdue item is never 达到序时进度.
5. 重新纳入整改 reopened — reopened after a sign-off (回头看), under 100 % and within its new deadline.
6. For an item without 序时进度 — continuing (长期坚持) or without a deadline: 推进中 once started (anything
   reported, or a percent above 0), else 未启动.
7. 进度滞后 behind — its percent is below the share of its time elapsed (start to deadline) less the
   office's tolerance (`schedule_tolerance`, percentage points), started or not.
8. 未启动 not started — not started yet (nothing reported, 0 %), and not behind.
9. 达到序时进度 on schedule — started, and at least the share of its time elapsed less the tolerance.

So each item is in exactly one status, and the plans' completion rate (总体任务完成率: "已完成18项，基本完成
22项，达到序时进度9项" of 62 = 79 %) counts `COMPLETED_STATUSES`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ledger.model import CLOSED_STATUSES, ItemStatus

# What the plans count as completed in 总体任务完成率: signed off, done, basically done, on schedule.
COMPLETED_STATUSES = frozenset(
    {ItemStatus.SIGNED_OFF, ItemStatus.DONE, ItemStatus.BASICALLY_DONE, ItemStatus.ON_SCHEDULE}
)
# The work is done (100 %, or sign-off owns the item): its deadline no longer makes it urgent.
FINISHED_STATUSES = frozenset({ItemStatus.SIGNED_OFF, ItemStatus.DONE, ItemStatus.BASICALLY_DONE})


@dataclass(frozen=True)
class ItemFacts:
    """What the store knows of an item that its status depends on."""

    percent: int
    reported: bool  # any progress report on it
    start: date
    deadline: date | None  # as extended or as set by a reopening
    continuing: bool  # 长期坚持: dispatched, but without 序时进度
    signoff_open: bool  # a sign-off request filed and not yet decided
    signed_off: bool  # approved, and not reopened since
    reopened: bool  # reopened after a sign-off (回头看)


def item_status(facts: ItemFacts, today: date, tolerance: int) -> ItemStatus:
    """The item's status on `today` (see the module's docstring for the precedence)."""
    if facts.signed_off:
        return ItemStatus.SIGNED_OFF
    if facts.signoff_open:
        return ItemStatus.DONE
    if facts.percent >= 100:
        return ItemStatus.BASICALLY_DONE
    if facts.deadline is not None and today > facts.deadline:
        return ItemStatus.OVERDUE
    if facts.reopened:
        return ItemStatus.REOPENED
    started = facts.reported or facts.percent > 0
    if facts.continuing or facts.deadline is None:
        return ItemStatus.IN_PROGRESS if started else ItemStatus.NOT_STARTED
    if _behind(facts.start, facts.deadline, facts.percent, today, tolerance):
        return ItemStatus.BEHIND
    return ItemStatus.ON_SCHEDULE if started else ItemStatus.NOT_STARTED


def _behind(start: date, deadline: date, percent: int, today: date, tolerance: int) -> bool:
    # percent < elapsed / total × 100 − tolerance, in whole numbers (no rounding at the boundary).
    elapsed, total = _elapsed(start, deadline, today)
    return (percent + tolerance) * total < 100 * elapsed


def _elapsed(start: date, deadline: date, today: date) -> tuple[int, int]:
    """(days elapsed, days in all) of the time from start to deadline, elapsed within [0, total]; a
    deadline on or before the start is all elapsed (1 of 1) from the start on."""
    total = (deadline - start).days
    if total <= 0:
        return (0, 1) if today < start else (1, 1)
    return max(0, min(total, (today - start).days)), total


def expected_percent(start: date, deadline: date | None, continuing: bool, today: date) -> int | None:
    """序时进度: the percent the share of time elapsed asks for on `today`, rounded down; None for an item
    without one (continuing, no deadline)."""
    if continuing or deadline is None:
        return None
    elapsed, total = _elapsed(start, deadline, today)
    return 100 * elapsed // total


def is_chased(status: ItemStatus) -> bool:
    """Still dispatched and on the ladder: neither done (sign-off requested) nor signed off."""
    return status not in CLOSED_STATUSES


def is_stalled(status: ItemStatus, last_report: date | None, period_start: date) -> bool:
    """未报送: a chased item without a progress report since its dispatch period began."""
    return is_chased(status) and (last_report is None or last_report < period_start)


@dataclass(frozen=True)
class StatusCounts:
    """How many items are in each status: a partition of `total`, each item counted once."""

    by_status: tuple[tuple[ItemStatus, int], ...]  # every status, in the order of `ItemStatus`

    @property
    def total(self) -> int:
        return sum(count for _, count in self.by_status)

    @property
    def listed(self) -> tuple[tuple[ItemStatus, int], ...]:
        """The statuses that have items, in the order of `ItemStatus` (they add up to `total`)."""
        return tuple((status, count) for status, count in self.by_status if count)

    def count(self, status: ItemStatus) -> int:
        return dict(self.by_status)[status]

    @property
    def completed(self) -> int:
        """Items in `COMPLETED_STATUSES`: 已销号 + 已完成 + 基本完成 + 达到序时进度."""
        return sum(count for status, count in self.by_status if status in COMPLETED_STATUSES)

    @property
    def rate(self) -> int | None:
        """总体任务完成率: `completed` of `total` in whole percent, rounded half up; None without items."""
        if not self.total:
            return None
        return (200 * self.completed + self.total) // (2 * self.total)


def count_statuses(statuses: Iterable[ItemStatus]) -> StatusCounts:
    counts = Counter(statuses)
    return StatusCounts(tuple((status, counts[status]) for status in ItemStatus))


@dataclass(frozen=True)
class LedgerSummary:
    """What every summary (the weekly summary, the month's notice, the public page) states: the items by
    status, and the completion rate of the inspection's findings (督察反馈问题), as the plans count it;
    public complaints (群众举报件) are counted by status but not in the rate."""

    counts: StatusCounts  # every item
    findings: StatusCounts  # the findings only: the completion rate's base

    @property
    def complaints(self) -> int:
        return self.counts.total - self.findings.total


def summarize(items: Iterable[tuple[ItemStatus, bool]]) -> LedgerSummary:
    """`items`: (status, whether it is a finding) of each item, each once."""
    pairs = list(items)
    return LedgerSummary(
        count_statuses(status for status, _ in pairs),
        count_statuses(status for status, finding in pairs if finding),
    )
