"""What goes into a supervisor's daily digest and the leadership's weekly summary, as pure functions of
rows already read and of `today` (no clock, no store, no Telegram). Each item's status, days overdue and
whether it is stalled come with it, decided by `ledger.status` (via the services' standings).

The weekly summary counts every item once by status and gives the completion rate (总体任务完成率) as the
plans count it and as the monthly notice does (`ledger.status.LedgerSummary`): the share of findings
(群众举报件 are not counted) signed off, done, basically done or on schedule, in whole percent, rounded half
up; a ledger without findings has no rate (None). Beside them it carries the indicator ledger's board of the
day (`ledger.indicator_board`, judged as the monthly notice judges it), None when the office has no indicators.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ledger.indicator_board import IndicatorBoard
from ledger.model import ItemStatus
from ledger.status import LedgerSummary, summarize

WORST_UNITS = 5
# The headings of a unit's part of the digest, in the order the digest shows them.
HEADINGS = (
    "unreached",
    "waiting_review",
    "escalations",
    "overdue",
    "reports",
    "evidence",
    "stalled",
    "signed_off",
)
BUTTONS = 40  # item buttons under one digest: 8 rows of 5, the sender's limit of rows


@dataclass(frozen=True)
class DigestItem:
    """One item as the digest needs it; `units` are its responsible units."""

    number: str
    title: str
    units: tuple[str, ...]
    status: ItemStatus
    percent: int
    deadline: date | None
    last_report: date | None
    kind: str = "finding"
    days_overdue: int = 0  # 0 unless 逾期未完成
    stalled: bool = False  # still chased, no progress report in its dispatch period
    unreached: bool = False  # 无人接收: still chased, and nobody responsible is bound to receive its messages


@dataclass(frozen=True)
class Activity:
    """What happened to the items since the previous digest, keyed by item number."""

    reports: Sequence[tuple[str, int]] = ()  # (number, percent reported or -1 when none)
    evidence: Sequence[str] = ()  # one number per file
    escalations: Sequence[tuple[str, int]] = ()  # (number, level)
    # number → (reason, conditions) of its highest level in the window: the digest says why, as the notice did
    reasons: Mapping[str, tuple[str, Sequence[Mapping[str, Any]]]] = field(default_factory=dict)
    waiting_review: Sequence[str] = ()  # sign-off requests under the viewer's review
    signed_off: Sequence[str] = ()  # sign-offs approved


@dataclass(frozen=True)
class Entry:
    """One item under a heading of the digest; `detail` is the heading's number (days overdue, reports
    received, level, …), `percent` where the item stands."""

    number: str
    title: str
    percent: int
    detail: int = 0
    reason: str | None = None  # an escalation's reason key, with the conditions that held
    conditions: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class UnitDigest:
    unit: str | None
    unreached: tuple[Entry, ...] = ()
    reports: tuple[Entry, ...] = ()
    evidence: tuple[Entry, ...] = ()
    waiting_review: tuple[Entry, ...] = ()
    overdue: tuple[Entry, ...] = ()
    stalled: tuple[Entry, ...] = ()
    escalations: tuple[Entry, ...] = ()
    signed_off: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class Digest:
    """A supervisor's digest: per responsible unit, what came in, waits, lags and climbed."""

    today: date
    period_start: date  # of the office's dispatch period (`dispatch_days` on the work calendar)
    units: tuple[UnitDigest, ...]

    @property
    def empty(self) -> bool:
        return not self.units

    def rows(self) -> list[tuple[str | None, str, Entry]]:
        """Every entry as (unit, heading, entry), in the digest's order: the full list, as a spreadsheet
        carries it when the digest is too long to read in the chat."""
        found: list[tuple[str | None, str, Entry]] = []
        for unit in self.units:
            for heading in HEADINGS:
                found += [(unit.unit, heading, entry) for entry in getattr(unit, heading)]
        return found

    def heading_counts(self) -> list[tuple[str, int]]:
        """How many items each heading names (each item once per heading), headings without any left out."""
        counts = {
            heading: len({e.number for u in self.units for e in getattr(u, heading)}) for heading in HEADINGS
        }
        return [(heading, count) for heading, count in counts.items() if count]

    @property
    def numbers(self) -> tuple[str, ...]:
        """The items named, in the order they first appear, for the buttons that open them."""
        seen: dict[str, None] = {}
        seen.update((entry.number, None) for _unit, _heading, entry in self.rows())
        return tuple(seen)[:BUTTONS]


def _unit_of(item: DigestItem) -> str | None:
    return "、".join(item.units) if item.units else None


def build_digest(items: Iterable[DigestItem], activity: Activity, today: date, period_start: date) -> Digest:
    """The digest of `items` (those the reader supervises) on `today`; units without anything to say
    are left out, so nothing at all to report gives an empty digest."""
    by_number = {item.number: item for item in items}
    reports = Counter(number for number, _ in activity.reports)
    evidence = Counter(activity.evidence)
    levels: dict[str, int] = {}
    for number, level in activity.escalations:
        levels[number] = max(level, levels.get(number, 0))
    sections: dict[str | None, dict[str, list[Entry]]] = {}

    def put(section: str, item: DigestItem, detail: int = 0) -> None:
        reason, conditions = (
            activity.reasons.get(item.number, (None, ())) if section == "escalations" else (None, ())
        )
        entry = Entry(item.number, item.title, item.percent, detail, reason, tuple(conditions))
        sections.setdefault(_unit_of(item), {}).setdefault(section, []).append(entry)

    for item in by_number.values():
        if item.unreached:
            put("unreached", item)
        if reports[item.number]:
            put("reports", item, reports[item.number])
        if evidence[item.number]:
            put("evidence", item, evidence[item.number])
        if item.number in activity.waiting_review:
            put("waiting_review", item)
        if item.status == ItemStatus.OVERDUE:
            put("overdue", item, item.days_overdue)
        elif item.stalled:
            put("stalled", item)
        if item.number in levels:
            put("escalations", item, levels[item.number])
        if item.number in activity.signed_off:
            put("signed_off", item)
    units = []
    for unit in sorted(sections, key=lambda name: (name is None, name or "")):
        found = sections[unit]
        overdue = sorted(found.get("overdue", []), key=lambda entry: -entry.detail)
        units.append(
            UnitDigest(
                unit,
                unreached=tuple(found.get("unreached", [])),
                reports=tuple(found.get("reports", [])),
                evidence=tuple(found.get("evidence", [])),
                waiting_review=tuple(found.get("waiting_review", [])),
                overdue=tuple(overdue),
                stalled=tuple(found.get("stalled", [])),
                escalations=tuple(found.get("escalations", [])),
                signed_off=tuple(found.get("signed_off", [])),
            )
        )
    return Digest(today, period_start, tuple(units))


@dataclass(frozen=True)
class WeeklySummary:
    today: date
    summary: LedgerSummary  # every item by status, and the findings' completion rate
    worst: tuple[tuple[str, int], ...]  # responsible units with most items 逾期未完成: (unit, overdue)
    indicators: IndicatorBoard | None = None  # the indicator ledger on the day; None: the office has none


def weekly_summary(
    items: Sequence[DigestItem], today: date, indicators: IndicatorBoard | None = None
) -> WeeklySummary:
    """The week's summary of the items on the day `today`, with the indicators' board of that day (when the
    office has indicators: an empty board is no section)."""
    overdue = Counter(unit for item in items if item.status == ItemStatus.OVERDUE for unit in item.units)
    worst = sorted(overdue.items(), key=lambda pair: (-pair[1], pair[0]))[:WORST_UNITS]
    return WeeklySummary(
        today=today,
        summary=summarize((item.status, item.kind == "finding") for item in items),
        worst=tuple(worst),
        indicators=indicators if indicators is not None and indicators.lines else None,
    )
