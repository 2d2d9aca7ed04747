"""The day's run (the tick): once a day (and after downtime, once for the days missed) it asks the rules
what is due and writes each message to the outbox under an idempotency key.

The tick runs every minute; on every minute but the first of a day it finds the day done and returns, so
its work grows with what is due, not with the size of the ledger.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from ledger.model import ItemStatus, Role, UnitRole
from scheduler.calendar import WorkCalendar
from scheduler.rules import (
    Dispatch,
    LadderState,
    Level,
    Rules,
    dispatch_days_between,
    next_escalation,
    reminder_due,
    reminder_superseded,
)
from scheduler.rules import Escalation as Step
from services.ladder import Ladder, notice_params, reachable_items, reminder_params
from services.office import CADENCE, LAST_DAY, TICK_POSITION, WARNED_YEARS, Office
from services.outbox import Outbox
from services.standing import OfficeDay, Standings
from storage import bulk, complaint_queries, ladder_queries, people_queries, setting_queries
from storage import closing_queries as cq
from storage.models import Item
from storage.scheduling import DispatchRequest, ItemLadder

# Deadlines further away than this cannot have a reminder due (30 working days, holidays included).
REMINDER_HORIZON = timedelta(days=60)
_Entry = TypeVar("_Entry")
# Items asked for progress (or moved on the ladder) in one transaction: about three rows each (the dispatch,
# a message to each officer), so under a thousand rows, read, rendered and written in a fraction of a second:
# the store's write lock is free again before a chat action waiting for it gives up (`services.busy`).
CHUNK_ITEMS = 250
# On SQLite a chat action waiting for the write lock polls for it (every 1 … 100 ms) and may miss the instant
# between two of the day's transactions; this pause after each lets it in. With a store that locks rows
# (PostgreSQL), or a clock that is not the real one, there is nothing to wait for.
SQLITE_GIVE_WAY = 0.02
DISPATCH_KIND = "dispatch"


@dataclass
class TickResult:
    ran_days: bool
    queued: int = 0  # outbox rows stored by this run (a resumed day: those of its remaining work)
    reminders: int = 0
    dispatches: int = 0
    escalations: int = 0
    missed_dispatch_days: list[date] = field(default_factory=list)
    stopped: bool = False  # asked to stop before the day was done: the next run goes on from there


class DailyRule(Protocol):
    """Further work of the day's run (spot-checks due, digests, …): queue messages (the outbox counts the
    rows it stores)."""

    def __call__(
        self, session: Session, outbox: Outbox, today: date, calendar: WorkCalendar, rules: Rules
    ) -> int: ...


@dataclass
class DayPosition:
    """How far the day's run got on `day` (kept in `TICK_POSITION`, written in the transaction of each
    step it records): the steps done, and the last item (its sort key and id) whose dispatch is stored.
    A run that stopped or crashed goes on from here; what a step stored is never stored twice."""

    day: date
    done: list[str] = field(default_factory=list)
    dispatched_through: tuple[str, int] | None = None
    climbed_through: int | None = None  # the last item (by id) whose climb today is decided and stored

    @classmethod
    def read(cls, session: Session, today: date) -> DayPosition:
        stored = setting_queries.setting(session, TICK_POSITION)
        if not stored or stored.get("day") != today.isoformat():
            return cls(today)
        through = stored.get("dispatched_through")
        return cls(
            today,
            list(stored.get("done", [])),
            (through[0], through[1]) if through else None,
            stored.get("climbed_through"),
        )

    def save(self, session: Session) -> None:
        value = {
            "day": self.day.isoformat(),
            "done": self.done,
            "dispatched_through": self.dispatched_through,
        }
        setting_queries.set_setting(session, TICK_POSITION, value)


@dataclass(frozen=True)
class _Day:
    """What every step of one run reads: the instant it started, the day, the last day run before."""

    now: datetime
    today: date
    after: date
    calendar: WorkCalendar
    rules: Rules


class DailyRun:
    """The day's rules: deadline reminders, dispatches, the ladder, then `daily_rules` in the order given
    (the composition root puts the supervisors' digest last: in a merged message it comes last). Statuses
    are not updated here: they are decided from the facts whenever they are read (`services.standing`).

    Each step is a transaction of its own, and the dispatches one per `chunk_items` items, so the store's
    write lock is held a fraction of a second at a time and a chat action waits at most that long; the
    day's position (`DayPosition`) is stored with each, and the day is marked done after the last; on SQLite
    the run gives way a moment after each (`give_way`). `stop()` ends a run between two transactions."""

    def __init__(
        self,
        office: Office,
        ladder: Ladder,
        standings: Standings,
        daily_rules: Sequence[DailyRule] = (),
        *,
        chunk_items: int = CHUNK_ITEMS,
        give_way: float = 0.0,
    ) -> None:
        self._office = office
        self._ladder = ladder
        self._standings = standings
        self._daily_rules = tuple(daily_rules)
        self._chunk_items = chunk_items
        self._give_way = give_way  # seconds between two transactions, for writers waiting for the store
        self._stopping = threading.Event()

    def stop(self) -> None:
        """Stop the run in progress (from another thread: the process is shutting down) after the
        transaction in hand, and run no more."""
        self._stopping.set()

    def tick(self) -> TickResult:
        """Run the day's rules for every day not yet run (at most once a day); queue what is due."""
        if self._stopping.is_set():
            return TickResult(ran_days=False, stopped=True)
        now = self._office.now()
        today = self._office.local_day(now)
        with self._office.sessions() as session:
            last = setting_queries.setting(session, LAST_DAY)
            if last is not None and date.fromisoformat(last) >= today:
                return TickResult(ran_days=False)
            after = date.fromisoformat(last) if last is not None else today - timedelta(days=1)
            day = _Day(now, today, after, self._office.calendar(session), self._office.rules(session))
            position = DayPosition.read(session, today)
        result = TickResult(ran_days=True)
        steps: list[Callable[[], bool]] = [
            self._step("reminders", day, position, result, lambda s, o: self._reminders(s, o, day, result)),
            lambda: self._dispatches(day, position, result),
        ]
        if day.calendar.is_working_day(today):
            # Offices do not work at weekends and holidays: the ladder moves on working days only.
            steps.append(lambda: self._climbs(day, position, result))
        steps += [
            self._step(_rule_name(rule), day, position, result, _daily(rule, day))
            for rule in self._daily_rules
        ]
        steps.append(self._step("calendar", day, position, result, self._warn_missing_calendar))
        for step in steps:
            if not step():
                result.stopped = True
                return result
        with self._office.sessions() as session, session.begin():
            setting_queries.set_setting(session, LAST_DAY, today.isoformat())
        return result

    def _step(
        self,
        name: str,
        day: _Day,
        position: DayPosition,
        result: TickResult,
        work: Callable[[Session, Outbox], None],
    ) -> Callable[[], bool]:
        """A step of the day in one transaction, with the position that records it done; skipped when the
        position says it was. Run, it says False if asked to stop before it began."""

        def run() -> bool:
            if name in position.done:
                return True
            if self._stopping.is_set():
                return False

            def step(session: Session, outbox: Outbox) -> None:
                work(session, outbox)
                position.done.append(name)

            self._write(day, position, result, step)
            return True

        return run

    def _write(
        self, day: _Day, position: DayPosition, result: TickResult, work: Callable[[Session, Outbox], None]
    ) -> None:
        """One transaction of the day: what `work` queues and the day's position as `work` leaves it are
        stored together."""
        with self._office.sessions() as session, session.begin():
            outbox = Outbox(session, self._office.renderer, day.now, self._office.tz, day.rules)
            work(session, outbox)
            result.queued += outbox.write()
            position.save(session)
        if self._give_way:
            self._stopping.wait(self._give_way)  # a stop asked meanwhile ends the pause

    def _in_chunks(
        self,
        name: str,
        day: _Day,
        position: DayPosition,
        result: TickResult,
        entries: Sequence[_Entry],
        work: Callable[[Session, Outbox, Sequence[_Entry]], None],
        through: Callable[[_Entry], None],
    ) -> bool:
        """The step `name` over `entries`, `chunk_items` to a transaction; `through(entry)` records in the
        day's position the last entry of each chunk stored, and the step is recorded done after the last.
        False if asked to stop before a chunk."""
        for start in range(0, len(entries), self._chunk_items):
            if self._stopping.is_set():
                return False
            chunk = entries[start : start + self._chunk_items]

            def step(session: Session, outbox: Outbox, chunk: Sequence[_Entry] = chunk) -> None:
                work(session, outbox, chunk)
                through(chunk[-1])

            self._write(day, position, result, step)
        self._write(day, position, result, lambda _session, _outbox: position.done.append(name))
        return True

    def _reminders(self, session: Session, outbox: Outbox, day: _Day, result: TickResult) -> None:
        today, calendar, rules = day.today, day.calendar, day.rules
        due = []
        for item, ref, deadline in ladder_queries.deadlines_between(
            session, day.after, today + REMINDER_HORIZON
        ):
            offset = reminder_due(deadline, day.after, today, rules.reminder_offsets, calendar)
            if offset is not None and not reminder_superseded(deadline, item.deadline, today):
                due.append((item, ref, deadline, offset))
        officers = people_queries.recipients(
            session, {item.id for item, *_ in due}, UnitRole.RESPONSIBLE, (Role.OFFICER,)
        )
        leaders = complaint_queries.complaint_leaders(
            session, {item.id for item, *_ in due}
        )  # 领导包案: theirs too
        extensions = cq.approved_extensions(session, {item.id for item, *_ in due})
        for item, ref, deadline, offset in due:
            params = reminder_params(item, ref, deadline, today, calendar, extensions.get(item.id, []))
            for person in officers.get(item.id, []) + leaders.get(item.id, []):
                self._remind(outbox, item, ref, deadline, offset, person, params)
        result.reminders = len(due)

    def _dispatches(self, day: _Day, position: DayPosition, result: TickResult) -> bool:
        """Ask every open item for progress on its dispatch days (the office's, or the item's own cadence);
        days long past are recorded as missed, not asked again. In plan order, `chunk_items` items to a
        transaction, from where the day's position says the last run stopped. False if asked to stop."""
        if "dispatches" in position.done:
            return True
        with self._office.sessions() as session:
            cadences: dict[str, list[int]] = setting_queries.setting(session, CADENCE) or {}
            default = dispatch_days_between(day.after, day.today, day.rules.dispatch_days, day.calendar)
            # Only items with a cadence of their own can have a dispatch day the office has not.
            order = ladder_queries.open_item_order(session, None if default else list(cadences))
        days_of = {
            item_id: days
            for _sort, item_id, number in order
            if (days := self._days_of(day, cadences.get(number), default))
        }
        todo = [(sort, item_id) for sort, item_id, _number in order if item_id in days_of]
        if position.dispatched_through is not None:
            todo = [entry for entry in todo if entry > position.dispatched_through]
        missed_days: set[date] = set()

        def ask(session: Session, outbox: Outbox, chunk: Sequence[tuple[str, int]]) -> None:
            self._ask_chunk(session, outbox, day, [(i, days_of[i]) for _sort, i in chunk])
            missed_days.update(d for _sort, i in chunk for d in days_of[i][:-1])
            result.dispatches += len(chunk)

        def through(entry: tuple[str, int]) -> None:
            position.dispatched_through = entry

        if not self._in_chunks("dispatches", day, position, result, todo, ask, through):
            return False
        result.missed_dispatch_days = sorted(missed_days)
        return True

    @staticmethod
    def _days_of(day: _Day, own: list[int] | None, default: list[date]) -> list[date]:
        """An item's dispatch days since the last run: by its own cadence, or the office's."""
        return dispatch_days_between(day.after, day.today, own, day.calendar) if own else default

    def _ask_chunk(
        self, session: Session, outbox: Outbox, day: _Day, chunk: Sequence[tuple[int, list[date]]]
    ) -> None:
        """Store the dispatches of `chunk` (item id, its dispatch days: all but the latest missed) and queue
        the latest's message to each officer, linked to it: a dispatch is known to have reached someone only
        when one of its messages went out. What can be read and rendered is, before the first write: the
        store's write lock is held from then to the commit only."""
        ids = [item_id for item_id, _days in chunk]
        rows: list[dict[str, Any]] = []
        for item_id, (*missed, latest) in chunk:
            rows += [_dispatch_row(item_id, missed_day, missed_day, missed=True) for missed_day in missed]
            due = day.calendar.add_working_days(latest, day.rules.answer_within)
            rows.append(_dispatch_row(item_id, latest, due, missed=False))
        latest_of = {item_id: days[-1] for item_id, days in chunk}
        items = ladder_queries.items_by_id(session, ids)
        officers = people_queries.recipients(session, ids, UnitRole.RESPONSIBLE, (Role.OFFICER,))
        due_of = {row["item_id"]: row["due_on"] for row in rows if not row["missed"]}
        texts: dict[tuple[int, str], str] = {}
        for item_id in ids:
            params = self._ask_params(items[item_id], due_of[item_id])
            for locale in {person.locale for person in officers.get(item_id, [])}:
                texts[item_id, locale] = outbox.render(locale, DISPATCH_KIND, params)
        bulk.insert_ignoring(session, DispatchRequest, rows, ["item_id", "asked_on"])
        dispatch_of = ladder_queries.dispatch_ids(session, list(latest_of.items()))
        for item_id in ids:
            for person in officers.get(item_id, []):
                self.ask(
                    outbox, items[item_id], dispatch_of[item_id], latest_of[item_id], due_of[item_id], person,
                    rendered=texts[item_id, person.locale],
                )  # fmt: skip

    @staticmethod
    def _ask_params(item: Item, due: date) -> dict[str, Any]:
        return {**notice_params(item), "due": due}

    def ask(
        self,
        outbox: Outbox,
        item: Item,
        dispatch_id: int,
        asked_on: date,
        due: date,
        person: people_queries.Recipient,
        *,
        rendered: str | None = None,
    ) -> None:
        """Queue one officer's message of the dispatch asked on `asked_on` (进展调度), linked to it; `due`:
        the answer's day as this person is asked (later than the dispatch's own when asked later);
        `rendered`: its text, when the caller rendered it already (`Outbox.render`)."""
        outbox.add(
            f"dsp:{item.id}:{asked_on.isoformat()}", person, DISPATCH_KIND, self._ask_params(item, due),
            item=item, buttons=self._ladder.item_buttons(person, item), dispatch_id=dispatch_id,
            rendered=rendered,
        )  # fmt: skip

    def catch_up(self, session: Session, person_id: int) -> int:
        """Someone who binds later (after the dispatch day's tick) gets at once, through the outbox, the open
        dispatch of each of their items, with the answer time counted from now, and the nearest reminder
        already due of each upcoming deadline; nothing that went out before is held against them (a
        dispatch counts from when it reached someone: `_dispatch`). Returns how many messages it queued."""
        now = self._office.now()
        today = self._office.local_day(now)
        calendar = self._office.calendar(session)
        rules = self._office.rules(session)
        outbox = Outbox(session, self._office.renderer, now, self._office.tz, rules)
        items = {item.id: item for item in ladder_queries.open_items_asking(session, person_id)}
        officers = people_queries.recipients(session, list(items), UnitRole.RESPONSIBLE, (Role.OFFICER,))
        leaders = complaint_queries.complaint_leaders(session, list(items))
        mine: dict[int, people_queries.Recipient] = {}
        for item_id in items:
            for person in officers.get(item_id, []) + leaders.get(item_id, []):
                if person.person_id == person_id:
                    mine[item_id] = person
        if not mine:
            return 0
        due = calendar.add_working_days(today, rules.answer_within)
        for item_id, rows in ladder_queries.dispatches_of(session, list(mine)).items():
            open_rows = [d for d in rows if not d.missed and d.answered_at is None]
            if open_rows:
                latest = open_rows[-1]
                self.ask(
                    outbox, items[item_id], latest.id, latest.asked_on, max(due, latest.due_on), mine[item_id]
                )
        extensions = cq.approved_extensions(session, list(mine))
        for item, ref, deadline in ladder_queries.deadlines_between(session, today, today + REMINDER_HORIZON):
            bound = mine.get(item.id)
            offset = reminder_due(deadline, date.min, today, rules.reminder_offsets, calendar)
            if bound is None or offset is None:
                continue
            params = reminder_params(item, ref, deadline, today, calendar, extensions.get(item.id, []))
            self._remind(outbox, item, ref, deadline, offset, bound, params)
        return outbox.write()

    def _remind(
        self,
        outbox: Outbox,
        item: Item,
        ref: str,
        deadline: date,
        offset: int,
        person: people_queries.Recipient,
        params: dict[str, Any],
    ) -> None:
        """Queue a deadline reminder (the one `offset` working days before it) saying `params`
        (`reminder_params`: what is true of the deadline the day it is written)."""
        outbox.add(
            f"rem:{item.id}:{ref}:{deadline.isoformat()}:{offset}", person, "reminder", params,
            item=item, buttons=self._ladder.item_buttons(person, item, snooze=True), due_date=deadline,
        )  # fmt: skip

    def _climbs(self, day: _Day, position: DayPosition, result: TickResult) -> bool:
        """Move the ladder of every item that climbs today, `chunk_items` candidates to a transaction, each
        judged from the facts as they stand in its own transaction; from where the day's position says the
        last run stopped. False if asked to stop."""
        if "ladder" in position.done:
            return True
        with self._office.sessions() as session:
            office_day = self._standings.day(session, day.today, rules=day.rules, calendar=day.calendar)
            candidates = self._ladder_candidates(session, day, office_day)
        if position.climbed_through is not None:
            candidates = [item_id for item_id in candidates if item_id > position.climbed_through]

        def climb(session: Session, outbox: Outbox, chunk: Sequence[int]) -> None:
            result.escalations += self._climb_chunk(session, outbox, day, office_day, chunk)

        def through(item_id: int) -> None:
            position.climbed_through = item_id

        return self._in_chunks("ladder", day, position, result, candidates, climb, through)

    def _ladder_candidates(self, session: Session, day: _Day, office_day: OfficeDay) -> list[int]:
        """The items that may climb today, by id: deadline near or past, a dispatch unanswered past its
        due day, already on the ladder, or behind schedule (a status, decided from the facts)."""
        near = day.calendar.add_working_days(day.today, day.rules.blue_deadline_within)
        found = ladder_queries.ladder_candidates(session, near, day.today)
        scheduled = ladder_queries.scheduled_open_items(session)
        standings = self._standings.of(
            session, [item for item in scheduled if item.id not in found], office_day
        )
        found.update(i for i, standing in standings.items() if standing.status == ItemStatus.BEHIND)
        return sorted(found)

    def _climb_chunk(
        self, session: Session, outbox: Outbox, day: _Day, office_day: OfficeDay, ids: Sequence[int]
    ) -> int:
        """Issue the level each of these items climbs to today, if any; how many climbed."""
        today, calendar, rules = day.today, day.calendar, day.rules
        candidates = ladder_queries.items_of(session, ids)
        standings = self._standings.of(session, candidates, office_day)
        dispatches = ladder_queries.dispatches_of(session, ids)
        reached = ladder_queries.reached_dispatches(
            session, [d.id for rows in dispatches.values() for d in rows]
        )
        ladders = ladder_queries.ladders_of(session, ids)
        issued = ladder_queries.escalations_by_item(session, ids)
        held = ladder_queries.summonses_held(session, ids)
        # 无人接收: nobody responsible for the item is bound to receive its messages; its ladder waits.
        reachable = reachable_items(session, ids)
        steps: list[tuple[Item, ItemLadder, Step]] = []
        for item in candidates:
            ladder = ladders.get(item.id) or ItemLadder(item_id=item.id, level=0, since=None, yellow_count=0)
            standing = standings[item.id]
            state = LadderState(
                status=standing.status,
                deadline=item.deadline,
                percent=item.percent,
                level=Level(ladder.level),
                level_since=ladder.since,
                yellow_count=ladder.yellow_count,
                dispatches=tuple(
                    self._dispatch(d, reached.get(d.id), calendar, rules)
                    for d in dispatches.get(item.id, [])
                    if not d.missed
                ),
                last_report=standing.last_report,
                last_progress=ladder.last_progress,
                behind_schedule=standing.status == ItemStatus.BEHIND,
                issued=frozenset((Level(e.level), e.reason) for e in issued.get(item.id, [])),
                expected_percent=standing.expected_percent,
                summons_held=held.get(item.id),
                reachable=item.id in reachable,
            )
            step = next_escalation(state, today, calendar, rules)
            if step is not None:
                steps.append((item, ladder, step))
        heard = self._ladder.recipients_of(session, {item.id: step.level for item, _ladder, step in steps})
        climbed = 0
        for item, ladder, step in steps:
            # A level whose message would reach nobody is not issued either.
            if heard[item.id]:
                self._ladder.climb(
                    session, outbox, item, ladder, step, today, issued_by=None, to=heard[item.id]
                )
                climbed += 1
        return climbed

    def _dispatch(
        self, row: DispatchRequest, reached_at: datetime | None, calendar: WorkCalendar, rules: Rules
    ) -> Dispatch:
        """A dispatch as the ladder counts it: it reached someone once one of its messages went out, and its
        answer is due `answer_within` working days after the last of them went out at the earliest (a
        message that went out late, after downtime or to someone who bound later, gets its whole answer
        time, and the dispatch is not overdue for anyone before it is for everyone it reached)."""
        due = row.due_on
        if reached_at is not None:
            due = max(due, calendar.add_working_days(self._office.local_day(reached_at), rules.answer_within))
        return Dispatch(row.asked_on, due, row.answered_at is not None, reached_at is not None)

    def _warn_missing_calendar(self, session: Session, outbox: Outbox) -> None:
        """Tell the admins, once per year, that the calendar package has no holidays for a year in use."""
        calendar = self._office.calendar(session)
        warned = set(setting_queries.setting(session, WARNED_YEARS) or [])
        missing = sorted(calendar.missing_years - warned)
        if not missing:
            return
        for person in people_queries.admins(session):
            outbox.add(
                f"cal:{'-'.join(map(str, missing))}",
                person,
                "calendar_missing",
                {"years": missing},
                urgent=True,
            )
        setting_queries.set_setting(session, WARNED_YEARS, sorted(warned | set(missing)))


def _dispatch_row(item_id: int, asked_on: date, due_on: date, *, missed: bool) -> dict[str, Any]:
    return {"item_id": item_id, "asked_on": asked_on, "due_on": due_on, "missed": missed, "answered_at": None}


def _rule_name(rule: DailyRule) -> str:
    """A daily rule's name in the day's position (its qualified name: the same in every process)."""
    return f"rule:{getattr(rule, '__qualname__', type(rule).__qualname__)}"


def _daily(rule: DailyRule, day: _Day) -> Callable[[Session, Outbox], None]:
    def step(session: Session, outbox: Outbox) -> None:
        rule(session, outbox, day.today, day.calendar, day.rules)

    return step
