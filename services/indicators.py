"""The indicator ledger (指标台账) as the services read and change it: the verdicts of the indicators on a
day (the one place every view, digest and rule reads them from), a value reported in chat (`/value`), and
a spreadsheet of values a clerk imports (checked and recorded as `/value` is, row by row, all or nothing),
and the day's rule that asks the responsible officers for values and raises an indicator's ladder.

The off-track rule is pure (`ledger.indicator_progress.judge`), so are the checks of a value
(`ledger.indicator_values`) and the asking and ladder rules (`scheduler.indicator_ladder`); this module feeds
them the store and records and tells what they decide.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from ledger.access import Viewer
from ledger.actor import SCHEDULER, Actor
from ledger.errors import DubanError
from ledger.indicator_progress import Verdict, judge
from ledger.indicator_value_sheet import ParsedValueSheet, ValueRow
from ledger.indicator_values import CONFIRM_WORDS, ValueLine, is_unit, read_number, read_value_line
from ledger.indicators import IndicatorSpec, IndicatorValue, Period
from ledger.model import ImportNote, Role
from ledger.text import split_arguments
from scheduler.calendar import WorkCalendar
from scheduler.indicator_ladder import (
    answer_by,
    asked_today,
    next_indicator_step,
    verdict_facts,
    verdict_from_facts,
)
from scheduler.rules import Level, Rules
from services import audit
from services.indicator_views import judged_ledger
from services.office import Office
from services.outbox import Outbox
from storage import indicator_queries, people_queries
from storage.db import hold_writes
from storage.indicator_tables import Indicator, IndicatorEscalation

REPORTERS = (Role.OFFICER, Role.SUPERVISOR, Role.ADMIN)  # who may use /value (officers: of the unit)
ASK_KIND = "indicator_ask"
WARNING_KIND = "indicator_warning"
WORDS_LIMIT = 20  # words after the value: the period, the source (数据来源), 确认


def verdicts(session: Session, on: date) -> list[tuple[Indicator, Verdict]]:
    """Every indicator, in the order of the plan's table, with its state on the day `on` as the values
    stored now decide it: the verdicts of the board `/indicators`, the notice and the weekly summary show
    (`services.indicator_views.judged_ledger`, the one reading). An indicator's number (`/value N`,
    `/indicator N`) is its place in this list, from 1."""
    judged = judged_ledger(session, on)
    return [(row, line.verdict) for row, line in zip(judged.rows, judged.board.lines, strict=True)]


def _key(text: str) -> str:
    """A name as it is compared: full-width forms folded, spaces dropped, case ignored (PM2.5 = ｐｍ２．５)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def find_indicator(session: Session, text: str) -> tuple[int, Indicator]:
    """The indicator `text` names, with its number: its number (`1`, `第1项`), its name, or a part of its
    name that only it has. Refuses a name none or several have."""
    indicators = indicator_queries.all_indicators(session)
    wanted = _key(text)
    if not indicators:
        raise DubanError("indicator/none")
    number = re.fullmatch(r"(?:第|#)?(\d{1,4})(?:项|个)?", wanted)
    if number is not None:
        place = int(number[1])
        if not 1 <= place <= len(indicators):
            raise DubanError("indicator/unknown", text=text[:30], count=len(indicators))
        return place, indicators[place - 1]
    exact = [(n, i) for n, i in enumerate(indicators, 1) if _key(i.name) == wanted]
    found = exact or [(n, i) for n, i in enumerate(indicators, 1) if wanted and wanted in _key(i.name)]
    if not found:
        raise DubanError("indicator/unknown", text=text[:30], count=len(indicators))
    if len(found) > 1:
        raise DubanError("indicator/ambiguous", text=text[:30], names=[f"{n} {i.name}" for n, i in found[:8]])
    return found[0]


@dataclass(frozen=True)
class ValueReported:
    """What `/value` did: the value recorded for the period (or nothing, when it was the value already
    recorded), the value it replaced, and the indicator's state after it."""

    number: int
    name: str
    unit: str | None
    period: Period
    value: float
    replaced: float | None  # the earlier value of the period it corrects
    unchanged: bool  # the same value as recorded: nothing stored
    verdict: Verdict


class IndicatorService:
    def __init__(self, office: Office) -> None:
        self._office = office

    def report(self, viewer: Viewer, arguments: list[str]) -> ValueReported:
        """`/value 指标名或编号 数值 [期间] [数据来源] [确认]`: check it (`ledger.indicator_values`) and record it
        in one transaction, audited; a second value for a period corrects the first. Refuses, changing
        nothing, what it cannot take."""
        if len(arguments) < 2:
            raise DubanError("indicator/usage")
        now = self._office.now()
        today = self._office.local_day(now)
        with self._office.sessions() as session, session.begin():
            hold_writes(session)
            number, indicator = find_indicator(session, arguments[0])
            self._may_report(viewer, indicator)
            spec = indicator_queries.indicator_to_spec(indicator)
            rest = split_arguments(arguments[2], WORDS_LIMIT) if len(arguments) > 2 else []
            line = read_value_line(arguments[1], rest, spec, today)
            value = IndicatorValue(line.period, line.value, source=line.source)
            replaced, unchanged = _record(session, indicator, value, viewer.actor, now, write=True)
            verdict = judge(spec, indicator_queries.readings(session, indicator), today)
            return ValueReported(
                number, indicator.name, indicator.unit, line.period, line.value, replaced, unchanged, verdict
            )

    def import_values(self, sheet: ParsedValueSheet, *, actor: Actor, dry_run: bool) -> ValuesImport:
        """A spreadsheet of values (`ledger.indicator_value_sheet`), each row checked as `/value` checks
        it (`read_value_line`: units, plausible range, one period, ended) and recorded as `/value` records
        it, all in one transaction. Any bad row refuses the whole file, changing nothing; a dry run
        changes nothing either and lists what the file would record."""
        now = self._office.now()
        today = self._office.local_day(now)
        result = ValuesImport(dry_run=dry_run, errors=list(sheet.errors), warnings=list(sheet.warnings))
        with self._office.sessions() as session, session.begin():
            hold_writes(session)
            planned: list[tuple[ValueRow, int, Indicator, ValueLine]] = []
            seen: dict[tuple[int, Period], int] = {}
            for row in sheet.rows:
                try:
                    number, indicator = find_indicator(session, row.indicator)
                    line = _sheet_line(row, indicator_queries.indicator_to_spec(indicator), today)
                except DubanError as exc:
                    result.refused.append(RowRefusal(row.row, exc.code, {**exc.params, "sheet": True}))
                    continue
                first = seen.setdefault((indicator.id, line.period), row.row)
                if first != row.row:
                    result.refused.append(
                        RowRefusal(row.row, "indicator/duplicate_in_sheet", {"number": number, "name": indicator.name,
                                                 "period": line.period, "first": first})
                    )  # fmt: skip
                    continue
                planned.append((row, number, indicator, line))
            if result.errors or result.refused:
                return result  # nothing was written: the transaction ends empty
            for row, number, indicator, line in planned:
                value = IndicatorValue(line.period, line.value, source=row.source[:200] or None)
                replaced, unchanged = _record(session, indicator, value, actor, now, write=not dry_run)
                result.values.append(
                    ValueImported(row.row, number, indicator.name, indicator.unit, value, replaced, unchanged)
                )
        return result

    @staticmethod
    def _may_report(viewer: Viewer, indicator: Indicator) -> None:
        """The responsible unit's officers report its values; supervisors and admins any indicator's."""
        if viewer.has(Role.SUPERVISOR, Role.ADMIN):
            return
        unit = indicator.responsible_unit
        if unit is None or unit.id not in viewer.unit_ids(Role.OFFICER):
            raise DubanError(
                "indicator/not_responsible", name=indicator.name, unit=unit.name if unit else None
            )

    # ---- the day's rule ------------------------------------------------------------------------

    def daily(
        self, session: Session, outbox: Outbox, today: date, calendar: WorkCalendar, rules: Rules
    ) -> int:
        """Once a working day: ask the responsible officers for the values of the period that ended (once
        per indicator, period and person, only while it has no value), then raise the ladder of the
        indicators whose period judged is bad. Returns how many indicators it asked about or warned of."""
        if not calendar.is_working_day(today):
            return 0
        count = 0
        indicators = indicator_queries.all_indicators(session)
        values = indicator_queries.readings_of(session, [i.id for i in indicators])
        issued = indicator_queries.escalated_periods(session, [i.id for i in indicators])
        for number, indicator in enumerate(indicators, 1):
            if indicator.responsible_unit_id is None:
                continue  # nobody to ask, nobody to warn: the office sets the unit first
            spec = indicator_queries.indicator_to_spec(indicator)
            since = self._office.local_day(indicator.created_at)
            period = asked_today(spec, today, since, calendar)
            if period is not None and not any(v.period == period for v in values[indicator.id]):
                count += self._ask(session, outbox, number, indicator, period, calendar, rules)
            step = next_indicator_step(
                spec, values[indicator.id], today, since=since, issued=issued[indicator.id],
                calendar=calendar, rules=rules,
            )  # fmt: skip
            if step is None:
                continue
            recipients = self._recipients(session, indicator, step.level)
            if not recipients:
                continue  # a level whose message would reach nobody is not issued (无人接收)
            facts = verdict_facts(step)
            escalation = IndicatorEscalation(
                indicator_id=indicator.id, period_start=step.period.start, period_end=step.period.end,
                level=int(step.level), state=step.verdict.state.value, facts=facts, issued_at=self._office.now(),
            )  # fmt: skip
            session.add(escalation)
            session.flush()
            audit.record(
                session, at=self._office.now(), actor=SCHEDULER, action="escalate", entity="indicator",
                entity_id=indicator.id, after={"level": int(step.level), "facts": facts},
            )  # fmt: skip
            params = warning_params(number, indicator, escalation)
            for person in recipients:
                outbox.add(f"indesc:{escalation.id}", person, WARNING_KIND, params, level=int(step.level))
            count += 1
        return count

    def _ask(
        self,
        session: Session,
        outbox: Outbox,
        number: int,
        indicator: Indicator,
        period: Period,
        calendar: WorkCalendar,
        rules: Rules,
    ) -> int:
        assert indicator.responsible_unit_id is not None
        officers = people_queries.people_with_role(session, Role.OFFICER, [indicator.responsible_unit_id])
        params = {
            "number": number, "name": indicator.name, "unit": indicator.unit, "period": period,
            "due": answer_by(period, calendar, rules),
        }  # fmt: skip
        for person in officers:
            outbox.add(f"indask:{indicator.id}:{period.start.isoformat()}", person, ASK_KIND, params)
        return 1 if officers else 0

    @staticmethod
    def _recipients(session: Session, indicator: Indicator, level: Level) -> list[people_queries.Recipient]:
        """Who hears of a level: the unit's officers (督办提醒), with its leaders (预警); its leaders and the
        supervisors (通报)."""
        unit = [indicator.responsible_unit_id] if indicator.responsible_unit_id is not None else []
        roles = {
            Level.BLUE: [(Role.OFFICER, unit)],
            Level.YELLOW: [(Role.OFFICER, unit), (Role.LEADER, unit)],
        }.get(level, [(Role.LEADER, unit), (Role.SUPERVISOR, None)])
        found: list[people_queries.Recipient] = []
        for role, units in roles:
            for person in people_queries.people_with_role(session, role, units):
                if person not in found:
                    found.append(person)
        return found


def _record(
    session: Session, indicator: Indicator, value: IndicatorValue, actor: Actor, now: datetime, *, write: bool
) -> tuple[float | None, bool]:
    """Record a checked value for its period (`/value` and the values sheet alike), audited as
    `report_value`: a second value for a period is stored beside the first and corrects it, the same value
    again changes nothing. Returns the value it replaces and whether it is unchanged; `write=False` (a dry
    run) only says so."""
    known = [v for v in indicator_queries.readings(session, indicator) if v.period == value.period]
    replaced = known[-1].value if known else None
    unchanged = replaced == value.value
    if write and not unchanged:
        indicator_queries.add_reading(session, indicator, value, actor, now)
        audit.record(
            session, at=now, actor=actor, action="report_value", entity="indicator",
            entity_id=indicator.id, before=None if replaced is None else {"value": replaced},
            after={"period": [value.period.start.isoformat(), value.period.end.isoformat()],
                   "value": value.value, "source": value.source},
        )  # fmt: skip
        session.flush()
    return replaced, unchanged


def _sheet_line(row: ValueRow, spec: IndicatorSpec, today: date) -> ValueLine:
    """A row of the values sheet read as `/value` reads its words: the 数值 cell (the number, its unit, 确认)
    and the 期间 cell (one period, or empty for the last one ended). A word the cells should not hold is
    refused: in the 数值 cell, anything but the unit and 确认; in the 期间 cell, anything but the period."""
    words = split_arguments(row.value, WORDS_LIMIT)
    extra = words[1:]
    confirm = [w for w in extra if unicodedata.normalize("NFKC", w).strip().lower() in CONFIRM_WORDS]
    others = [w for w in extra if w not in confirm]
    if words and any(not is_unit(w, spec) for w in others):
        read_number(
            " ".join([words[0], *others]), spec
        )  # refuses it as /value would: no number, or another unit
        raise DubanError("indicator/bad_value", text=row.value[:20], unit=spec.unit)
    periods = split_arguments(row.period, WORDS_LIMIT) if row.period else []
    line = read_value_line(words[0] if words else row.value, others + periods + confirm[:1], spec, today)
    if line.source is not None:  # a word of the 期间 cell that names no period
        raise DubanError(
            "indicator/bad_period", text=row.period[:20], frequency=spec.frequency.value, today=today
        )
    return line


@dataclass(frozen=True)
class RowRefusal:
    """A row of the values sheet refused, with the refusal `/value` would give (`errors/<code>` and its
    params, `sheet` among them for the words that differ), or a period the sheet gave twice for one indicator
    (`errors/indicator/duplicate_in_sheet`)."""

    row: int
    code: str
    params: dict[str, Any]


@dataclass(frozen=True)
class ValueImported:
    """A value of the sheet as recorded (or, in a dry run, as it would be): the row, the indicator, the
    value and the value it replaces, or that it is the value already recorded (nothing stored)."""

    row: int
    number: int
    name: str
    unit: str | None
    value: IndicatorValue
    replaced: float | None
    unchanged: bool


@dataclass
class ValuesImport:
    """What importing a values sheet did: nothing at all when `errors` or `refused` hold anything."""

    dry_run: bool
    values: list[ValueImported] = field(default_factory=list)
    refused: list[RowRefusal] = field(default_factory=list)
    errors: list[ImportNote] = field(default_factory=list)
    warnings: list[ImportNote] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.refused

    @property
    def stored(self) -> int:
        """How many values are (or would be) stored: new ones and corrections."""
        return sum(1 for v in self.values if not v.unchanged)


def warning_params(number: int, indicator: Indicator, escalation: IndicatorEscalation) -> dict[str, object]:
    """What a level's message says: the indicator, its unit, the level, and its reason as stored."""
    return {
        "number": number, "name": indicator.name, "level": escalation.level,
        "unit_name": indicator.responsible_unit.name if indicator.responsible_unit else None,
        "verdict": verdict_from_facts(escalation.facts), "streak": escalation.facts["streak"],
        "unreported": escalation.facts["unreported"],
        "period": Period(escalation.period_start, escalation.period_end),
    }  # fmt: skip
