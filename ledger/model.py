"""Plain dataclasses describing one entry of the ledger as a plan or spreadsheet states it."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ledger.indicators import IndicatorSpec


class ItemStatus(enum.StrEnum):
    """Status of an item as the offices report it: every item is in exactly one (`ledger.status` decides
    which). Listed in the order the summaries count them: first the four the completion rate counts
    (已销号, 已完成, 基本完成, 达到序时进度), then the others."""

    SIGNED_OFF = "signed_off"  # 已销号
    DONE = "done"  # 已完成, its sign-off requested and not yet decided
    BASICALLY_DONE = "basically_done"  # 基本完成: 100 %, sign-off not (or no longer) requested
    ON_SCHEDULE = "on_schedule"  # 达到序时进度
    IN_PROGRESS = "in_progress"  # 推进中: reported on, without 序时进度 (continuing, no deadline)
    BEHIND = "behind"  # 进度滞后
    OVERDUE = "overdue"  # 逾期未完成: past its deadline under 100 %
    REOPENED = "reopened"  # 重新纳入整改
    NOT_STARTED = "not_started"  # 未启动


# Items no longer chased: done (awaiting sign-off) or signed off. Every rule, query and view counts these.
CLOSED_STATUSES = (ItemStatus.DONE, ItemStatus.SIGNED_OFF)


class Role(enum.StrEnum):
    """What a person does for a unit."""

    OFFICER = "officer"  # 责任人员
    LEADER = "leader"  # 责任领导
    SUPERVISOR = "supervisor"  # 督导
    LEADERSHIP = "leadership"  # 领导小组
    ADMIN = "admin"  # 管理员


class UnitRole(enum.StrEnum):
    """How a unit is attached to an item."""

    LEAD = "lead"  # 牵头单位
    RESPONSIBLE = "responsible"  # 责任单位
    SUPERVISING = "supervising"  # 督导单位


@dataclass(frozen=True)
class Target:
    """One rectification target (整改目标), with its own deadline when the plan gives one."""

    text: str
    deadline: date | None = None


@dataclass(frozen=True)
class Measure:
    """One rectification measure (整改措施), with its own date when the plan gives one."""

    text: str
    due: date | None = None


@dataclass(frozen=True)
class Location:
    """Where in the source something was found: a line of a text file or a row of a spreadsheet."""

    line: int | None = None
    row: int | None = None


@dataclass(frozen=True)
class ImportNote:
    """A warning or error of an import, rendered later in the user's language.

    `code` names a template in `messages/templates/<locale>/import/`; `params` fill it.
    """

    code: str
    location: Location = field(default_factory=Location)
    item: str | None = None
    field: str | None = None
    params: tuple[tuple[str, str], ...] = ()


@dataclass
class ItemSpec:
    """One entry of the ledger as its source states it (an aspect of a finding is its own entry)."""

    number: str
    title: str
    problem: str
    start: date
    continuing: bool = False
    category: str | None = None
    cause: str | None = None
    targets: list[Target] = field(default_factory=list)
    deadline_text: str | None = None
    lead_units: list[str] = field(default_factory=list)
    responsible_units: list[str] = field(default_factory=list)
    supervising_units: list[str] = field(default_factory=list)
    responsible_leader: str | None = None
    responsible_person: str | None = None
    measures: list[Measure] = field(default_factory=list)
    location: Location = field(default_factory=Location)

    @property
    def deadline(self) -> date | None:
        """The item's deadline: its latest target deadline."""
        dates = [t.deadline for t in self.targets if t.deadline is not None]
        return max(dates) if dates else None


@dataclass
class ParsedLedger:
    """What a parser made of one source file."""

    items: list[ItemSpec] = field(default_factory=list)
    warnings: list[ImportNote] = field(default_factory=list)
    errors: list[ImportNote] = field(default_factory=list)
    plan_date: date | None = None
    read: int = 0  # entries read: items, table rows, blocks (an item over several rows is several)
    merged: list[ImportNote] = field(default_factory=list)  # entries read into another one, with their place
    skipped: list[ImportNote] = field(default_factory=list)  # entries read and not imported, with why
    indicators: list[IndicatorSpec] = field(default_factory=list)  # the plan's indicators (指标)


@dataclass(frozen=True)
class LedgerRow:
    """One line of the ledger as officials keep it: the planned item and its progress."""

    spec: ItemSpec
    status: ItemStatus
    percent: int
    days_overdue: int  # 0 unless 逾期未完成
    last_report: date | None
    evidence_count: int
    finding: bool = True  # a finding of the inspection (督察反馈问题), not a public complaint (群众举报件)
    stalled: bool = False  # still chased, and no progress report in its dispatch period
    period_start: date | None = (
        None  # the first day of its dispatch period (its own cadence, or the office's)
    )
    # What the exported ledger shows beside the plan (`LedgerService.export_rows`; left empty elsewhere):
    progress_text: str | None = None  # 整改进展情况: the text of the latest progress report
    level: int = 0  # 督办等级: the ladder's level now (0: none, 1 督办提醒 … 5 问责)
    signoff_state: str = "not_requested"  # 销号状态 (`ledger.signoff.signoff_state`)
    signed_off_on: date | None = None  # 销号日期
