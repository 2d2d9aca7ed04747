"""Spot-checks of signed-off items (回头看) and reopening (重新纳入整改): on a check's due day the
supervisors are asked "no rebound?"; Confirm closes the check, Reopen (with a reason and a new deadline)
puts the item back in the ledger's open work (重新纳入整改, its percent back to 0: the rectification starts
again and is reported on anew), on the ladder from its foot, and tells the responsible unit."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy.orm import Session

from ledger.access import Viewer
from ledger.buttons import ConfirmSpotCheck, ReopenSpotCheck
from ledger.closing import check_reopen, is_supervisor, parse_date_line, parse_reason_line
from ledger.errors import DubanError
from scheduler.calendar import WorkCalendar
from scheduler.rules import Rules
from services import audit
from services.closing_common import (
    ClosingService,
    item_params,
    responsible_of,
    supervisors_of,
    two_buttons,
    unit_links,
)
from services.outbox import Delivery, Outbox, delivery
from storage import closing_queries as cq
from storage.models import Item
from storage.review import SpotCheck, SpotCheckStatus
from storage.scheduling import ItemLadder


@dataclass(frozen=True)
class SpotCheckView:
    id: int | None  # None: a reopening by command without a check due
    number: str
    title: str
    due_on: date | None
    status: SpotCheckStatus
    new_deadline: date | None = None
    reason: str | None = None
    told: Delivery | None = None  # a reopening: what became of the messages to the unit


class SpotCheckService(ClosingService):
    def ask_due(
        self, session: Session, outbox: Outbox, today: date, calendar: WorkCalendar, rules: Rules
    ) -> int:
        """The daily rule: ask the supervisors about every check due (or missed while down) on a signed-off
        item, once per check."""
        asked = 0
        for check, item in cq.spot_checks_due(session, today):
            buttons = two_buttons(
                self._office.renderer, "chat/spotcheck/buttons",
                ("confirm", ConfirmSpotCheck(check.id).pack()), ("reopen", ReopenSpotCheck(check.id).pack()),
            )  # fmt: skip
            params = {**item_params(item), "due_on": check.due_on, "signed_off_at": item.signed_off_at}
            self._notify(
                outbox,
                f"spc:{check.id}",
                supervisors_of(session, item),
                "spotcheck_due",
                params,
                item,
                buttons,
            )
            asked += 1
        return asked

    def confirm(self, viewer: Viewer, check_id: int) -> SpotCheckView:
        """No rebound: the check is closed as confirmed."""
        now = self._clock.now()
        with self._decision() as session:
            check, item = self._due_check(session, viewer, check_id)
            check.status = SpotCheckStatus.CONFIRMED
            check.decided_by = viewer.person_id
            check.decided_at = now
            audit.record(
                session, at=now, actor=viewer.actor, action="spotcheck_confirm", entity="item",
                entity_id=item.number, before={"status": SpotCheckStatus.DUE.value},
                after={"spot_check_id": check.id, "status": check.status.value},
            )  # fmt: skip
            return _view(item, check)

    def check_reopenable(self, viewer: Viewer, check_id: int) -> SpotCheckView:
        """Reopen pressed: whether this viewer may reopen on this check (nothing changes yet)."""
        with self._sessions() as session:
            check, item = self._due_check(session, viewer, check_id)
            return _view(item, check)

    def reopen_on_check(self, viewer: Viewer, check_id: int, answer: str) -> SpotCheckView:
        """The answer to the question after Reopen: `DATE reason…`."""
        day, reason = parse_reason_line(answer, "spotcheck", self._today(self._clock.now()))
        with self._decision() as session:
            check, item = self._due_check(session, viewer, check_id)
            return self._reopen(session, viewer, item, check, day, reason)

    def reopen_by_command(self, viewer: Viewer, arguments: str) -> SpotCheckView:
        """`/reopen N DATE reason…`: a supervisor reopens a signed-off item of theirs, check due or not."""
        line = parse_date_line(arguments, "spotcheck", self._today(self._clock.now()))
        with self._decision() as session:
            item = self._items.find(session, viewer, line.number)
            self._require_supervisor(viewer, item)
            due = cq.first_check_due(session, item.id, self._today(self._clock.now()))
            return self._reopen(session, viewer, item, due, line.day, line.reason)

    def _reopen(
        self, session: Session, viewer: Viewer, item: Item, check: SpotCheck | None, day: date, reason: str
    ) -> SpotCheckView:
        now = self._clock.now()
        check_reopen(item.signed_off_at is not None, day, self._today(now))
        actor = viewer.actor
        before = _item_record(item)
        item.reopened_at = now
        item.percent = 0
        item.deadline = day
        for target in item.targets:
            target.deadline = day
        item.signed_off_at = None
        item.updated_at = now
        if check is not None:
            check.status = SpotCheckStatus.REOPENED
            check.decided_by = viewer.person_id
            check.decided_at = now
            check.reason = reason
            check.new_deadline = day
        self._fresh_ladder(session, item)
        audit.record(
            session, at=now, actor=actor, action="reopen", entity="item", entity_id=item.number, before=before,
            after={**_item_record(item), "reason": reason, "spot_check_id": check.id if check else None},
        )  # fmt: skip
        outbox = self._outbox(session, now)
        params = {**item_params(item), "reason": reason, "decider": viewer.name}
        key = f"reo:{item.id}:{now.isoformat()}"
        self._notify(outbox, key, responsible_of(session, item), "reopened", params, item)
        outbox.write()
        told = delivery(session, f"{key}:", now, self._tz)
        if check is None:
            return SpotCheckView(
                None, item.number, item.title, None, SpotCheckStatus.REOPENED, day, reason, told
            )
        return replace(_view(item, check), told=told)

    @staticmethod
    def _fresh_ladder(session: Session, item: Item) -> None:
        ladder = session.get(ItemLadder, item.id)
        if ladder is None:
            session.add(ItemLadder(item_id=item.id, level=0, since=None, yellow_count=0, last_progress=None))
            return
        ladder.level = 0
        ladder.since = None
        ladder.yellow_count = 0
        ladder.last_progress = None

    def _due_check(self, session: Session, viewer: Viewer, check_id: int) -> tuple[SpotCheck, Item]:
        # Held until the transaction ends: two supervisors answering at once answer one after the other.
        check = session.get(SpotCheck, check_id, with_for_update=True)
        item = session.get(Item, check.item_id) if check is not None else None
        if check is None or item is None:
            raise DubanError("spotcheck/gone")
        self._require_supervisor(viewer, item)
        if check.status != SpotCheckStatus.DUE:
            raise DubanError("spotcheck/decided", number=item.number, status=check.status.value)
        if item.signed_off_at is None:
            raise DubanError("spotcheck/not_signed_off")
        return check, item

    @staticmethod
    def _require_supervisor(viewer: Viewer, item: Item) -> None:
        if not is_supervisor(viewer, unit_links(item)) or viewer.person_id is None:
            raise DubanError("spotcheck/not_supervisor", number=item.number)


def _item_record(item: Item) -> dict[str, object]:
    return {
        "percent": item.percent,
        "deadline": item.deadline.isoformat() if item.deadline else None,
        "signed_off_at": item.signed_off_at.isoformat() if item.signed_off_at else None,
        "reopened_at": item.reopened_at.isoformat() if item.reopened_at else None,
    }


def _view(item: Item, check: SpotCheck) -> SpotCheckView:
    return SpotCheckView(
        check.id, item.number, item.title, check.due_on, check.status, check.new_deadline, check.reason
    )
