"""The buttons under a reminder or warning: 已知悉 (acknowledge) and 顺延一个工作日 (snooze); 立即报送 opens a
report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ledger.actor import Actor
from ledger.closing import extended
from ledger.errors import DubanError
from services import audit
from services.ladder import Ladder, reminder_params
from services.office import Office
from storage import closing_queries as cq
from storage import ladder_queries, outbox_queries, people_queries
from storage.db import hold_writes
from storage.models import Item
from storage.scheduling import OutboxMessage


@dataclass(frozen=True)
class Snoozed:
    number: str
    until: datetime


class ReminderActions:
    def __init__(self, office: Office, ladder: Ladder) -> None:
        self._office = office
        self._ladder = ladder

    @staticmethod
    def _own_row(session: Session, person_id: int | None, outbox_id: int) -> tuple[OutboxMessage, Actor]:
        """The message, if it was sent to this person, and the person as the audit log names them."""
        row = session.get(OutboxMessage, outbox_id)
        if row is None or row.person_id is None or row.person_id != person_id:
            raise DubanError("reminder/not_yours")
        return row, Actor.person(row.person_id)

    def acknowledge(self, person_id: int | None, outbox_id: int) -> str | None:
        """Record that the recipient saw it; the item's open escalations count as acknowledged. A message
        merged from several rows carries one 已知悉 per item: it acknowledges every row of that item in it.

        Returns the item number, if the message was about one.
        """
        now = self._office.now()
        with self._office.sessions() as session, session.begin():
            row, actor = self._own_row(session, person_id, outbox_id)
            seen = outbox_queries.same_message_rows(session, row)
            for one in seen:
                if one.acknowledged_at is None:
                    one.acknowledged_at = now
                    audit.record(
                        session, at=now, actor=actor, action="acknowledge", entity="outbox",
                        entity_id=one.id, after={"kind": one.kind, "item_id": one.item_id},
                    )  # fmt: skip
            if row.item_id is None:
                return None
            levels = [one.level for one in seen if one.level is not None]
            for escalation in ladder_queries.escalations_of(session, row.item_id):
                if escalation.acknowledged_at is None and levels and escalation.level <= max(levels):
                    escalation.acknowledged_at = now
            item = session.get(Item, row.item_id)
            return item.number if item else None

    def snooze(self, person_id: int | None, outbox_id: int) -> Snoozed:
        """Send the reminder again one working day later: at most `snooze_max` times, never past its deadline.

        Once per reminder message: a second tap on the same 顺延一个工作日 (a double tap, or two at once) is
        answered with the time the first one set and queues nothing more, so the snoozed reminder arrives
        once; the snoozed reminder has a button of its own for the next snooze."""
        now = self._office.now()
        with self._office.sessions() as session, session.begin():
            hold_writes(session)  # two taps at once: the second waits for the first and finds its snooze
            row, actor = self._own_row(session, person_id, outbox_id)
            session.refresh(row, with_for_update=True)
            if row.kind != "reminder" or row.due_date is None or row.item_id is None:
                raise DubanError("reminder/not_snoozable")
            item = session.get(Item, row.item_id)
            assert item is not None
            key = f"snooze:{row.id}"
            earlier = outbox_queries.queued_under(session, f"{key}:")
            if earlier:
                return Snoozed(item.number, earlier[0][0].not_before)
            original = session.get(OutboxMessage, row.snooze_of_id) if row.snooze_of_id else row
            assert original is not None
            rules = self._office.rules(session)
            done = outbox_queries.snoozes_of(session, original.id)
            if done >= rules.snooze_max:
                raise DubanError("reminder/snooze_limit", limit=rules.snooze_max)
            local = now.astimezone(self._office.tz)
            calendar = self._office.calendar(session)
            next_day = calendar.add_working_days(local.date(), 1)
            # The deadline as it stands: an extension approved since the reminder moved it.
            extensions = cq.approved_extensions(session, [item.id]).get(item.id, [])
            deadline = extended(row.due_date, extensions)
            assert deadline is not None
            if next_day > deadline:
                raise DubanError("reminder/snooze_past_deadline", deadline=deadline)
            until = datetime.combine(next_day, local.time(), tzinfo=self._office.tz)
            assert row.person_id is not None
            person = people_queries.persons(session, [row.person_id])[row.person_id]
            assert person.telegram_user_id is not None
            recipient = people_queries.Recipient(
                person.id, person.telegram_user_id, person.locale, person.name
            )
            outbox = self._office.outbox(session, now)
            params = reminder_params(item, "item", deadline, next_day, calendar, extensions)
            outbox.add(
                key, recipient, "reminder", params,
                item=item, buttons=self._ladder.item_buttons(recipient, item, snooze=True), due_date=deadline,
                not_before=until, snooze_of=original.id,
            )  # fmt: skip
            outbox.write()
            # The time it will in fact go: one working day later may fall in the quiet hours.
            ((snoozed, _name),) = outbox_queries.queued_under(session, f"{key}:")
            audit.record(
                session, at=now, actor=actor, action="snooze", entity="outbox", entity_id=row.id,
                after={"until": snoozed.not_before.isoformat()},
            )  # fmt: skip
            return Snoozed(item.number, snoozed.not_before)
