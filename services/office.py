"""The office every service works for: its clock and zone, its rules as edited, its work calendar, and the
outbox of one transaction. One instance per process, built by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ledger.clock import Clock
from messages.render import Renderer
from scheduler.calendar import WorkCalendar, package_working_day
from scheduler.rule_values import stored_rules
from scheduler.rules import Rules
from services.outbox import Outbox
from storage import people_queries, setting_queries
from storage.scheduling import CalendarOverride

# Keys of the scheduler's settings (`scheduler_settings`).
LAST_DAY = "last_rules_day"  # the last day the day's rules ran
TICK_POSITION = "rules_day_position"  # how far the run of a day not yet done got (`DayPosition`)
CADENCE = "item_cadence"  # item number → its own dispatch days of the month
RULES = "rules"  # the rules as edited with /rules: the fields that differ from the office's defaults
WARNED_YEARS = "calendar_warned_years"  # years the admins were told the holiday package does not know


class Office:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock,
        tz: ZoneInfo,
        renderer: Renderer,
        *,
        base_rules: Rules,
        calendar_source: Callable[[date], bool | None] = package_working_day,
    ) -> None:
        self.sessions = session_factory
        self.clock = clock
        self.tz = tz
        self.renderer = renderer
        self.base_rules = base_rules  # the rules file's values, or the built-in ones; /rules edits win
        self.calendar_source = calendar_source

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.local_day(self.clock.now())

    def local_day(self, instant: datetime) -> date:
        """The day an instant falls on in the office's zone."""
        return instant.astimezone(self.tz).date()

    def rules(self, session: Session) -> Rules:
        return stored_rules(setting_queries.setting(session, RULES), self.base_rules)

    def current_rules(self) -> Rules:
        with self.sessions() as session:
            return self.rules(session)

    def calendar(self, session: Session) -> WorkCalendar:
        overrides = {row.day: row.working for row in session.scalars(select(CalendarOverride))}
        return WorkCalendar(overrides, self.calendar_source)

    def outbox(self, session: Session, now: datetime) -> Outbox:
        """The outbox of one transaction: messages are rendered and stored, then sent by the sender."""
        return Outbox(session, self.renderer, now, self.tz, self.rules(session))

    def tell_admins(self, key: str, kind: str, params: dict[str, Any]) -> int:
        """Queue `notify/<kind>` to every admin, once per `key` (a repeat is skipped); how many were queued."""
        now = self.now()
        with self.sessions() as session, session.begin():
            outbox = self.outbox(session, now)
            for admin in people_queries.admins(session):
                outbox.add(key, admin, kind, params)
            return outbox.write()
