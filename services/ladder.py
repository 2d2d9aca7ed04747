"""The escalation ladder as the services move it (督办提醒 → 预警 → 通报 → 约谈 → 问责): a level issued with its
reason and messages, a report that answers and lowers it, a sign-off that ends it, a level issued by hand.

Which level is due is decided by the pure rules in `scheduler/rules.py`; this module records and tells.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.actor import SCHEDULER, Actor
from ledger.buttons import Acknowledge, RecordSummons, ReportNow, Snooze
from ledger.closing import extended_from
from ledger.drafts import LadderDraft, SummonsHeld
from ledger.model import Role, UnitRole
from reports.drafts import ladder_draft
from scheduler.calendar import WorkCalendar
from scheduler.reasons import conditions_json, stated_missed_dispatches
from scheduler.rules import Escalation as Step
from scheduler.rules import Level, level_after_report, reminder_facts
from services import audit
from services.office import Office
from services.outbox import Attachment, Button, Buttons, Outbox
from storage import complaint_queries, ladder_queries, people_queries
from storage.models import Item
from storage.scheduling import Escalation, ItemLadder

LEVEL_KIND = {
    Level.BLUE: "blue",
    Level.YELLOW: "yellow",
    Level.RED: "red",
    Level.SUMMONS: "summons",
    Level.REFERRAL: "referral",
}


def notice_params(item: Item) -> dict[str, Any]:
    """What every reminder and notice about an item says of it."""
    return {"number": item.number, "title": item.title, "percent": item.percent, "deadline": item.deadline}


def reachable_items(session: Session, item_ids: Sequence[int]) -> set[int]:
    """The items someone responsible is bound to receive messages of: an officer or leader of one of
    their responsible units, or a complaint's leader in charge. The others are 无人接收: the ladder waits
    for them, and the digests, `/units` and the import say so."""
    roles = (Role.OFFICER, Role.LEADER)
    bound = people_queries.items_with_recipients(session, item_ids, UnitRole.RESPONSIBLE, roles)
    return bound | complaint_queries.items_with_leader(session, item_ids)


def reminder_params(
    item: Item,
    ref: str,
    deadline: date,
    day: date,
    calendar: WorkCalendar,
    extensions: Sequence[tuple[date, date]] = (),
) -> dict[str, Any]:
    """What a deadline reminder written on `day` says: the deadline as it stands after the item's approved
    `extensions` (and the one it was extended from), and what is true of it that day
    (`scheduler.rules.reminder_facts`)."""
    facts = reminder_facts(deadline, day, calendar)
    return {
        **notice_params(item), "deadline": deadline, "ref": ref, "today": day,
        "days": facts.days_left, "late": facts.days_late, "extended_from": extended_from(deadline, extensions),
    }  # fmt: skip


def escalation_key(escalation: Escalation, day: date) -> str:
    """The start of the outbox keys of one escalation's messages (issued on `day`)."""
    return f"esc:{escalation.item_id}:{escalation.level}:{day.isoformat()}:e{escalation.id}"


def ladder_levels(session: Session, item_ids: Sequence[int]) -> dict[int, int]:
    return {item_id: ladder.level for item_id, ladder in ladder_queries.ladders_of(session, item_ids).items()}


class Ladder:
    def __init__(self, office: Office, office_name: str) -> None:
        self._office = office
        self._office_name = office_name  # who signs the drafts offered with a proposal

    def item_buttons(
        self, person: people_queries.Recipient, item: Item, *, snooze: bool = False
    ) -> Callable[[int], list[Button]]:
        """立即报送 / 已知悉 (and 顺延一个工作日 under a reminder) in the person's language."""
        label = self._office.renderer.label

        def make(outbox_id: int) -> list[Button]:
            buttons = [
                Button(label(person.locale, "button", "report"), ReportNow(item.number).pack()),
                Button(label(person.locale, "button", "ack"), Acknowledge(outbox_id).pack()),
            ]
            if snooze:
                buttons.append(Button(label(person.locale, "button", "snooze"), Snooze(outbox_id).pack()))
            return buttons

        return make

    def _level_buttons(self, person: people_queries.Recipient, item: Item, level: Level) -> Buttons | None:
        """立即报送 / 已知悉 under a reminder or warning; 记录约谈 under a 约谈建议 (the supervisor records it once
        held); none under a notice or a referral."""
        if level <= Level.YELLOW:
            return self.item_buttons(person, item)
        if level == Level.SUMMONS:
            record = Button(
                self._office.renderer.label(person.locale, "button", "record_summons"),
                RecordSummons(item.number).pack(),
            )
            return [record]
        return None

    def climb(
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
        note: str | None = None,
        to: Sequence[people_queries.Recipient] | None = None,
    ) -> Escalation:
        """Record the item's new level and queue its messages to the level's recipients (`to`, when the
        caller has them), under keys that start with `escalation_key`; `note` is what a supervisor wrote
        (/warn N 说明), and reaches them in the message."""
        now = self._office.now()
        if ladder not in session:
            session.add(ladder)
        ladder.level = int(step.level)
        ladder.since = today
        if step.level == Level.YELLOW:
            ladder.yellow_count += 1
        facts = conditions_json(step.conditions)
        escalation = Escalation(
            item_id=item.id, level=int(step.level), reason=step.reason, issued_at=now, issued_by=issued_by,
            facts=facts or None, note=note,
        )  # fmt: skip
        session.add(escalation)
        session.flush()  # its id keys its messages: two levels issued by hand on one day both go out
        audit.record(
            session, at=now, actor=SCHEDULER if issued_by is None else Actor.person(issued_by), action="escalate",
            entity="item", entity_id=item.number,
            after={"level": int(step.level), "reason": step.reason, "conditions": facts},
        )  # fmt: skip
        kind = LEVEL_KIND[step.level]
        params = {
            **notice_params(item), "reason": step.reason, "conditions": facts, "level": int(step.level),
            "history": [], "note": note, "received": None,
        }  # fmt: skip
        if step.level >= Level.SUMMONS:
            # The proposal carries the item's ladder so far, each step with what held: the referral's draft.
            params["history"] = [
                (self._office.local_day(e.issued_at), str(e.level), e.reason, e.facts or [])
                for e in ladder_queries.escalations_of(session, item.id)
            ]
        drafts: dict[str, Attachment] = {}
        received = self._received_of_stated(session, item, stated_missed_dispatches(step.conditions), today)
        for person in self.recipients(session, item, step.level) if to is None else to:
            own = received.get(person.person_id)
            outbox.add(
                escalation_key(escalation, today), person, kind,
                params if own is None else {**params, "received": own}, item=item,
                attachment=self._draft(session, item, kind, params, today, person.locale, drafts),
                level=int(step.level), buttons=self._level_buttons(person, item, step.level), urgent=urgent,
            )  # fmt: skip
        return escalation

    def _draft(
        self,
        session: Session,
        item: Item,
        kind: str,
        params: dict[str, Any],
        today: date,
        locale: str,
        made: dict[str, Attachment],
    ) -> Attachment | None:
        """The draft a proposal carries to the supervisors (约谈通知 with a 约谈建议, 问题线索移送函 with a
        问责移送建议), made once per language; None for the other levels."""
        if kind not in ("summons", "referral"):
            return None
        if locale not in made:
            held = ladder_queries.summonses_of(session, item.id)
            names = {
                role: tuple(link.unit.name for link in item.unit_links if link.role == role)
                for role in UnitRole
            }
            draft = LadderDraft(
                item.number, item.title, names[UnitRole.RESPONSIBLE], names[UnitRole.SUPERVISING],
                item.deadline, item.percent, today, self._office_name, tuple(params["history"]),
                SummonsHeld(held[-1].held_on, held[-1].attendees) if held and kind == "referral" else None,
            )  # fmt: skip
            made[locale] = Attachment(*ladder_draft(kind, draft, self._office.renderer, locale))
        return made[locale]

    @staticmethod
    def _received_of_stated(session: Session, item: Item, stated: int, today: date) -> dict[int, int]:
        """Of those asked the item's open dispatches, who got fewer of them than the reason states (someone
        bound later, a message that failed), with how many reached them: their message says so ("您收到其中1次"),
        so nobody is told of more missed dispatches than reached them. Leaders and supervisors are not asked
        dispatches: for them the count is the unit's, as the reason says."""
        if stated == 0:
            return {}
        open_ids = [
            d.id
            for d in ladder_queries.dispatches_of(session, [item.id]).get(item.id, [])
            if d.answered_at is None and not d.missed and d.due_on < today  # those the reason can count
        ]
        received = ladder_queries.dispatches_received(session, open_ids)
        return {person_id: count for person_id, count in received.items() if count < stated}

    def recipients(self, session: Session, item: Item, level: Level) -> list[people_queries.Recipient]:
        """Who hears of a level of the item (`recipients_of`)."""
        return self.recipients_of(session, {item.id: level})[item.id]

    def recipients_of(
        self, session: Session, levels: Mapping[int, Level]
    ) -> dict[int, list[people_queries.Recipient]]:
        """Who hears of each item's level (item id → level): the officers (督办提醒), with their leaders
        (预警), the supervisors and the leaders (通报), the supervisors (约谈, 问责); and a complaint's leader
        in charge, of every level. One query per kind of recipient, however many items."""
        wanted: dict[_Hearing, list[int]] = {}
        for item_id, level in levels.items():
            for group in _hearing(level):
                wanted.setdefault(group, []).append(item_id)
        heard = {
            (unit_role, roles): people_queries.recipients(session, ids, unit_role, roles)
            for (unit_role, roles), ids in wanted.items()
        }
        leaders = complaint_queries.complaint_leaders(session, list(levels))
        found: dict[int, list[people_queries.Recipient]] = {}
        for item_id, level in levels.items():
            people = found[item_id] = []
            for group in _hearing(level):
                people += [p for p in heard[group].get(item_id, []) if p not in people]
            people += [p for p in leaders.get(item_id, []) if p not in people]
        return found

    # ---- reactions -----------------------------------------------------------------------------

    def on_report(self, session: Session, item: Item, percent_before: int, percent_after: int) -> None:
        """A progress report answers the open dispatches, acknowledges the level and, when the percent
        went up, lowers the item one level."""
        now = self._office.now()
        today = self._office.local_day(now)
        for dispatch in ladder_queries.dispatches_of(session, [item.id]).get(item.id, []):
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

    def end(self, session: Session, item: Item) -> None:
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
        return self._issue_now(
            session, item, lambda _current: Step(level, "by_hand"), person_id, urgent=urgent, note=note
        )

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
        note: str | None = None,
    ) -> Escalation:
        now = self._office.now()
        outbox = self._office.outbox(session, now)
        ladder = session.get(ItemLadder, item.id) or ItemLadder(
            item_id=item.id, level=0, since=None, yellow_count=0
        )
        step = step_from(ladder.level)
        escalation = self.climb(
            session,
            outbox,
            item,
            ladder,
            step,
            self._office.local_day(now),
            issued_by,
            urgent=urgent,
            note=note,
        )
        outbox.write()
        return escalation


_Hearing = tuple[UnitRole, tuple[Role, ...]]


def _hearing(level: Level) -> tuple[_Hearing, ...]:
    """The people of an item's units who hear of a level, in the order they are told."""
    if level <= Level.BLUE:
        return ((UnitRole.RESPONSIBLE, (Role.OFFICER,)),)
    if level == Level.YELLOW:
        return ((UnitRole.RESPONSIBLE, (Role.OFFICER, Role.LEADER)),)
    if level == Level.RED:
        return ((UnitRole.SUPERVISING, (Role.SUPERVISOR,)), (UnitRole.RESPONSIBLE, (Role.LEADER,)))
    return ((UnitRole.SUPERVISING, (Role.SUPERVISOR,)),)
