"""What the reports say: the month, counts by status, the month's events, the overdue and the stalled items
named by unit, progress by unit. Pure functions of the ledger's rows and a day (no store, no clock); each
row's status comes from `ledger.status`, its dispatch period from the office's rules (`scheduler.rules`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ledger.indicator_board import IndicatorBoard
from ledger.model import ItemStatus, LedgerRow
from ledger.status import LedgerSummary, summarize
from ledger.text import full_title
from ledger.units import is_collective

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
    lead_units: tuple[str, ...] = ()  # 牵头单位
    problem: str = ""  # 问题描述, whole

    @property
    def full_title(self) -> str:
        """The title as documents print it: never cut with "…"."""
        return full_title(self.title, self.problem)

    @property
    def lead_unit(self) -> str:
        """The unit the item is listed under once: its first 牵头单位, else its first 责任单位, else ""."""
        return next(iter(self.lead_units or self.units), "")

    def other_units(self) -> tuple[str, ...]:
        """Its other units (lead and responsible), besides `lead_unit`, each once."""
        return tuple(u for u in dict.fromkeys((*self.lead_units, *self.units)) if u != self.lead_unit)


@dataclass(frozen=True)
class UnitItems:
    unit: str
    items: tuple[ReportItem, ...]


@dataclass(frozen=True)
class Issuer:
    """Who sends the month's notice (发文机关, also its signature), to whom (主送机关), and how its issues are
    numbered (期号): from `first_month` on (第1期 that month), or, without it, by month within each year."""

    office: str
    recipients: str
    first_month: Month | None = None

    def issue(self, month: Month) -> int:
        """The 期号 of `month`'s notice: counted from `first_month` (第1期), else the month's number within
        its year (2026年第11期)."""
        if self.first_month is None:
            return month.month
        return max((month.year - self.first_month.year) * 12 + month.month - self.first_month.month + 1, 1)


@dataclass(frozen=True)
class MonthEvent:
    """One kind of event of the month (`kind`: warning 预警, notice 通报, summons_proposal 约谈建议, summons
    约谈 held and recorded, signed_off 销号, reopened 重新纳入整改): how many, and the numbers of the items, each once."""

    kind: str
    count: int
    numbers: tuple[str, ...]


EVENT_KINDS = ("warning", "notice", "summons_proposal", "summons", "signed_off", "reopened")


def month_events(happened: Iterable[tuple[str, str]], plan_order: Sequence[str]) -> tuple[MonthEvent, ...]:
    """`happened`: (kind, item number) of each event in the month → every kind of `EVENT_KINDS` that
    happened, in that order, its items in plan order."""
    by_kind: dict[str, list[str]] = {}
    for kind, number in happened:
        by_kind.setdefault(kind, []).append(number)
    rank = {number: index for index, number in enumerate(plan_order)}
    return tuple(
        MonthEvent(
            kind, len(by_kind[kind]), tuple(sorted(set(by_kind[kind]), key=lambda n: rank.get(n, len(rank))))
        )
        for kind in EVENT_KINDS
        if kind in by_kind
    )


@dataclass(frozen=True)
class NoticeContext:
    """What the month's notice says beside the ledger: its issuer, the month's events, when the next
    dispatch period starts (`next_dispatch`) and by when its report is due (`answer_due`), the
    office's units in their order (the order units are listed in), and the indicator ledger on the
    notice's day (its section and annex, when the plan has indicators)."""

    issuer: Issuer
    events: tuple[MonthEvent, ...]
    next_dispatch: date
    answer_due: date
    unit_order: tuple[str, ...] = ()
    indicators: IndicatorBoard | None = None  # the indicator ledger on the notice's day; None: it has none


@dataclass(frozen=True)
class UnitProgress:
    """One responsible unit's progress (the chart's bar): its items, their average percent, and the colour
    class of its bar — `overdue` (红: an item 逾期未完成), `behind` (黄: an item 进度滞后), else `on_track` (绿:
    on schedule, in progress or done)."""

    unit: str
    items: int
    average_percent: float
    tone: str


TONES = ("on_track", "behind", "overdue")


def by_progress(rows: Sequence[UnitProgress]) -> list[UnitProgress]:
    """The chart's units from the least advanced to the most (ties in the order given)."""
    return sorted(rows, key=lambda row: row.average_percent)


@dataclass(frozen=True)
class MonthReport:
    """The month's dispatch notice, as of its last day (or today, for the current month).

    `summary`: every item by status, each once, and the findings' completion rate. `overdue`: the items
    逾期未完成 on `as_of`; `stalled`: the items still chased without a progress report in their dispatch
    period (`period_start`: the office's, from its dispatch days and calendar). Both listed by unit, each
    item once, under its 牵头单位 (`ReportItem.lead_unit`), its other units named beside it.
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
    context: NoticeContext

    @property
    def issue(self) -> int:
        return self.context.issuer.issue(self.month)

    @property
    def issue_of_year(self) -> bool:
        """Whether issues are numbered within each year (the 期号 then names its year)."""
        return self.context.issuer.first_month is None


@dataclass(frozen=True)
class PublicReport:
    """What may be published: every item with its status, percent, deadline and units, as of a day."""

    as_of: date
    summary: LedgerSummary
    items: tuple[ReportItem, ...]


def report_item(row: LedgerRow) -> ReportItem:
    spec = row.spec
    return ReportItem(
        lead_units=tuple(spec.lead_units),
        problem=spec.problem,
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


def month_report(
    month: Month, as_of: date, period_start: date, items: Sequence[ReportItem], context: NoticeContext
) -> MonthReport:
    overdue = [item for item in items if item.status == ItemStatus.OVERDUE]
    stalled = [item for item in items if item.stalled]
    return MonthReport(
        month=month,
        as_of=as_of,
        period_start=period_start,
        summary=summary_of(items),
        items=tuple(items),
        overdue=by_lead_unit(overdue, context.unit_order),
        overdue_count=len(overdue),
        stalled=by_lead_unit(stalled, context.unit_order),
        stalled_count=len(stalled),
        context=context,
    )


def _ordered(names: Iterable[str], unit_order: Sequence[str]) -> list[str]:
    """`names` in the office's order (`unit_order`), those it does not know after them by name, "" last."""
    rank = {name: index for index, name in enumerate(unit_order)}
    return sorted(names, key=lambda u: (not u, rank.get(u, len(rank)), u))


def by_lead_unit(items: Iterable[ReportItem], unit_order: Sequence[str] = ()) -> tuple[UnitItems, ...]:
    """Each item once, under its 牵头单位 (`ReportItem.lead_unit`), units in the office's order; items
    without a unit under "" (shown as such), last."""
    groups: dict[str, list[ReportItem]] = {}
    for item in items:
        groups.setdefault(item.lead_unit, []).append(item)
    return tuple(UnitItems(unit, tuple(groups[unit])) for unit in _ordered(groups, unit_order))


def unit_progress(items: Iterable[ReportItem], unit_order: Sequence[str] = ()) -> list[UnitProgress]:
    """Progress of every responsible unit (an item of several units counts for each), in the office's
    order; items without a unit, and collective entries (各成员单位), have no bar."""
    groups: dict[str, list[ReportItem]] = {}
    for item in items:
        for unit in item.units:
            if not is_collective(unit):
                groups.setdefault(unit, []).append(item)
    progress = []
    for unit in _ordered(groups, unit_order):
        members = groups[unit]
        statuses = {item.status for item in members}
        tone = (
            "overdue"
            if ItemStatus.OVERDUE in statuses
            else "behind"
            if ItemStatus.BEHIND in statuses
            else "on_track"
        )
        average = sum(item.percent for item in members) / len(members)
        progress.append(UnitProgress(unit, len(members), average, tone))
    return progress
