"""Deadline extensions (延期申请): the item's officer or leader asks before the deadline passes, the
supervisors approve or refuse with a tap; an approved extension moves the deadline, keeps the old one on
record, and takes the item off the ladder levels the old deadline put it on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from ledger.access import Viewer
from ledger.actor import Actor
from ledger.buttons import ApproveExtension, RefuseExtension
from ledger.closing import (
    check_extension,
    is_responsible,
    is_supervisor,
    level_after_extension,
    moved_deadlines,
    parse_date_line,
)
from ledger.errors import DubanError
from services import audit
from services.closing_common import (
    ClosingService,
    item_params,
    responsible_of,
    supervisors_of,
    two_buttons,
    unit_links,
)
from services.outbox import Delivery, delivery
from storage import closing_queries as cq
from storage import ladder_queries, outbox_queries
from storage.models import Item
from storage.review import DeadlineExtension, ExtensionStatus
from storage.scheduling import ItemLadder


@dataclass(frozen=True)
class ExtensionView:
    id: int
    number: str
    title: str
    old_deadline: date
    new_deadline: date
    reason: str
    status: ExtensionStatus
    supervisors: int  # how many were asked
    told: Delivery  # what became of the messages the request or the decision wrote


class ExtensionService(ClosingService):
    def request(self, viewer: Viewer, arguments: str) -> ExtensionView:
        """`/extend N DATE reason…`: record the request and ask the item's supervisors."""
        now = self._clock.now()
        line = parse_date_line(arguments, "extension", self._today(now))
        with self._decision() as session:
            item = self._items.find(session, viewer, line.number)
            session.refresh(item, with_for_update=True)  # two requests at once: one after the other
            if not is_responsible(viewer, unit_links(item)) or viewer.person_id is None:
                raise DubanError("extension/not_responsible", number=item.number)
            if cq.pending_extension(session, item.id) is not None:
                raise DubanError("extension/already_pending", number=item.number)
            check_extension(item.deadline, line.day, self._today(now))
            assert item.deadline is not None
            extension = DeadlineExtension(
                item_id=item.id, requested_by=viewer.person_id, old_deadline=item.deadline,
                new_deadline=line.day, reason=line.reason, status=ExtensionStatus.PENDING, created_at=now,
            )  # fmt: skip
            session.add(extension)
            session.flush()
            audit.record(
                session, at=now, actor=viewer.actor, action="extension_request", entity="item",
                entity_id=item.number, after=_record(extension),
            )  # fmt: skip
            supervisors = supervisors_of(session, item)
            outbox = self._outbox(session, now)
            buttons = two_buttons(
                self._office.renderer, "chat/extension/buttons",
                ("approve", ApproveExtension(extension.id).pack()), ("refuse", RefuseExtension(extension.id).pack()),
            )  # fmt: skip
            params = {**item_params(item), **_params(extension), "requester": viewer.name}
            self._notify(
                outbox, f"ext:{extension.id}", supervisors, "extension_request", params, item, buttons
            )
            outbox.write()
            told = delivery(session, f"ext:{extension.id}:", now, self._office.tz)
            return _view(item, extension, len(supervisors), told)

    def decide(self, viewer: Viewer, extension_id: int, approve: bool) -> ExtensionView:
        """A supervisor of the item approves or refuses a pending request; the unit is told either way."""
        now = self._clock.now()
        with self._decision() as session:
            # Held until the decision is stored: two supervisors pressing at once decide one after the other.
            extension = session.get(DeadlineExtension, extension_id, with_for_update=True)
            item = session.get(Item, extension.item_id) if extension is not None else None
            if extension is None or item is None:
                raise DubanError("extension/gone")
            if not is_supervisor(viewer, unit_links(item)) or viewer.person_id is None:
                raise DubanError("extension/not_supervisor", number=item.number)
            if extension.status != ExtensionStatus.PENDING:
                raise DubanError("extension/decided", number=item.number, status=extension.status.value)
            extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
            extension.decided_by = viewer.person_id
            extension.decided_at = now
            actor = viewer.actor
            if approve:
                self._move_deadline(session, item, extension, now, actor)
            audit.record(
                session, at=now, actor=actor, action=f"extension_{extension.status.value}", entity="item",
                entity_id=item.number, before={"status": ExtensionStatus.PENDING.value}, after=_record(extension),
            )  # fmt: skip
            outbox = self._outbox(session, now)
            params = {**item_params(item), **_params(extension), "decider": viewer.name}
            self._notify(
                outbox,
                f"exd:{extension.id}",
                responsible_of(session, item),
                "extension_decided",
                params,
                item,
            )
            outbox.write()
            told = delivery(session, f"exd:{extension.id}:", now, self._office.tz)
            return _view(item, extension, 0, told)

    def _move_deadline(
        self, session: Session, item: Item, extension: DeadlineExtension, now: datetime, actor: Actor
    ) -> None:
        """The item's deadline and the targets' equal to the old one move; the ladder is re-based."""
        old, new = extension.old_deadline, extension.new_deadline
        before = {
            "deadline": item.deadline.isoformat() if item.deadline else None,
            "deadline_text": item.deadline_text,
        }
        item.deadline = new
        # The plan's words ("12月底前") were about the old deadline: from now on the date is shown (the month's
        # notice, the public page, /item); they stay in the audit log, and a re-import keeps the extension.
        item.deadline_text = None
        for target, deadline in zip(
            item.targets, moved_deadlines([t.deadline for t in item.targets], old, new), strict=True
        ):
            target.deadline = deadline
        item.updated_at = now
        # Reminders of the old deadline still to go would state it: they are taken back, and the new
        # deadline's come on their days.
        called_off = outbox_queries.call_off_reminders(session, item.id, old)
        audit.record(
            session, at=now, actor=actor, action="extend_deadline", entity="item", entity_id=item.number,
            before=before, after={"deadline": new.isoformat(), "extension_id": extension.id},
        )  # fmt: skip
        if called_off:
            audit.record(
                session, at=now, actor=actor, action="call_off_reminders", entity="item", entity_id=item.number,
                after={"deadline": old.isoformat(), "count": called_off},
            )  # fmt: skip
        ladder = session.get(ItemLadder, item.id)
        if ladder is None or ladder.level == 0:
            return
        at_level = [e for e in ladder_queries.escalations_of(session, item.id) if e.level == ladder.level]
        level = level_after_extension(ladder.level, at_level[-1].reason if at_level else None)
        if level != ladder.level:
            audit.record(
                session, at=now, actor=actor, action="rebase_ladder", entity="item", entity_id=item.number,
                before={"level": ladder.level}, after={"level": level},
            )  # fmt: skip
            ladder.level = level
            ladder.since = None


def _params(extension: DeadlineExtension) -> dict[str, object]:
    return {
        "old_deadline": extension.old_deadline,
        "new_deadline": extension.new_deadline,
        "reason": extension.reason,
        "status": extension.status.value,
    }


def _record(extension: DeadlineExtension) -> dict[str, object]:
    return {
        "extension_id": extension.id,
        "old_deadline": extension.old_deadline.isoformat(),
        "new_deadline": extension.new_deadline.isoformat(),
        "reason": extension.reason,
        "status": extension.status.value,
    }


def _view(item: Item, extension: DeadlineExtension, supervisors: int, told: Delivery) -> ExtensionView:
    return ExtensionView(
        extension.id, item.number, item.title, extension.old_deadline, extension.new_deadline,
        extension.reason, extension.status, supervisors, told,
    )  # fmt: skip
