"""The office's rules and work calendar as the admins edit them (`/rules`, `/calendar`), every change audited.

The rules start from the rules file (or the built-in values); an admin's edit is stored under the
scheduler setting "rules" and wins over it until reset. Calendar overrides win over the holiday package.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ledger.access import Viewer
from ledger.actor import Actor
from ledger.clock import Clock
from ledger.dates import read_date
from ledger.errors import DubanError
from scheduler.calendar import WorkCalendar
from scheduler.rule_values import (
    SPECS,
    BadRuleValueError,
    RuleSpec,
    RuleValue,
    UnknownRuleError,
    format_value,
    parse_value,
    rules_to_store,
    spec_of,
    with_values,
)
from scheduler.rules import Rules
from services import audit
from services.items import ItemService
from services.office import CADENCE, RULES, Office
from storage import setting_queries
from storage.scheduling import CalendarOverride

NOTE_LIMIT = 200  # the column's size


@dataclass(frozen=True)
class RuleView:
    """One rule as `/rules` shows it: its value now, the office default, the built-in value."""

    name: str
    kind: str
    low: int
    high: int
    value: str
    default: str  # from the rules file, else built in
    builtin: str

    @property
    def changed(self) -> bool:
        return self.value != self.default

    @property
    def from_file(self) -> bool:
        return self.default != self.builtin


@dataclass(frozen=True)
class RuleChange:
    rule: RuleView
    before: str

    @property
    def changed(self) -> bool:
        return self.rule.value != self.before


@dataclass(frozen=True)
class DayOverride:
    day: date
    working: bool
    note: str | None


@dataclass(frozen=True)
class CalendarView:
    overrides: list[DayOverride]
    years: list[tuple[int, bool]]  # (year, whether the holiday package knows it)


@dataclass(frozen=True)
class DayChange:
    override: DayOverride
    before: DayOverride | None


def parse_day(text: str, today: date) -> date:
    """The day of `/calendar DATE …`, as officials write it (`ledger.dates.read_date`)."""
    day = read_date(text, today)
    if day is None:
        raise DubanError("settings/bad_date", text=text[:20])
    return day


def _spec(name: str) -> RuleSpec:
    try:
        return spec_of(name)
    except UnknownRuleError:
        raise DubanError("settings/unknown_rule", name=name, names=[s.name for s in SPECS]) from None


def _view(spec: RuleSpec, rules: Rules, base: Rules) -> RuleView:
    def text(of: Rules) -> str:
        return format_value(getattr(of, spec.name))

    return RuleView(spec.name, spec.kind.value, spec.low, spec.high, text(rules), text(base), text(Rules()))


def _override(row: CalendarOverride) -> DayOverride:
    return DayOverride(row.day, row.working, row.note)


def _override_json(override: DayOverride | None) -> dict[str, Any] | None:
    return None if override is None else {"working": override.working, "note": override.note}


class SettingsService:
    def __init__(self, office: Office) -> None:
        self._office = office
        self._sessions = office.sessions
        self._clock = office.clock

    # --- rules ------------------------------------------------------------------------------------

    def rules(self) -> list[RuleView]:
        with self._sessions() as session:
            rules = self._office.rules(session)
        return [_view(spec, rules, self._office.base_rules) for spec in SPECS]

    def set_rule(self, name: str, text: str, *, actor: Actor) -> RuleChange:
        """Set one rule from its text (`5`, `30,14,7`, `21:00`); a value equal to the default clears
        the edit. A wrong name or value changes nothing."""
        spec = _spec(name)
        try:
            value = parse_value(spec, text)
        except BadRuleValueError:
            raise DubanError(
                "settings/bad_value", name=spec.name, value=text, kind=spec.kind.value, low=spec.low,
                high=spec.high,
            ) from None  # fmt: skip
        return self._change(spec, value, actor=actor, action="set_rule")

    def reset_rule(self, name: str, *, actor: Actor) -> RuleChange:
        """Back to the office default (the rules file's value, else the built-in one)."""
        spec = _spec(name)
        return self._change(
            spec, getattr(self._office.base_rules, spec.name), actor=actor, action="reset_rule"
        )

    def _change(self, spec: RuleSpec, value: RuleValue, *, actor: Actor, action: str) -> RuleChange:
        base = self._office.base_rules
        with self._sessions() as session, session.begin():
            edits = dict(setting_queries.setting(session, RULES) or {})
            before = self._office.rules(session)
            after = with_values(before, {spec.name: value})
            if value == getattr(base, spec.name):
                edits.pop(spec.name, None)
            else:
                edits[spec.name] = rules_to_store(after)[spec.name]
            if after != before:
                setting_queries.set_setting(session, RULES, edits)
                audit.record(
                    session, at=self._clock.now(), actor=actor, action=action, entity="scheduler_rule",
                    entity_id=spec.name, before={spec.name: rules_to_store(before)[spec.name]},
                    after={spec.name: rules_to_store(after)[spec.name]},
                )  # fmt: skip
            return RuleChange(_view(spec, after, base), format_value(getattr(before, spec.name)))

    # --- calendar ---------------------------------------------------------------------------------

    def calendar(self) -> CalendarView:
        """The overrides, and whether the holiday package knows this year and the next."""
        with self._sessions() as session:
            rows = session.scalars(select(CalendarOverride).order_by(CalendarOverride.day))
            overrides = [_override(row) for row in rows]
        this_year = self._office.today().year
        package = WorkCalendar(source=self._office.calendar_source)
        years = [this_year, this_year + 1]
        for year in years:
            package.is_working_day(date(year, 1, 1))
        return CalendarView(overrides, [(year, year not in package.missing_years) for year in years])

    def set_day(self, day: date, working: bool, note: str | None, *, actor: Actor) -> DayChange:
        """Declare a day working (a make-up day announced late) or not (a local holiday)."""
        if note is not None and len(note) > NOTE_LIMIT:
            raise DubanError("settings/note_too_long", limit=NOTE_LIMIT)
        with self._sessions() as session, session.begin():
            row = session.get(CalendarOverride, day)
            before = None if row is None else _override(row)
            if row is None:
                row = CalendarOverride(day=day)
                session.add(row)
            row.working = working
            row.note = note
            after = DayOverride(day, working, note)
            if after != before:
                self._audit_day(session, "set_calendar_day", day, before, after, actor)
            return DayChange(after, before)

    def clear_day(self, day: date, *, actor: Actor) -> DayOverride:
        """Remove an override: the holiday package decides the day again."""
        with self._sessions() as session, session.begin():
            row = session.get(CalendarOverride, day)
            if row is None:
                raise DubanError("settings/no_override", day=day)
            before = _override(row)
            session.delete(row)
            self._audit_day(session, "clear_calendar_day", day, before, None, actor)
            return before

    def _audit_day(
        self,
        session: Session,
        action: str,
        day: date,
        before: DayOverride | None,
        after: DayOverride | None,
        actor: Actor,
    ) -> None:
        audit.record(
            session, at=self._clock.now(), actor=actor, action=action, entity="calendar_day",
            entity_id=day.isoformat(), before=_override_json(before), after=_override_json(after),
        )  # fmt: skip


@dataclass(frozen=True)
class Cadence:
    """An item's own dispatch days of the month; empty: the office's."""

    number: str
    days: tuple[int, ...]


def parse_cadence(text: str) -> tuple[int, ...]:
    """`1,16` or `5 20` → (1, 16); days 1–28 (every month has them); anything else is refused."""
    parts = text.replace("，", ",").replace(",", " ").split()
    if not parts or not all(part.isdigit() and 1 <= int(part) <= 28 for part in parts):
        raise DubanError("settings/bad_cadence", text=text[:30])
    return tuple(sorted({int(part) for part in parts}))


class CadenceService:
    """Items dispatched on days of their own (一事一策): `/cadence N 5,20`."""

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, items: ItemService) -> None:
        self._sessions = session_factory
        self._clock = clock
        self._items = items

    def cadences(self) -> list[Cadence]:
        with self._sessions() as session:
            stored: dict[str, list[int]] = setting_queries.setting(session, CADENCE) or {}
        return [Cadence(number, tuple(days)) for number, days in sorted(stored.items())]

    def set(self, viewer: Viewer, number: str, days: tuple[int, ...] | None) -> Cadence:
        """Give item `number` its own dispatch days (None: back to the office's); audited."""
        with self._sessions() as session, session.begin():
            item = self._items.find(session, viewer, number)
            stored: dict[str, list[int]] = dict(setting_queries.setting(session, CADENCE) or {})
            before = stored.get(item.number)
            if days is None:
                stored.pop(item.number, None)
            else:
                stored[item.number] = list(days)
            setting_queries.set_setting(session, CADENCE, stored)
            audit.record(
                session, at=self._clock.now(), actor=viewer.actor, action="set_cadence",
                entity="item", entity_id=item.number, before={"days": before}, after={"days": stored.get(item.number)},
            )  # fmt: skip
            return Cadence(item.number, days or ())
