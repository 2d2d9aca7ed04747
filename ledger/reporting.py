"""What the reports say: the month, counts by status, the overdue and the stalled items named by unit,
progress by unit. Pure functions of the ledger's rows and a day (no store, no clock); each row's status
comes from `ledger.status`, its dispatch period from the office's rules (`scheduler.rules`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ledger.model import ItemStatus, LedgerRow
from ledger.status import LedgerSummary, summarize

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
    days_overdue: int  # as of the report's day; 0 unless 逾期未完成
    finding: bool = True  # a finding of the inspection (督察反馈问题), not a public complaint
    stalled: bool = False  # no progress report in its dispatch period, as of the report's day
    period_start: date | None = (
        None  # the first day of its dispatch period (its own cadence, or the office's)
    )


@dataclass(frozen=True)
class UnitItems:
    unit: str
    items: tuple[ReportItem, ...]


@dataclass(frozen=True)
class UnitProgress:
    """One responsible unit's progress: its items and their average percent (the chart's bar)."""

    unit: str
    items: int
    average_percent: float


@dataclass(frozen=True)
class MonthReport:
    """The month's dispatch notice, as of its last day (or today, for the current month).

    `summary`: every item by status, each once, and the findings' completion rate. `overdue`: the items
    逾期未完成 on `as_of`; `stalled`: the items still chased without a progress report in their dispatch
    period (`period_start`: the office's, from its dispatch days and calendar). Both listed under each
    responsible unit (an item of several units under each), counted once each in `overdue_count` and
    `stalled_count`.
    """

    month: Month
    as_of: date
    period_start: date
    summary: LedgerSummary
    items: tuple[ReportItem, ...]
    overdue: tuple[UnitItems, ...]
    overdue_count: int
    stalled: tuple[UnitItems, ...]
    stalled_count: int


@dataclass(frozen=True)
class PublicReport:
    """What may be published: every item with its status, percent, deadline and units, as of a day."""

    as_of: date
    summary: LedgerSummary
    items: tuple[ReportItem, ...]


def report_item(row: LedgerRow) -> ReportItem:
    spec = row.spec
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
        days_overdue=row.days_overdue,
        finding=row.finding,
        stalled=row.stalled,
        period_start=row.period_start,
    )


def summary_of(items: Iterable[ReportItem]) -> LedgerSummary:
    return summarize((item.status, item.finding) for item in items)


def month_report(month: Month, as_of: date, period_start: date, items: Sequence[ReportItem]) -> MonthReport:
    overdue = [item for item in items if item.status == ItemStatus.OVERDUE]
    stalled = [item for item in items if item.stalled]
    return MonthReport(
        month=month,
        as_of=as_of,
        period_start=period_start,
        summary=summary_of(items),
        items=tuple(items),
        overdue=by_unit(overdue),
        overdue_count=len(overdue),
        stalled=by_unit(stalled),
        stalled_count=len(stalled),
    )


def by_unit(items: Iterable[ReportItem]) -> tuple[UnitItems, ...]:
    """Items under each of their units (an item of several units under each), units by name; items
    without a unit under "" (shown as such), last."""
    groups: dict[str, list[ReportItem]] = {}
    for item in items:
        for unit in item.units or ("",):
            groups.setdefault(unit, []).append(item)
    return tuple(UnitItems(unit, tuple(groups[unit])) for unit in sorted(groups, key=lambda u: (not u, u)))


def unit_progress(items: Iterable[ReportItem]) -> list[UnitProgress]:
    """Progress of every unit, by name (items without a unit have no bar)."""
    progress = []
    for group in (group for group in by_unit(items) if group.unit):
        average = sum(item.percent for item in group.items) / len(group.items)
        progress.append(UnitProgress(group.unit, len(group.items), average))
    return progress
