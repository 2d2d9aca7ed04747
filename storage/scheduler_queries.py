"""The scheduler's queries: each asks only for what can be due, through indexed columns."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from ledger.model import Role, UnitRole
from storage.models import Item, ItemMeasure, ItemTarget, ItemUnit, Person, RoleAssignment
from storage.queries import chased_filter
from storage.scheduling import (
    DispatchRequest,
    Escalation,
    ItemLadder,
    OutboxMessage,
    OutboxStatus,
    SchedulerSetting,
    SummonsRecord,
)

# An outbox row in one of these went out: on its own, or inside another row's message to the same chat.
WENT_OUT = (OutboxStatus.SENT, OutboxStatus.MERGED)


@dataclass(frozen=True)
class Recipient:
    person_id: int
    chat_id: int
    locale: str
    name: str


def setting(session: Session, key: str) -> Any:
    row = session.get(SchedulerSetting, key)
    return None if row is None else row.value


def set_setting(session: Session, key: str, value: Any) -> None:
    row = session.get(SchedulerSetting, key)
    if row is None:
        session.add(SchedulerSetting(key=key, value=value))
    else:
        row.value = value


def deadlines_between(session: Session, first: date, last: date) -> list[tuple[Item, str, date]]:
    """Open items with a target, measure or item deadline in [first, last]: (item, ref, deadline)."""
    found: list[tuple[Item, str, date]] = []
    open_item = chased_filter()
    targets = (
        select(Item, ItemTarget).join(ItemTarget).where(open_item, ItemTarget.deadline.between(first, last))
    )
    found += [(item, f"t{t.id}", t.deadline) for item, t in session.execute(targets) if t.deadline]
    measures = (
        select(Item, ItemMeasure).join(ItemMeasure).where(open_item, ItemMeasure.due.between(first, last))
    )
    found += [(item, f"m{m.id}", m.due) for item, m in session.execute(measures) if m.due]
    without_targets = select(Item).where(
        open_item,
        Item.deadline.between(first, last),
        ~Item.targets.any(ItemTarget.deadline.is_not(None)),
    )
    found += [(item, "item", item.deadline) for item in session.scalars(without_targets) if item.deadline]
    return found


def open_items(
    session: Session, numbers: Sequence[str] | None = None, *, scheduled_only: bool = False
) -> Sequence[Item]:
    """Items still chased (not signed off, no sign-off open), in plan order; `scheduled_only`: those with
    序时进度 (a deadline, not continuing), the only ones that can be behind schedule."""
    statement = select(Item).where(chased_filter()).order_by(Item.sort_key)
    if numbers is not None:
        statement = statement.where(Item.number.in_(numbers))
    if scheduled_only:
        statement = statement.where(Item.deadline.is_not(None), Item.continuing.is_(False))
    return session.scalars(statement).all()


def ladder_candidates(session: Session, deadline_before: date, dispatch_due_before: date) -> Sequence[Item]:
    """Open items that may climb today: deadline near or past, a dispatch unanswered past its due day, or
    already high on the ladder (summons and referral need time at a level). Those behind schedule the
    caller adds: only their status, decided in Python, says so."""
    unanswered = select(DispatchRequest.item_id).where(
        DispatchRequest.answered_at.is_(None), DispatchRequest.due_on <= dispatch_due_before
    )
    climbing = select(ItemLadder.item_id).where(ItemLadder.level > 0)
    statement = select(Item).where(
        chased_filter(),
        or_(
            Item.deadline <= deadline_before,
            Item.id.in_(unanswered),
            Item.id.in_(climbing),
        ),
    )
    return session.scalars(statement).all()


def dispatches_of(session: Session, item_ids: Sequence[int]) -> dict[int, list[DispatchRequest]]:
    result: dict[int, list[DispatchRequest]] = {}
    statement = (
        select(DispatchRequest)
        .where(DispatchRequest.item_id.in_(item_ids))
        .order_by(DispatchRequest.asked_on)
    )
    for row in session.scalars(statement):
        result.setdefault(row.item_id, []).append(row)
    return result


def reached_dispatches(session: Session, dispatch_ids: Sequence[int]) -> dict[int, datetime]:
    """Those of the dispatches that reached someone (at least one of their outbox rows went out), with the
    instant the last went out (to whoever was asked last, e.g. bound later)."""
    found: dict[int, datetime] = {}
    for start in range(0, len(dispatch_ids), 500):
        statement = (
            select(OutboxMessage.dispatch_id, func.max(OutboxMessage.sent_at))
            .where(
                OutboxMessage.dispatch_id.in_(dispatch_ids[start : start + 500]),
                OutboxMessage.status.in_(WENT_OUT),
            )
            .group_by(OutboxMessage.dispatch_id)
        )
        for dispatch_id, sent_at in session.execute(statement):
            if dispatch_id is not None and sent_at is not None:
                found[dispatch_id] = sent_at
    return found


def dispatches_received(session: Session, dispatch_ids: Sequence[int]) -> dict[int, int]:
    """For each person asked any of these dispatches, how many of them reached that person (their own
    outbox row went out); 0 for one asked whose rows have not gone out."""
    received: dict[int, set[int]] = {}
    for start in range(0, len(dispatch_ids), 500):
        statement = select(OutboxMessage.person_id, OutboxMessage.dispatch_id, OutboxMessage.status).where(
            OutboxMessage.dispatch_id.in_(dispatch_ids[start : start + 500]),
        )
        for person_id, dispatch_id, status in session.execute(statement):
            if person_id is None:
                continue
            reached = received.setdefault(person_id, set())
            if status in WENT_OUT and dispatch_id is not None:
                reached.add(dispatch_id)
    return {person_id: len(reached) for person_id, reached in received.items()}


def summonses_held(session: Session, item_ids: Sequence[int]) -> dict[int, date]:
    """For each item, the day its latest recorded 约谈 was held."""
    statement = (
        select(SummonsRecord.item_id, func.max(SummonsRecord.held_on))
        .where(SummonsRecord.item_id.in_(item_ids))
        .group_by(SummonsRecord.item_id)
    )
    found: dict[int, date] = {}
    for item_id, held in session.execute(statement):
        found[item_id] = held
    return found


def ladders_of(session: Session, item_ids: Sequence[int]) -> dict[int, ItemLadder]:
    return {
        row.item_id: row
        for row in session.scalars(select(ItemLadder).where(ItemLadder.item_id.in_(item_ids)))
    }


def recipients(
    session: Session, item_ids: Iterable[int], unit_role: UnitRole, roles: Iterable[Role]
) -> dict[int, list[Recipient]]:
    """For each item, the bound and active people holding one of `roles` in its units of `unit_role`."""
    statement = (
        select(ItemUnit.item_id, Person)
        .join(RoleAssignment, RoleAssignment.unit_id == ItemUnit.unit_id)
        .join(Person, Person.id == RoleAssignment.person_id)
        .where(
            ItemUnit.item_id.in_(list(item_ids)),
            ItemUnit.role == unit_role,
            RoleAssignment.role.in_(list(roles)),
            Person.active.is_(True),
            Person.telegram_user_id.is_not(None),
        )
        .order_by(Person.id)
    )
    result: dict[int, list[Recipient]] = {}
    for item_id, person in session.execute(statement):
        assert person.telegram_user_id is not None
        entry = Recipient(person.id, person.telegram_user_id, person.locale, person.name)
        if entry not in result.setdefault(item_id, []):
            result[item_id].append(entry)
    return result


def people_with_role(
    session: Session, role: Role, unit_ids: Iterable[int] | None = None, *, exclude: int | None = None
) -> list[Recipient]:
    """Bound, active people holding `role` (in one of `unit_ids`, when given)."""
    statement = (
        select(Person)
        .join(RoleAssignment)
        .where(RoleAssignment.role == role, Person.active.is_(True), Person.telegram_user_id.is_not(None))
        .order_by(Person.id)
        .distinct()
    )
    if unit_ids is not None:
        statement = statement.where(RoleAssignment.unit_id.in_(list(unit_ids)))
    if exclude is not None:
        statement = statement.where(Person.id != exclude)
    return [
        Recipient(p.id, p.telegram_user_id, p.locale, p.name)
        for p in session.scalars(statement)
        if p.telegram_user_id
    ]


def admins(session: Session) -> list[Recipient]:
    return people_with_role(session, Role.ADMIN)


def outbox_keys(session: Session, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(chunk))))
    return found


def due_or_abandoned(
    session: Session, now: datetime, *, urgent_only: bool, after_id: int, limit: int
) -> Sequence[OutboxMessage]:
    """Rows a sender may take now, oldest first: pending and due, or claimed by a sender whose lease ran
    out (its process died without marking them). Paged by id, so no statement carries a long list."""
    takeable = or_(
        (OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.not_before <= now),
        (OutboxMessage.status == OutboxStatus.CLAIMED) & (OutboxMessage.lease_until <= now),
    )
    statement = (
        select(OutboxMessage)
        .where(takeable, OutboxMessage.id > after_id)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if urgent_only:
        statement = statement.where(OutboxMessage.urgent.is_(True))
    return session.scalars(statement).all()


def claim(session: Session, ids: Sequence[int], owner: str, now: datetime, lease_until: datetime) -> set[int]:
    """Claim those of `ids` still pending; the ones this statement took (another sender may have taken
    some since they were read)."""
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.CLAIMED, claimed_at=now, claimed_by=owner, lease_until=lease_until)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return set(session.scalars(statement))


def take_back(
    session: Session, ids: Sequence[int], owner: str, now: datetime, lease_until: datetime
) -> set[int]:
    """Claim those of `ids` whose claim's lease ran out: they may have reached the chat, so each is marked a
    possible repeat. Returns the ids taken."""
    statement = (
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.status == OutboxStatus.CLAIMED,
            OutboxMessage.lease_until <= now,
        )
        .values(claimed_at=now, claimed_by=owner, lease_until=lease_until, possible_repeat=True)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return set(session.scalars(statement))


def claims_of(session: Session, owner_prefix: str) -> Sequence[OutboxMessage]:
    """Rows claimed by senders whose owner name starts with `owner_prefix` (this host's)."""
    statement = select(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.CLAIMED, OutboxMessage.claimed_by.startswith(owner_prefix)
    )
    return session.scalars(statement).all()


def expire_claims(session: Session, ids: Sequence[int], now: datetime) -> None:
    """End the lease of claims whose process is known dead, so the next drain takes them back."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.CLAIMED)
        .values(lease_until=now)
        .execution_options(synchronize_session=False)
    )


def extend_lease(session: Session, ids: Sequence[int], owner: str, lease_until: datetime) -> int:
    """Keep holding the rows this sender claimed; how many it still holds (a row taken back by another
    sender after the lease ran out is not this sender's to send any more)."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.status == OutboxStatus.CLAIMED,
            OutboxMessage.claimed_by == owner,
        )
        .values(lease_until=lease_until)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def persons(session: Session, ids: Iterable[int]) -> dict[int, Person]:
    return {
        p.id: p
        for p in session.scalars(
            select(Person).where(Person.id.in_(list(ids))).options(selectinload(Person.roles))
        )
    }


def escalations_of(session: Session, item_id: int) -> Sequence[Escalation]:
    statement = (
        select(Escalation).where(Escalation.item_id == item_id).order_by(Escalation.issued_at, Escalation.id)
    )
    return session.scalars(statement).all()


def same_message_rows(session: Session, row: OutboxMessage) -> list[OutboxMessage]:
    """`row` and the rows about the same item that went out in the same message (merged into one)."""
    if row.item_id is None:
        return [row]
    head = row.merged_into_id or row.id
    statement = select(OutboxMessage).where(
        OutboxMessage.item_id == row.item_id,
        OutboxMessage.person_id == row.person_id,
        or_(OutboxMessage.id == head, OutboxMessage.merged_into_id == head),
    )
    found = list(session.scalars(statement.order_by(OutboxMessage.id)))
    return found if row in found else [row, *found]


def snoozes_of(session: Session, outbox_id: int) -> int:
    statement = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.snooze_of_id == outbox_id)
    return session.scalar(statement) or 0


def escalations_by_item(session: Session, item_ids: Sequence[int]) -> dict[int, list[Escalation]]:
    result: dict[int, list[Escalation]] = {}
    for start in range(0, len(item_ids), 500):
        statement = select(Escalation).where(Escalation.item_id.in_(item_ids[start : start + 500]))
        for row in session.scalars(statement):
            result.setdefault(row.item_id, []).append(row)
    return result


def queued_under(session: Session, key_prefix: str) -> list[tuple[OutboxMessage, str | None]]:
    """The rows written under `key_prefix` that are still to go or gone (not called off, not failed),
    with the name of the person each is for (None: a group)."""
    statement = (
        select(OutboxMessage, Person.name)
        .outerjoin(Person, Person.id == OutboxMessage.person_id)
        .where(
            OutboxMessage.key.startswith(key_prefix),
            OutboxMessage.status.not_in([OutboxStatus.CALLED_OFF, OutboxStatus.FAILED]),
        )
        .order_by(OutboxMessage.id)
    )
    return [(row, name) for row, name in session.execute(statement)]


def call_off_stale_reminders(session: Session, before: datetime) -> list[int]:
    """Take back the deadline reminders still waiting that were to go before `before` (the start of the
    office's day): ids of the rows taken back."""
    statement = (
        update(OutboxMessage)
        .where(
            OutboxMessage.kind == "reminder",
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.not_before < before,
        )
        .values(status=OutboxStatus.CALLED_OFF)
        .returning(OutboxMessage.id)
    )
    return sorted(session.scalars(statement).all())


def call_off_reminders(session: Session, item_id: int, due_date: date) -> int:
    """Take back the item's reminders about `due_date` still to go (the deadline moved): how many."""
    statement = (
        update(OutboxMessage)
        .where(
            OutboxMessage.item_id == item_id,
            OutboxMessage.kind == "reminder",
            OutboxMessage.due_date == due_date,
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .values(status=OutboxStatus.CALLED_OFF)
        .returning(OutboxMessage.id)
    )
    return len(session.scalars(statement).all())


def call_off(session: Session, key_prefix: str) -> set[int]:
    """Take back the outbox rows whose key starts with `key_prefix` and that the sender has not taken yet;
    the people they were for. One statement, so that a row the sender claims meanwhile is left to it."""
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.key.startswith(key_prefix), OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.CALLED_OFF)
        .returning(OutboxMessage.person_id)
    )
    return {person_id for person_id in session.scalars(statement) if person_id is not None}


def move_chat(session: Session, old_chat_id: int, new_chat_id: int) -> int:
    """Rows still to go to a chat that changed its id (a group became a supergroup) follow it."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.chat_id == old_chat_id,
            OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.CLAIMED)),
        )
        .values(chat_id=new_chat_id)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
