"""The outbox: keys already queued, rows due or abandoned, claims and leases, what one message carried, snoozes,
rows called off, a chat that moved."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from storage.models import Person
from storage.scheduling import (
    OutboxMessage,
    OutboxStatus,
)

# An outbox row in one of these went out: on its own, or inside another row's message to the same chat.
WENT_OUT = (OutboxStatus.SENT, OutboxStatus.MERGED)


def due_or_abandoned(
    session: Session, now: datetime, *, urgent_only: bool, after_id: int, limit: int
) -> Sequence[OutboxMessage]:
    """Rows to Telegram chats a sender may take now, oldest first: pending and due, or claimed by a sender
    whose lease ran out (its process died without marking them). Paged by id, so no statement carries a
    long list. (Rows to group robots: `robot_queries.due_posts`.)"""
    takeable = or_(
        (OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.not_before <= now),
        (OutboxMessage.status == OutboxStatus.CLAIMED) & (OutboxMessage.lease_until <= now),
    )
    statement = (
        select(OutboxMessage)
        .where(takeable, OutboxMessage.robot_id.is_(None), OutboxMessage.id > after_id)
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
