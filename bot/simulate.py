"""`duban simulate`: the rules run over days of virtual time on a copy of the store.

Nothing real is touched: the store is copied first (SQLite through its backup API, any other database
row by row into a temporary SQLite file through the same table definitions), and the copy is thrown
away afterwards. The services are wired on the copy exactly as for the bot (the rules file, the daily
rules of sign-off, spot-checks and complaints), on a manual clock. There is no Telegram at all: a
message written to the outbox is "delivered" by marking it sent, and becomes one event of the timeline
(one per outbox row, even where the sender would have merged rows into one message). The simulation
starts as if the rules had last run the day before `start`; messages already queued in the store belong
to the present and are left out.

The virtual clock does not walk minute by minute: it jumps to the next moment something can happen,
which is the earliest of the day's tick (00:05 local), the release time of a pending outbox row (08:00
after the quiet hours, for instance) and the time a simulated officer answers.

Simulated officers: each reminder, dispatch or warning (blue, yellow) that reaches an officer is
answered, with probability `answer_rate`, at a random working hour of a working day within the answer
period (`answer_within` working days, never past a reminder's deadline), by a progress report that
raises the percent by a random step. The report goes through `ReportService.submit`, as one sent from
the chat would, so the ladder moves back exactly as it would for real. All chance comes from
`random.Random(seed)`: the same store, options and seed give the same timeline.
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
from collections import Counter
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Select, create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.sender import chat_of
from bot.wiring import Overrides, build
from ledger.clock import ManualClock
from ledger.errors import DubanError
from ledger.model import Role
from services.accounts import TelegramUser
from services.container import Services
from services.office import LAST_DAY
from storage import people_queries, setting_queries
from storage.db import DatabaseNotMigratedError, create_db_engine, ensure_migrated, head_revision, upgrade
from storage.models import Item, Person
from storage.scheduling import OutboxMessage, OutboxStatus
from storage.schema import metadata

TICK_AT = time(0, 5)
# Kinds in the order of the summary: the ladder's order; any other kind follows, alphabetically.
KIND_ORDER = ("reminder", "dispatch", "blue", "yellow", "red", "summons", "referral", "digest")
# Messages a simulated officer may answer with a progress report.
ANSWERED_KINDS = frozenset({"reminder", "dispatch", "blue", "yellow"})
MAX_DAYS = 3660
STEP = (5, 25)  # percentage points a simulated report adds
WORKING_MINUTES = (9 * 60, 18 * 60)  # when simulated officers answer, local time


class SimulationInputError(ValueError):
    """An option `duban simulate` cannot take: `option` names it, `value` is what was given."""

    def __init__(self, option: str, value: str) -> None:
        super().__init__(option)
        self.option = option
        self.value = value


class EmptyLedgerError(Exception):
    """The ledger has no items: there is nothing to simulate."""


@dataclass(frozen=True)
class SimulationOptions:
    start: date
    days: int
    answer_rate: float
    seed: int


def read_options(start: str, days: str, answer_rate: str, seed: str) -> SimulationOptions:
    """The options as typed on the command line, checked: a `SimulationInputError` names a bad one."""
    try:
        first = date.fromisoformat(start)
    except ValueError:
        raise SimulationInputError("--start", start) from None
    try:
        count = int(days)
    except ValueError:
        raise SimulationInputError("--days", days) from None
    if not 1 <= count <= MAX_DAYS:
        raise SimulationInputError("--days", days)
    try:
        rate = float(answer_rate)
    except ValueError:
        raise SimulationInputError("--answer-rate", answer_rate) from None
    if not 0.0 <= rate <= 1.0:
        raise SimulationInputError("--answer-rate", answer_rate)
    try:
        chance = int(seed)
    except ValueError:
        raise SimulationInputError("--seed", seed) from None
    return SimulationOptions(first, count, rate, chance)


@dataclass(frozen=True)
class Event:
    """One message delivered in the simulation: one outbox row."""

    at: datetime  # local time
    to: str
    unit: str | None
    kind: str
    item: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "to": self.to,
            "unit": self.unit,
            "kind": self.kind,
            "item": self.item,
        }


@dataclass(frozen=True)
class Timeline:
    options: SimulationOptions
    events: tuple[Event, ...]
    reports: int  # progress reports the simulated officers sent

    def counts(self) -> dict[str, int]:
        """Events by kind, in the ladder's order."""
        counted = Counter(event.kind for event in self.events)
        order = [k for k in KIND_ORDER if k in counted] + sorted(set(counted) - set(KIND_ORDER))
        return {kind: counted[kind] for kind in order}

    def summary(self) -> dict[str, Any]:
        end = self.options.start + timedelta(days=self.options.days - 1)
        return {
            "start": self.options.start.isoformat(),
            "end": end.isoformat(),
            "answer_rate": self.options.answer_rate,
            "seed": self.options.seed,
            "events": len(self.events),
            "by_kind": self.counts(),
            "reports": self.reports,
        }


def simulate(settings: Settings, options: SimulationOptions) -> Timeline:
    """Copy the store into a temporary folder and run the rules on the copy, with the services wired as
    for the bot (the same rules file, the same daily rules), on a manual clock."""
    with tempfile.TemporaryDirectory(prefix="duban-simulate-") as folder:
        copy = Path(folder) / "simulate.db"
        copy_store(settings.effective_database_url, copy)
        on_copy = settings.model_copy(
            update={
                "database_url": f"sqlite:///{copy}",
                "data_dir": Path(folder) / "data",
                "telegram_token": None,
            }
        )
        clock = ManualClock(datetime.combine(options.start, TICK_AT, tzinfo=settings.tz))
        duban = build(on_copy, Overrides(clock=clock))
        try:
            return _Run(duban.services, clock, options).timeline()
        finally:
            duban.close()


def copy_store(database_url: str, target: Path) -> None:
    """A copy of the store in the SQLite file `target`; the store itself is only read."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        source = Path(url.database or "")
        if not url.database or url.database == ":memory:" or not source.is_file():
            raise DatabaseNotMigratedError(None, head_revision())
        read_only = f"{source.resolve().as_uri()}?mode=ro"
        with (
            closing(sqlite3.connect(read_only, uri=True)) as reading,
            closing(sqlite3.connect(target)) as copy,
        ):
            reading.backup(copy)
        return
    source_engine = create_db_engine(database_url)
    try:
        ensure_migrated(source_engine)
        copy_rows(source_engine, target)
    finally:
        source_engine.dispose()


def copy_rows(source: Engine, target: Path) -> None:
    """Every row of every table of `source` into a new, migrated SQLite file (foreign keys are not
    enforced while copying, so rows pointing at rows of the same table load in any order)."""
    destination = create_engine(f"sqlite:///{target}")
    try:
        upgrade(destination)
        with source.connect() as reading, destination.begin() as writing:
            for table in metadata.sorted_tables:
                rows = [dict(row) for row in reading.execute(select(table)).mappings()]
                if rows:
                    writing.execute(table.insert(), rows)
    finally:
        destination.dispose()


@dataclass(frozen=True, order=True)
class _Answer:
    at: datetime
    person_id: int
    item_id: int
    chat_id: int
    name: str
    number: str


class _Run:
    """One simulation on a copy of the store."""

    def __init__(self, services: Services, clock: ManualClock, options: SimulationOptions) -> None:
        self._sessions = services.sessions
        self._renderer = services.renderer
        self._office = services.office
        self._tz = services.office.tz
        self._daily_run = services.daily_run
        self._accounts = services.accounts
        self._reports = services.reports
        self._clock = clock
        self._options = options
        self._random = random.Random(options.seed)
        self._answers: list[_Answer] = []
        self._events: list[Event] = []
        self._reported = 0
        self._first_row = 0

    def _local(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=self._tz)

    def timeline(self) -> Timeline:
        self._prepare()
        end = self._local(self._options.start + timedelta(days=self._options.days), time(0, 0))
        moment = self._clock.now()
        while moment < end:
            self._clock.set(moment)
            self._daily_run.tick()
            self._answer_due(moment)
            self._deliver(moment)
            moment = self._next_moment(moment)
        return Timeline(self._options, tuple(self._events), self._reported)

    def _prepare(self) -> None:
        """Start as if the rules last ran the day before `start`; messages already queued in the store
        belong to the present, not to the simulation, and are left alone."""
        with self._sessions() as session, session.begin():
            if not session.scalar(select(func.count()).select_from(Item)):
                raise EmptyLedgerError
            self._first_row = (session.scalar(select(func.max(OutboxMessage.id))) or 0) + 1
            setting_queries.set_setting(
                session, LAST_DAY, (self._options.start - timedelta(days=1)).isoformat()
            )

    def _pending(self) -> Select[OutboxMessage]:
        return select(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.id >= self._first_row
        )

    def _next_moment(self, now: datetime) -> datetime:
        local = now.astimezone(self._tz)
        candidates = [self._local(local.date() + timedelta(days=1), TICK_AT)]
        with self._sessions() as session:
            release = session.scalar(
                self._pending()
                .where(OutboxMessage.not_before > now)
                .with_only_columns(func.min(OutboxMessage.not_before))
            )
        if release is not None:
            candidates.append(release)
        candidates += [answer.at for answer in self._answers if answer.at > now]
        return min(candidates)

    def _deliver(self, now: datetime) -> None:
        """Mark the rows due by now sent, each one an event; officers decide whether to answer."""
        with self._sessions() as session, session.begin():
            rows = session.scalars(
                self._pending().where(OutboxMessage.not_before <= now).order_by(OutboxMessage.id)
            ).all()
            people = people_queries.persons(
                session, {row.person_id for row in rows if row.person_id is not None}
            )
            for row in rows:
                row.status = OutboxStatus.SENT
                row.sent_at = now
                person = people.get(row.person_id) if row.person_id is not None else None
                item = session.get(Item, row.item_id) if row.item_id is not None else None
                self._events.append(
                    Event(
                        now.astimezone(self._tz),
                        person.name if person else str(row.chat_id),
                        _unit_of(person, item),
                        row.kind,
                        item.number if item else None,
                    )
                )
                if person is not None and item is not None:
                    self._maybe_answer(session, row, person, item, now)

    def _maybe_answer(
        self, session: Session, row: OutboxMessage, person: Person, item: Item, now: datetime
    ) -> None:
        if row.kind not in ANSWERED_KINDS or not any(r.role == Role.OFFICER for r in person.roles):
            return
        if any(a.person_id == person.id and a.item_id == item.id for a in self._answers):
            return
        if self._random.random() >= self._options.answer_rate:
            return
        calendar = self._office.calendar(session)
        today = now.astimezone(self._tz).date()
        last = calendar.add_working_days(today, self._office.rules(session).answer_within)
        if row.due_date is not None:
            last = max(today, min(last, row.due_date))
        days = [d for d in _days(today, last) if calendar.is_working_day(d)] or [today]
        minute = self._random.randrange(*WORKING_MINUTES)
        at = self._local(self._random.choice(days), time(minute // 60, minute % 60))
        if at <= now:
            at = now + timedelta(minutes=self._random.randrange(10, 120))
        self._answers.append(_Answer(at, person.id, item.id, chat_of(row), person.name, item.number))

    def _answer_due(self, now: datetime) -> None:
        due = sorted(a for a in self._answers if a.at <= now)
        self._answers = [a for a in self._answers if a.at > now]
        for answer in due:
            viewer = self._accounts.viewer(TelegramUser(answer.chat_id, answer.name))
            try:
                brief = self._reports.brief(viewer, answer.number)
                percent = min(100, brief.percent + self._random.randint(*STEP))
                text = self._renderer.render(viewer.locale, "cli/simulate_report_text", percent=percent)
                self._reports.submit(viewer, answer.number, percent, text)
            except DubanError:
                continue  # the item was closed, or the person left, while the answer was pending
            self._reported += 1


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _unit_of(person: Person | None, item: Item | None) -> str | None:
    """The unit the person receives the message for: their unit that the item is linked to, else their
    first unit."""
    if person is None:
        return None
    units = [r.unit for r in person.roles if r.unit is not None]
    if item is not None:
        linked = {link.unit_id for link in item.unit_links}
        units = [u for u in units if u.id in linked] or units
    return units[0].name if units else None
