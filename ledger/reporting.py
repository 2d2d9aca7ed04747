"""What the reports say: the month and its dispatch period, counts by status, the overdue and the stalled
items named by unit, progress by unit. Pure functions of the ledger's rows and a day (no store, no clock)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ledger.model import CLOSED_STATUSES, ItemStatus, LedgerRow
from ledger.schedule import DISPATCH_DAYS

# "已完成18项，基本完成22项，达到序时进度9项，总体任务完成率达到79%" (49 of 62): the offices count as
# completed what is done, basically done or on schedule.
ON_TRACK = frozenset({*CLOSED_STATUSES, ItemStatus.BASICALLY_DONE, ItemStatus.ON_SCHEDULE})
_MONTH = re.compile(r"^\s*(\d{4})\s*(?:-|/|\.|年)\s*(\d{1,2})\s*月?\s*$")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        following = date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return following - timedelta(days=1)

    @property
    def second_period_start(self) -> date:
        """The month's second dispatch period (每月两次调度) runs from this day to the month's end."""
        return self.first.replace(day=DISPATCH_DAYS[-1])


def parse_month(text: str) -> Month | None:
    """`2026-11`, `2026-1`, `2026/11`, `2026年11月` → the month; anything else → None."""
    match = _MONTH.match(text)
    if match is None:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    return Month(year, month) if 1 <= month <= 12 and year >= 1900 else None


@dataclass(frozen=True)
class ReportItem:
    """One item as a report shows it: no names of people, only units."""

    number: str
    title: str
    units: tuple[str, ...]  # responsible units, else the lead units
    deadline: date | None
    deadline_text: str | None
    continuing: bool
    status: ItemStatus
    percent: int
    last_report: date | None
    days_overdue: int  # as of the report's day; 0 when not overdue


@dataclass(frozen=True)
class StatusCounts:
    total: int
    done: int  # 已完成: done, awaiting sign-off, or signed off
    basically_done: int
    on_schedule: int
    behind: int
    overdue: int
    by_status: tuple[tuple[ItemStatus, int], ...]  # every status, in the order of ItemStatus

    @property
    def completion_rate(self) -> int:
        """Percent of the items done, basically done or on schedule (the offices' 总体任务完成率)."""
        if not self.total:
            return 0
        on_track = sum(count for status, count in self.by_status if status in ON_TRACK)
        return round(100 * on_track / self.total)


@dataclass(frozen=True)
class UnitItems:
    unit: str
    items: tuple[ReportItem, ...]


@dataclass(frozen=True)
class UnitProgress:
    """One responsible unit's progress: its items, their average percent, and how many in each status."""

    unit: str
    items: int
    average_percent: float
    by_status: tuple[tuple[ItemStatus, int], ...]


@dataclass(frozen=True)
class MonthReport:
    """The month's dispatch notice, as of its last day (or today, for the current month).

    `overdue`: open items past their deadline on `as_of`; `stalled`: open items without a progress report
    from `period_start` (the dispatch period `as_of` falls in: the month's second one, once it began) to
    `as_of`. Both by responsible unit. Statuses and percents are the items' current ones.
    """

    month: Month
    as_of: date
    period_start: date
    counts: StatusCounts
    items: tuple[ReportItem, ...]
    overdue: tuple[UnitItems, ...]
    stalled: tuple[UnitItems, ...]
    stalled_count: int


@dataclass(frozen=True)
class PublicReport:
    """What may be published: every item with its status, percent, deadline and units, as of a day."""

    as_of: date
    counts: StatusCounts
    items: tuple[ReportItem, ...]


def report_item(row: LedgerRow, day: date) -> ReportItem:
    spec = row.spec
    overdue = spec.deadline is not None and row.status not in CLOSED_STATUSES and day > spec.deadline
    return ReportItem(
        number=spec.number,
        title=spec.title,
        units=tuple(spec.responsible_units or spec.lead_units),
        deadline=spec.deadline,
        deadline_text=spec.deadline_text,
        continuing=spec.continuing,
        status=row.status,
        percent=row.percent,
        last_report=row.last_report,
        days_overdue=(day - spec.deadline).days if overdue and spec.deadline is not None else 0,
    )


def status_counts(items: Sequence[ReportItem]) -> StatusCounts:
    by_status = dict.fromkeys(ItemStatus, 0)
    for item in items:
        by_status[item.status] += 1
    return StatusCounts(
        total=len(items),
        done=by_status[ItemStatus.DONE] + by_status[ItemStatus.SIGNED_OFF],
        basically_done=by_status[ItemStatus.BASICALLY_DONE],
        on_schedule=by_status[ItemStatus.ON_SCHEDULE],
        behind=by_status[ItemStatus.BEHIND],
        overdue=sum(1 for item in items if item.days_overdue),
        by_status=tuple(by_status.items()),
    )


def by_unit(items: Iterable[ReportItem]) -> tuple[UnitItems, ...]:
    """Items under each of their units (an item of several units under each), units by name."""
    groups: dict[str, list[ReportItem]] = {}
    for item in items:
        for unit in item.units:
            groups.setdefault(unit, []).append(item)
    return tuple(UnitItems(unit, tuple(groups[unit])) for unit in sorted(groups))


def stalled_items(items: Iterable[ReportItem], reported: set[str]) -> list[ReportItem]:
    """Open items whose number is not among those reported on in the dispatch period."""
    return [item for item in items if item.status not in CLOSED_STATUSES and item.number not in reported]


def unit_progress(items: Iterable[ReportItem]) -> list[UnitProgress]:
    """Progress of every unit, by name."""
    progress = []
    for group in by_unit(items):
        counts = status_counts(group.items)
        average = sum(item.percent for item in group.items) / len(group.items)
        progress.append(UnitProgress(group.unit, len(group.items), average, counts.by_status))
    return progress
