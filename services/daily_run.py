"""The day's run (the tick): once a day (and after downtime, once for the days missed) it asks the rules
what is due and writes each message to the outbox under an idempotency key.

The tick runs every minute; on every minute but the first of a day it finds the day done and returns, so
its work grows with what is due, not with the size of the ledger.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

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
from services.office import CADENCE, LAST_DAY, WARNED_YEARS, Office
from services.outbox import Outbox
from services.standing import Standings
from storage import closing_queries as cq
from storage import complaint_queries, ladder_queries, people_queries, setting_queries
from storage.models import Item
from storage.scheduling import DispatchRequest, ItemLadder

# Deadlines further away than this cannot have a reminder due (30 working days, holidays included).
REMINDER_HORIZON = timedelta(days=60)


@dataclass
class TickResult:
    ran_days: bool
    queued: int = 0
    reminders: int = 0
    dispatches: int = 0
    escalations: int = 0
    missed_dispatch_days: list[date] = field(default_factory=list)


class DailyRule(Protocol):
    """Further work of the day's run (spot-checks due, digests, …): queue messages, return how many."""

    def __call__(
        self, session: Session, outbox: Outbox, today: date, calendar: WorkCalendar, rules: Rules
    ) -> int: ...


class DailyRun:
    """The day's rules: deadline reminders, dispatches, the ladder, then `daily_rules` in the order given
    (the composition root puts the supervisors' digest last: in a merged message it comes last). Statuses
    are not updated here: they are decided from the facts whenever they are read (`services.standing`)."""

    def __init__(
        self, office: Office, ladder: Ladder, standings: Standings, daily_rules: Sequence[DailyRule] = ()
    ) -> None:
        self._office = office
        self._ladder = ladder
        self._standings = standings
        self._daily_rules = tuple(daily_rules)

    def tick(self) -> TickResult:
        """Run the day's rules for every day not yet run (at most once a day); queue what is due."""
        now = self._office.now()
        today = self._office.local_day(now)
        with self._office.sessions() as session, session.begin():
            last = setting_queries.setting(session, LAST_DAY)
            if last is not None and date.fromisoformat(last) >= today:
                return TickResult(ran_days=False)
            after = date.fromisoformat(last) if last is not None else today - timedelta(days=1)
            calendar = self._office.calendar(session)
            rules = self._office.rules(session)
            outbox = Outbox(session, self._office.renderer, now, self._office.tz, rules)
            result = TickResult(ran_days=True)
            result.reminders = self._reminders(session, outbox, after, today, calendar, rules)
            self._dispatches(session, outbox, after, today, calendar, rules, result)
            if calendar.is_working_day(today):
                # Offices do not work at weekends and holidays: the ladder moves on working days only.
                result.escalations = self._climbs(session, outbox, today, calendar, rules)
            for rule in self._daily_rules:
                result.queued += rule(session, outbox, today, calendar, rules)
            self._warn_missing_calendar(session, outbox, calendar)
            result.queued += outbox.write()
            setting_queries.set_setting(session, LAST_DAY, today.isoformat())
            return result

    def _reminders(
        self, session: Session, outbox: Outbox, after: date, today: date, calendar: WorkCalendar, rules: Rules
    ) -> int:
        due = []
        for item, ref, deadline in ladder_queries.deadlines_between(session, after, today + REMINDER_HORIZON):
            offset = reminder_due(deadline, after, today, rules.reminder_offsets, calendar)
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
        return len(due)

    def _dispatches(
        self,
        session: Session,
        outbox: Outbox,
        after: date,
        today: date,
        calendar: WorkCalendar,
        rules: Rules,
        result: TickResult,
    ) -> None:
        """Ask every open item for progress on its dispatch days (the office's, or the item's own cadence);
        days long past are recorded as missed, not asked again."""
        cadences: dict[str, list[int]] = setting_queries.setting(session, CADENCE) or {}
        default = dispatch_days_between(after, today, rules.dispatch_days, calendar)
        if default:
            items = ladder_queries.open_items(session)
        elif cadences:
            # Only items with a cadence of their own can have a dispatch day the office has not.
            items = ladder_queries.open_items(session, numbers=list(cadences))
        else:
            return
        officers = people_queries.recipients(
            session, [i.id for i in items], UnitRole.RESPONSIBLE, (Role.OFFICER,)
        )
        missed_days: set[date] = set()
        asked: list[tuple[Item, DispatchRequest]] = []
        for item in items:
            own = cadences.get(item.number)
            days = dispatch_days_between(after, today, own, calendar) if own else default
            if not days:
                continue
            *missed, latest = days
            missed_days.update(missed)
            for day in missed:
                session.add(DispatchRequest(item_id=item.id, asked_on=day, due_on=day, missed=True))
            due = calendar.add_working_days(latest, rules.answer_within)
            request = DispatchRequest(item_id=item.id, asked_on=latest, due_on=due, missed=False)
            session.add(request)
            asked.append((item, request))
        # The rows' ids, once for all: each message names the dispatch it asks, so that a dispatch is known
        # to have reached someone only when one of its messages went out.
        session.flush()
        for item, request in asked:
            for person in officers.get(item.id, []):
                self.ask(outbox, item, request, person)
        result.missed_dispatch_days = sorted(missed_days)
        result.dispatches = len(asked)

    def ask(
        self,
        outbox: Outbox,
        item: Item,
        request: DispatchRequest,
        person: people_queries.Recipient,
        due: date | None = None,
    ) -> None:
        """Queue one officer's message of a dispatch (进展调度), linked to it; `due`: the answer's day as
        this person is asked (later than the dispatch's own when they are asked later)."""
        outbox.add(
            f"dsp:{item.id}:{request.asked_on.isoformat()}", person, "dispatch",
            {**notice_params(item), "due": due or request.due_on}, item=item,
            buttons=self._ladder.item_buttons(person, item), dispatch_id=request.id,
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
        items = {item.id: item for item in ladder_queries.open_items(session)}
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
                self.ask(outbox, items[item_id], latest, mine[item_id], max(due, latest.due_on))
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

    def _climbs(
        self, session: Session, outbox: Outbox, today: date, calendar: WorkCalendar, rules: Rules
    ) -> int:
        near = calendar.add_working_days(today, rules.blue_deadline_within)
        found = {item.id: item for item in ladder_queries.ladder_candidates(session, near, today)}
        # Behind schedule is a status, decided from the facts: those of the items that can be behind.
        scheduled = {item.id: item for item in ladder_queries.open_items(session, scheduled_only=True)}
        office_day = self._standings.day(session, today, rules=rules, calendar=calendar)
        standings = self._standings.of(session, list({**found, **scheduled}.values()), office_day)
        found.update((i, item) for i, item in scheduled.items() if standings[i].status == ItemStatus.BEHIND)
        candidates = list(found.values())
        ids = [item.id for item in candidates]
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
            if step is not None and self._ladder.recipients(session, item, step.level):
                # A level whose message would reach nobody is not issued either.
                steps.append((item, ladder, step))
        for item, ladder, step in steps:
            self._ladder.climb(session, outbox, item, ladder, step, today, issued_by=None)
        return len(steps)

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

    def _warn_missing_calendar(self, session: Session, outbox: Outbox, calendar: WorkCalendar) -> None:
        """Tell the admins, once per year, that the calendar package has no holidays for a year in use."""
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
