"""约谈 held and recorded (not the proposal, 约谈建议): the supervisor who held it records the day and who
attended, with one tap under the proposal (记录约谈, then two questions) or `/summoned N 日期 参加人员`. The
record is audited, tells the summoned unit's leaders, shows in `/history`, and is what a 问责移送建议 needs:
the referral is counted from the day the 约谈 was held (`scheduler.rules`), never from a proposal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.access import Viewer
from ledger.closing import is_supervisor, parse_date_line, read_past_date
from ledger.errors import DubanError
from ledger.model import Role, UnitRole
from scheduler.rules import Level
from services import audit
from services.closing_common import ClosingService, item_params, unit_links
from storage import people_queries
from storage.models import Item
from storage.scheduling import Escalation, ItemLadder, SummonsRecord

ATTENDEES_LIMIT = 500  # characters: a list of names and posts, not a minute of the talk


@dataclass(frozen=True)
class SummonsView:
    number: str
    title: str
    held_on: date | None = None
    attendees: str | None = None
    told: tuple[str, ...] = ()  # the leaders told of it


class SummonsService(ClosingService):
    def check(self, viewer: Viewer, number: str) -> SummonsView:
        """Whether the viewer may record a 约谈 of the item (before the questions are asked)."""
        with self._sessions() as session:
            item = self._item(session, viewer, number)
            return SummonsView(item.number, item.title)

    def held_on(self, viewer: Viewer, number: str, text: str) -> date:
        """The answer to "约谈日期？": a day up to today, as officials write it."""
        day = read_past_date(text, self._today(self._clock.now()))
        if day is None:
            raise DubanError("summons/bad_date", text=text.strip()[:20])
        self._not_ahead(day)
        return day

    def record_by_command(self, viewer: Viewer, arguments: str) -> SummonsView:
        """`/summoned N 日期 参加人员…`."""
        line = parse_date_line(arguments, "summons", self._today(self._clock.now()), read_past_date)
        return self.record(viewer, line.number, line.day, line.reason)

    def record(self, viewer: Viewer, number: str, held_on: date, attendees: str) -> SummonsView:
        """Record a 约谈 held on `held_on` with `attendees`; the item is at 约谈 from then on, and the
        responsible units' leaders are told."""
        attendees = attendees.strip()
        if not attendees:
            raise DubanError("summons/needs_reason")
        if len(attendees) > ATTENDEES_LIMIT:
            raise DubanError("summons/too_long", limit=ATTENDEES_LIMIT)
        self._not_ahead(held_on)
        now = self._clock.now()
        with self._decision() as session:
            item = self._item(session, viewer, number)
            if session.scalar(
                select(SummonsRecord.id).where(
                    SummonsRecord.item_id == item.id, SummonsRecord.held_on == held_on
                )
            ):
                raise DubanError("summons/already", number=item.number, held_on=held_on)
            proposal = session.scalar(
                select(Escalation.id)
                .where(Escalation.item_id == item.id, Escalation.level == int(Level.SUMMONS))
                .order_by(Escalation.issued_at.desc(), Escalation.id.desc())
                .limit(1)
            )
            record = SummonsRecord(
                item_id=item.id, proposal_id=proposal, held_on=held_on, attendees=attendees,
                recorded_by=viewer.person_id, recorded_at=now,
            )  # fmt: skip
            session.add(record)
            ladder = session.get(ItemLadder, item.id)
            if ladder is None:
                ladder = ItemLadder(item_id=item.id, level=0, since=None, yellow_count=0)
                session.add(ladder)
            if ladder.level < Level.SUMMONS:
                ladder.level = int(Level.SUMMONS)
                ladder.since = held_on
            session.flush()
            audit.record(
                session, at=now, actor=viewer.actor, action="summons_held", entity="item",
                entity_id=item.number,
                after={"held_on": held_on.isoformat(), "attendees": attendees, "proposal_id": proposal},
            )  # fmt: skip
            leaders = people_queries.recipients(session, [item.id], UnitRole.RESPONSIBLE, (Role.LEADER,)).get(
                item.id, []
            )
            outbox = self._outbox(session, now)
            params = {
                **item_params(item),
                "held_on": held_on,
                "attendees": attendees,
                "recorder": viewer.name,
            }
            self._notify(outbox, f"smh:{record.id}", leaders, "summons_held", params, item)
            outbox.write()
            return SummonsView(item.number, item.title, held_on, attendees, tuple(p.name for p in leaders))

    def _item(self, session: Session, viewer: Viewer, number: str) -> Item:
        item = self._items.find(session, viewer, number)
        may = viewer.sees_everything or is_supervisor(viewer, unit_links(item))
        if not may or viewer.person_id is None:
            raise DubanError("summons/not_supervisor", number=item.number)
        return item

    def _not_ahead(self, day: date) -> None:
        today = self._today(self._clock.now())
        if day > today:
            raise DubanError("summons/future_date", held_on=day, today=today)
