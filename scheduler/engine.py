"""The tick: once a day (and after downtime, once for the days missed) it asks the rules what is due and
writes each message to the outbox under an idempotency key; reports and sign-offs move the ladder back.

The tick runs every minute; on every minute but the first of a day it finds the day done and returns, so
its work grows with what is due, not with the size of the ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ledger.clock import Clock
from ledger.model import ItemStatus, Role, UnitRole
from messages.render import Renderer
from scheduler.calendar import WorkCalendar, package_working_day
from scheduler.outbox import Button, Outbox
from scheduler.rules import (
    Dispatch,
    LadderState,
    Level,
    Rules,
    dispatch_days_between,
    level_after_report,
    next_escalation,
    reminder_due,
    schedule_status,
)
from scheduler.rules import Escalation as Step
from services import audit
from services.errors import DubanError
from storage import complaint_queries as cq
from storage import queries
from storage import scheduler_queries as sq
from storage.models import Item
from storage.scheduling import CalendarOverride, DispatchRequest, Escalation, ItemLadder, OutboxMessage

LAST_DAY = "last_rules_day"
CADENCE = "item_cadence"  # item number → its own dispatch days of the month
RULES = "rules"
WARNED_YEARS = "calendar_warned_years"
DEFAULT_RULES = Rules()
# Deadlines further away than this cannot have a reminder due (30 working days, holidays included).
REMINDER_HORIZON = timedelta(days=60)
SCHEDULED_STATUSES = (
    ItemStatus.NOT_STARTED,
    ItemStatus.IN_PROGRESS,
    ItemStatus.ON_SCHEDULE,
    ItemStatus.BEHIND,
)
LEVEL_KIND = {
    Level.BLUE: "blue",
    Level.YELLOW: "yellow",
    Level.RED: "red",
    Level.SUMMONS: "summons",
    Level.REFERRAL: "referral",
}


def rules_from(value: dict[str, Any] | None, base: Rules = DEFAULT_RULES) -> Rules:
    """The rules as edited (a JSON object of the fields that differ from `base`, the defaults)."""
    if not value:
        return base
    known = {f.name: f.type for f in fields(Rules)}
    changes: dict[str, Any] = {}
    for name, raw in value.items():
        if name not in known:
            continue
        if name in ("quiet_start", "quiet_end"):
            changes[name] = time.fromisoformat(raw)
        elif isinstance(raw, list):
            changes[name] = tuple(int(v) for v in raw)
        else:
            changes[name] = int(raw)
    return replace(base, **changes)


def rules_to(rules: Rules) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in asdict(rules).items():
        result[name] = value.isoformat(timespec="minutes") if isinstance(value, time) else value
    return result


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


class SchedulerEngine:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock,
        renderer: Renderer,
        tz: ZoneInfo,
        calendar_source: Callable[[date], bool | None] = package_working_day,
        base_rules: Rules = DEFAULT_RULES,
    ) -> None:
        self._sessions = session_factory
        self._clock = clock
        self.renderer = renderer
        self.daily_rules: list[DailyRule] = []
        self._tz = tz
        self.calendar_source = calendar_source
        self.base_rules = base_rules  # the rules file's values, or the built-in ones; /rules edits win

    def today(self) -> date:
        return self._clock.now().astimezone(self._tz).date()

    def calendar(self, session: Session) -> WorkCalendar:
        overrides = {row.day: row.working for row in session.scalars(select(CalendarOverride))}
        return WorkCalendar(overrides, self.calendar_source)

    def rules(self, session: Session) -> Rules:
        return rules_from(sq.setting(session, RULES), self.base_rules)

    def current_rules(self) -> Rules:
        with self._sessions() as session:
            return self.rules(session)

    def tick(self) -> TickResult:
        """Run the day's rules for every day not yet run (at most once a day); queue what is due."""
        now = self._clock.now()
        today = now.astimezone(self._tz).date()
        with self._sessions() as session, session.begin():
            last = sq.setting(session, LAST_DAY)
            if last is not None and date.fromisoformat(last) >= today:
                return TickResult(ran_days=False)
            after = date.fromisoformat(last) if last is not None else today - timedelta(days=1)
            calendar = self.calendar(session)
            rules = self.rules(session)
            outbox = Outbox(session, self.renderer, now, self._tz, rules)
            result = TickResult(ran_days=True)
            self._update_schedule_status(session, today, rules)
            result.reminders = self._reminders(session, outbox, after, today, calendar, rules)
            self._dispatches(session, outbox, after, today, calendar, rules, result)
            if calendar.is_working_day(today):
                # Offices do not work at weekends and holidays: the ladder moves on working days only.
                result.escalations = self._ladder(session, outbox, today, calendar, rules)
            for rule in self.daily_rules:
                result.queued += rule(session, outbox, today, calendar, rules)
            self._warn_missing_calendar(session, outbox, calendar)
            result.queued += outbox.write()
            sq.set_setting(session, LAST_DAY, today.isoformat())
            return result

    def _update_schedule_status(self, session: Session, today: date, rules: Rules) -> None:
        """序时进度 once a day: items with a start and a deadline are on schedule or behind."""
        statement = select(Item).where(Item.status.in_(SCHEDULED_STATUSES), Item.deadline.is_not(None))
        for item in session.scalars(statement):
            assert item.deadline is not None
            status = schedule_status(
                item.start_date, item.deadline, item.percent, today, rules.schedule_tolerance
            )
            if item.status == ItemStatus.NOT_STARTED and status == ItemStatus.ON_SCHEDULE:
                continue
            if item.status != status:
                # Assigning an unchanged value would still mark the row dirty for every flush after it.
                item.status = status

    def _reminders(
        self, session: Session, outbox: Outbox, after: date, today: date, calendar: WorkCalendar, rules: Rules
    ) -> int:
        due = []
        for item, ref, deadline in sq.deadlines_between(session, after, today + REMINDER_HORIZON):
            offset = reminder_due(deadline, after, today, rules.reminder_offsets, calendar)
            if offset is not None:
                due.append((item, ref, deadline, offset))
        officers = sq.recipients(
            session, {item.id for item, *_ in due}, UnitRole.RESPONSIBLE, (Role.OFFICER,)
        )
        leaders = cq.complaint_leaders(session, {item.id for item, *_ in due})  # 领导包案: theirs too
        for item, ref, deadline, offset in due:
            for person in officers.get(item.id, []) + leaders.get(item.id, []):
                outbox.add(
                    f"rem:{item.id}:{ref}:{deadline.isoformat()}:{offset}", person, "reminder",
                    {**self._item_params(item), "deadline": deadline, "days": offset, "ref": ref},
                    item=item, buttons=self.buttons(person, item, snooze=True), due_date=deadline,
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
                    {**self._item_params(item), "due": due}, item=item, buttons=self.buttons(person, item),
                )  # fmt: skip
        result.missed_dispatch_days = sorted(missed_days)
        result.dispatches = asked

    def _ladder(
        self, session: Session, outbox: Outbox, today: date, calendar: WorkCalendar, rules: Rules
    ) -> int:
        near = calendar.add_working_days(today, rules.blue_deadline_within)
        candidates = sq.ladder_candidates(session, near, today)
        ids = [item.id for item in candidates]
        dispatches = sq.dispatches_of(session, ids)
        ladders = sq.ladders_of(session, ids)
        last_reports = queries.last_report_dates(session, ids)
        issued = sq.escalations_by_item(session, ids)
        steps: list[tuple[Item, ItemLadder, Step]] = []
        for item in candidates:
            ladder = ladders.get(item.id) or ItemLadder(item_id=item.id, level=0, since=None, yellow_count=0)
            reported = last_reports.get(item.id)
            state = LadderState(
                status=item.status,
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
                last_report=reported.astimezone(self._tz).date() if reported else None,
                last_progress=ladder.last_progress,
                behind_schedule=item.status == ItemStatus.BEHIND,
                issued=frozenset((Level(e.level), e.reason) for e in issued.get(item.id, [])),
            )
            step = next_escalation(state, today, calendar, rules)
            if step is not None:
                steps.append((item, ladder, step))
        for item, ladder, step in steps:
            self._climb(session, outbox, item, ladder, step, today, issued_by=None)
        return len(steps)

    def _climb(
        self,
        session: Session,
        outbox: Outbox,
        item: Item,
        ladder: ItemLadder,
        step: Step,
        today: date,
        issued_by: int | None,
        *,
        urgent: bool = False,
    ) -> Escalation:
        now = self._clock.now()
        if ladder not in session:
            session.add(ladder)
        ladder.level = int(step.level)
        ladder.since = today
        if step.level == Level.YELLOW:
            ladder.yellow_count += 1
        escalation = Escalation(
            item_id=item.id, level=int(step.level), reason=step.reason, issued_at=now, issued_by=issued_by
        )
        session.add(escalation)
        audit.record(
            session, at=now, actor="scheduler" if issued_by is None else f"person:{issued_by}", action="escalate",
            entity="item", entity_id=item.number, after={"level": int(step.level), "reason": step.reason},
        )  # fmt: skip
        kind = LEVEL_KIND[step.level]
        params = {
            **self._item_params(item), "reason": step.reason, "level": int(step.level), "history": [],
            "rules": asdict(self.rules(session)),
        }  # fmt: skip
        if step.level >= Level.SUMMONS:
            # The proposal carries the item's ladder so far: the draft of the referral text.
            params["history"] = [
                (e.issued_at.astimezone(self._tz).date(), str(e.level), e.reason)
                for e in sq.escalations_of(session, item.id)
            ]
        for person in self._escalation_recipients(session, item, step.level):
            outbox.add(
                f"esc:{item.id}:{int(step.level)}:{today.isoformat()}", person, kind, params, item=item,
                level=int(step.level), buttons=self.buttons(person, item) if step.level <= Level.YELLOW else None,
                urgent=urgent,
            )  # fmt: skip
        return escalation

    def _escalation_recipients(self, session: Session, item: Item, level: Level) -> list[sq.Recipient]:
        groups: list[tuple[UnitRole, tuple[Role, ...]]]
        if level <= Level.BLUE:
            groups = [(UnitRole.RESPONSIBLE, (Role.OFFICER,))]
        elif level == Level.YELLOW:
            groups = [(UnitRole.RESPONSIBLE, (Role.OFFICER, Role.LEADER))]
        elif level == Level.RED:
            groups = [(UnitRole.SUPERVISING, (Role.SUPERVISOR,)), (UnitRole.RESPONSIBLE, (Role.LEADER,))]
        else:
            groups = [(UnitRole.SUPERVISING, (Role.SUPERVISOR,))]
        found: list[sq.Recipient] = []
        for unit_role, roles in groups:
            for person in sq.recipients(session, [item.id], unit_role, roles).get(item.id, []):
                if person not in found:
                    found.append(person)
        # The leader who took a complaint on personally (领导包案) hears of every level.
        found += [p for p in cq.complaint_leaders(session, [item.id]).get(item.id, []) if p not in found]
        return found

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

    @staticmethod
    def _item_params(item: Item) -> dict[str, Any]:
        return {
            "number": item.number,
            "title": item.title,
            "percent": item.percent,
            "deadline": item.deadline,
        }

    def buttons(
        self, person: sq.Recipient, item: Item, *, snooze: bool = False
    ) -> Callable[[int], list[Button]]:
        label = self.renderer.label

        def make(outbox_id: int) -> list[Button]:
            buttons = [
                Button(label(person.locale, "button", "report"), f"nr:{item.number}"),
                Button(label(person.locale, "button", "ack"), f"na:{outbox_id}"),
            ]
            if snooze:
                buttons.append(Button(label(person.locale, "button", "snooze"), f"ns:{outbox_id}"))
            return buttons

        return make

    # ---- reactions -----------------------------------------------------------------------------

    def on_report(self, session: Session, item: Item, percent_before: int, percent_after: int) -> None:
        """A progress report answers the open dispatches, acknowledges the level and, when the percent
        went up, lowers the item one level."""
        now = self._clock.now()
        today = now.astimezone(self._tz).date()
        for dispatch in sq.dispatches_of(session, [item.id]).get(item.id, []):
            if dispatch.answered_at is None and not dispatch.missed:
                dispatch.answered_at = now
        ladder = session.get(ItemLadder, item.id)
        if ladder is None:
            if percent_after > percent_before:
                session.add(
                    ItemLadder(item_id=item.id, level=0, since=None, yellow_count=0, last_progress=today)
                )
            return
        for escalation in session.scalars(
            select(Escalation).where(Escalation.item_id == item.id, Escalation.acknowledged_at.is_(None))
        ):
            escalation.acknowledged_at = now
        lowered = level_after_report(Level(ladder.level), percent_before, percent_after)
        if lowered != ladder.level:
            ladder.level = int(lowered)
            ladder.since = today
        if percent_after > percent_before:
            ladder.last_progress = today

    def end_ladder(self, session: Session, item: Item) -> None:
        """A sign-off ends the ladder."""
        ladder = session.get(ItemLadder, item.id)
        if ladder is not None:
            ladder.level = 0
            ladder.since = None

    def escalate_by_hand(
        self,
        session: Session,
        item: Item,
        level: Level,
        person_id: int,
        note: str | None,
        *,
        urgent: bool = False,
    ) -> Escalation:
        """A supervisor issues a level by hand (/warn, /notice, /summon); an admin's may be urgent: it goes
        out even in the quiet hours."""
        escalation = self._issue_now(
            session, item, lambda _current: Step(level, "by_hand"), person_id, urgent=urgent
        )
        escalation.note = note
        return escalation

    def raise_one_level(self, session: Session, item: Item, reason: str, issued_by: int | None) -> Escalation:
        """Move the item one level up the ladder now, e.g. a repeated complaint (重复举报) raises the one it
        repeats: 0 → 督办提醒, 督办提醒 → 预警, …; at 问责 it stays and the level is issued again."""
        return self._issue_now(
            session, item, lambda current: Step(Level(min(current + 1, Level.REFERRAL)), reason), issued_by
        )

    def _issue_now(
        self,
        session: Session,
        item: Item,
        step_from: Callable[[int], Step],
        issued_by: int | None,
        *,
        urgent: bool = False,
    ) -> Escalation:
        now = self._clock.now()
        rules = self.rules(session)
        outbox = Outbox(session, self.renderer, now, self._tz, rules)
        ladder = session.get(ItemLadder, item.id) or ItemLadder(
            item_id=item.id, level=0, since=None, yellow_count=0
        )
        today = now.astimezone(self._tz).date()
        step = step_from(ladder.level)
        escalation = self._climb(session, outbox, item, ladder, step, today, issued_by, urgent=urgent)
        outbox.write()
        return escalation


def ladder_levels(session: Session, item_ids: Sequence[int]) -> dict[int, int]:
    return {item_id: ladder.level for item_id, ladder in sq.ladders_of(session, item_ids).items()}


@dataclass(frozen=True)
class Snoozed:
    number: str
    until: datetime


class ReminderActions:
    """The buttons under a reminder or warning: Acknowledge and Snooze (Report now opens a report)."""

    def __init__(
        self, session_factory: sessionmaker[Session], engine: SchedulerEngine, clock: Clock, tz: ZoneInfo
    ) -> None:
        self._sessions = session_factory
        self._engine = engine
        self._clock = clock
        self._tz = tz

    def _own_row(self, session: Session, person_id: int | None, outbox_id: int) -> OutboxMessage:
        row = session.get(OutboxMessage, outbox_id)
        if row is None or row.person_id is None or row.person_id != person_id:
            raise DubanError("reminder/not_yours")
        return row

    def acknowledge(self, person_id: int | None, outbox_id: int) -> str | None:
        """Record that the recipient saw it; the item's open escalations count as acknowledged.

        Returns the item number, if the message was about one.
        """
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            row = self._own_row(session, person_id, outbox_id)
            if row.acknowledged_at is None:
                row.acknowledged_at = now
                audit.record(
                    session, at=now, actor=f"person:{person_id}", action="acknowledge", entity="outbox",
                    entity_id=row.id, after={"kind": row.kind, "item_id": row.item_id},
                )  # fmt: skip
            if row.item_id is None:
                return None
            for escalation in sq.escalations_of(session, row.item_id):
                if (
                    escalation.acknowledged_at is None
                    and row.level is not None
                    and escalation.level <= row.level
                ):
                    escalation.acknowledged_at = now
            item = session.get(Item, row.item_id)
            return item.number if item else None

    def snooze(self, person_id: int | None, outbox_id: int) -> Snoozed:
        """Send the reminder again one working day later: at most `snooze_max` times, never past its deadline."""
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            row = self._own_row(session, person_id, outbox_id)
            original = session.get(OutboxMessage, row.snooze_of_id) if row.snooze_of_id else row
            assert original is not None
            rules = self._engine.rules(session)
            if row.kind != "reminder" or row.due_date is None or row.item_id is None:
                raise DubanError("reminder/not_snoozable")
            done = sq.snoozes_of(session, original.id)
            if done >= rules.snooze_max:
                raise DubanError("reminder/snooze_limit", limit=rules.snooze_max)
            local = now.astimezone(self._tz)
            next_day = self._engine.calendar(session).add_working_days(local.date(), 1)
            if next_day > row.due_date:
                raise DubanError("reminder/snooze_past_deadline", deadline=row.due_date)
            until = datetime.combine(next_day, local.time(), tzinfo=self._tz)
            item = session.get(Item, row.item_id)
            assert item is not None
            assert row.person_id is not None
            person = sq.persons(session, [row.person_id])[row.person_id]
            assert person.telegram_user_id is not None
            recipient = sq.Recipient(person.id, person.telegram_user_id, person.locale, person.name)
            outbox = Outbox(session, self._engine.renderer, now, self._tz, rules)
            params = {
                "number": item.number, "title": item.title, "percent": item.percent, "deadline": row.due_date,
                "days": self._engine.calendar(session).working_days_between(next_day, row.due_date), "ref": "item",
            }  # fmt: skip
            outbox.add(
                f"snz:{original.id}:{done + 1}", recipient, "reminder", params,
                item=item, buttons=self._engine.buttons(recipient, item, snooze=True), due_date=row.due_date,
                not_before=until, snooze_of=original.id,
            )  # fmt: skip
            outbox.write()
            audit.record(
                session, at=now, actor=f"person:{person_id}", action="snooze", entity="outbox", entity_id=row.id,
                after={"until": until.isoformat()},
            )  # fmt: skip
            return Snoozed(item.number, until)
