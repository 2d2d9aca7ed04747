"""The day's run (the tick): once a day (and after downtime, once for the days missed) it asks the rules
what is due and writes each message to the outbox under an idempotency key.

The tick runs every minute; on every minute but the first of a day it finds the day done and returns, so
its work grows with what is due, not with the size of the ledger.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol

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
from services.ladder import Ladder, notice_params, reminder_params
from services.office import CADENCE, LAST_DAY, WARNED_YEARS, Office
from services.outbox import Outbox
from services.standing import Standings
from storage import closing_queries as cq
from storage import complaint_queries
from storage import scheduler_queries as sq
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
            last = sq.setting(session, LAST_DAY)
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
            sq.set_setting(session, LAST_DAY, today.isoformat())
            return result

    def _reminders(
        self, session: Session, outbox: Outbox, after: date, today: date, calendar: WorkCalendar, rules: Rules
    ) -> int:
        due = []
        for item, ref, deadline in sq.deadlines_between(session, after, today + REMINDER_HORIZON):
            offset = reminder_due(deadline, after, today, rules.reminder_offsets, calendar)
            if offset is not None and not reminder_superseded(deadline, item.deadline, today):
                due.append((item, ref, deadline, offset))
        officers = sq.recipients(
            session, {item.id for item, *_ in due}, UnitRole.RESPONSIBLE, (Role.OFFICER,)
        )
        leaders = complaint_queries.complaint_leaders(
            session, {item.id for item, *_ in due}
        )  # 领导包案: theirs too
        extensions = cq.approved_extensions(session, {item.id for item, *_ in due})
        for item, ref, deadline, offset in due:
            for person in officers.get(item.id, []) + leaders.get(item.id, []):
                outbox.add(
                    f"rem:{item.id}:{ref}:{deadline.isoformat()}:{offset}", person, "reminder",
                    reminder_params(item, ref, deadline, today, calendar, extensions.get(item.id, [])),
                    item=item, buttons=self._ladder.item_buttons(person, item, snooze=True), due_date=deadline,
                )  # fmt: skip
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
        cadences: dict[str, list[int]] = sq.setting(session, CADENCE) or {}
        default = dispatch_days_between(after, today, rules.dispatch_days, calendar)
        if default:
            items = sq.open_items(session)
        elif cadences:
            # Only items with a cadence of their own can have a dispatch day the office has not.
            items = sq.open_items(session, numbers=list(cadences))
        else:
            return
        officers = sq.recipients(session, [i.id for i in items], UnitRole.RESPONSIBLE, (Role.OFFICER,))
        missed_days: set[date] = set()
        asked = 0
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
            session.add(DispatchRequest(item_id=item.id, asked_on=latest, due_on=due, missed=False))
            asked += 1
            for person in officers.get(item.id, []):
                outbox.add(
                    f"dsp:{item.id}:{latest.isoformat()}", person, "dispatch",
                    {**notice_params(item), "due": due}, item=item, buttons=self._ladder.item_buttons(person, item),
                )  # fmt: skip
        result.missed_dispatch_days = sorted(missed_days)
        result.dispatches = asked

    def _climbs(
        self, session: Session, outbox: Outbox, today: date, calendar: WorkCalendar, rules: Rules
    ) -> int:
        near = calendar.add_working_days(today, rules.blue_deadline_within)
        found = {item.id: item for item in sq.ladder_candidates(session, near, today)}
        # Behind schedule is a status, decided from the facts: those of the items that can be behind.
        scheduled = {item.id: item for item in sq.open_items(session, scheduled_only=True)}
        office_day = self._standings.day(session, today, rules=rules, calendar=calendar)
        standings = self._standings.of(session, list({**found, **scheduled}.values()), office_day)
        found.update((i, item) for i, item in scheduled.items() if standings[i].status == ItemStatus.BEHIND)
        candidates = list(found.values())
        ids = [item.id for item in candidates]
        dispatches = sq.dispatches_of(session, ids)
        ladders = sq.ladders_of(session, ids)
        issued = sq.escalations_by_item(session, ids)
        steps: list[tuple[Item, ItemLadder, Step]] = []
        for item in candidates:
            ladder = ladders.get(item.id) or ItemLadder(item_id=item.id, level=0, since=None, yellow_count=0)
            status = standings[item.id].status
            state = LadderState(
                status=status,
                deadline=item.deadline,
                percent=item.percent,
                level=Level(ladder.level),
                level_since=ladder.since,
                yellow_count=ladder.yellow_count,
                dispatches=tuple(
                    Dispatch(d.asked_on, d.due_on, d.answered_at is not None)
                    for d in dispatches.get(item.id, [])
                    if not d.missed
                ),
                last_report=standings[item.id].last_report,
                last_progress=ladder.last_progress,
                behind_schedule=status == ItemStatus.BEHIND,
                issued=frozenset((Level(e.level), e.reason) for e in issued.get(item.id, [])),
            )
            step = next_escalation(state, today, calendar, rules)
            if step is not None:
                steps.append((item, ladder, step))
        for item, ladder, step in steps:
            self._ladder.climb(session, outbox, item, ladder, step, today, issued_by=None)
        return len(steps)

    def _warn_missing_calendar(self, session: Session, outbox: Outbox, calendar: WorkCalendar) -> None:
        """Tell the admins, once per year, that the calendar package has no holidays for a year in use."""
        warned = set(sq.setting(session, WARNED_YEARS) or [])
        missing = sorted(calendar.missing_years - warned)
        if not missing:
            return
        for person in sq.admins(session):
            outbox.add(
                f"cal:{'-'.join(map(str, missing))}",
                person,
                "calendar_missing",
                {"years": missing},
                urgent=True,
            )
        sq.set_setting(session, WARNED_YEARS, sorted(warned | set(missing)))
