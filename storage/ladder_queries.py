"""The ladder's records: deadlines and open items that can be due, dispatches and whether they reached anyone, each
item's ladder, its escalations and its 约谈 held; each asks only for what can be due, through indexed columns."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, load_only, raiseload

from ledger.model import Role, UnitRole
from storage.chunks import rows_in, scalars_in
from storage.models import Item, ItemMeasure, ItemTarget, ItemUnit, RoleAssignment
from storage.outbox_queries import WENT_OUT
from storage.queries import ItemRow, chased_filter, item_rows
from storage.review import Complaint
from storage.scheduling import (
    DispatchRequest,
    Escalation,
    ItemLadder,
    OutboxMessage,
    SummonsRecord,
)


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


def open_items_asking(session: Session, person_id: int) -> Sequence[Item]:
    """The items still chased whose dispatches and reminders ask this person: an officer of one of their
    responsible units, or the leader a complaint is with (领导包案); in plan order. Someone who binds is
    caught up on these, not on the whole ledger."""
    as_officer = (
        select(ItemUnit.item_id)
        .join(RoleAssignment, RoleAssignment.unit_id == ItemUnit.unit_id)
        .where(
            ItemUnit.role == UnitRole.RESPONSIBLE,
            RoleAssignment.role == Role.OFFICER,
            RoleAssignment.person_id == person_id,
        )
    )
    as_leader = select(Complaint.item_id).where(Complaint.leader_id == person_id)
    statement = (
        select(Item)
        .where(chased_filter(), or_(Item.id.in_(as_officer), Item.id.in_(as_leader)))
        .order_by(Item.sort_key)
    )
    return session.scalars(statement).all()


def scheduled_open_items(session: Session) -> list[ItemRow]:
    """The items still chased with 序时进度 (a deadline, not continuing), the only ones that can be behind
    schedule, as columns in plan order (the ladder judges every one each working day)."""
    return item_rows(session, and_(chased_filter(), Item.deadline.is_not(None), Item.continuing.is_(False)))


def open_item_order(session: Session, numbers: Sequence[str] | None = None) -> list[tuple[str, int, str]]:
    """(sort key, id, number) of the items still chased (of `numbers`, when given), in plan order: what the
    day's run goes through in chunks, without loading the items themselves at once."""
    statement = select(Item.sort_key, Item.id, Item.number).where(chased_filter())
    if numbers is None:
        rows = session.execute(statement).all()
    else:
        rows = list(rows_in(session, statement, Item.number, numbers))
    return sorted((sort_key, item_id, number) for sort_key, item_id, number in rows)


def items_by_id(session: Session, item_ids: Sequence[int]) -> dict[int, Item]:
    """The items as a dispatch names them (number, title, progress, deadline), nothing more loaded."""
    statement = select(Item).options(
        load_only(Item.id, Item.number, Item.title, Item.percent, Item.deadline), raiseload("*")
    )
    return {item.id: item for item in scalars_in(session, statement, Item.id, item_ids)}


def items_of(session: Session, item_ids: Sequence[int]) -> list[Item]:
    """The items of these ids, by id."""
    return sorted(scalars_in(session, select(Item), Item.id, item_ids), key=lambda item: item.id)


def dispatch_ids(session: Session, asked: Sequence[tuple[int, date]]) -> dict[int, int]:
    """The id of each item's dispatch asked on the given day (item id → dispatch id)."""
    days = {day for _item, day in asked}
    wanted = set(asked)
    statement = select(DispatchRequest.item_id, DispatchRequest.asked_on, DispatchRequest.id).where(
        DispatchRequest.asked_on.in_(days)
    )
    return {
        item_id: row_id
        for item_id, asked_on, row_id in rows_in(
            session, statement, DispatchRequest.item_id, [i for i, _ in asked]
        )
        if (item_id, asked_on) in wanted
    }


def ladder_candidates(session: Session, deadline_before: date, dispatch_due_before: date) -> set[int]:
    """The ids of the open items that may climb today: deadline near or past, a dispatch unanswered past its due day, or
    already high on the ladder (summons and referral need time at a level). Those behind schedule the
    caller adds: only their status, decided in Python, says so."""
    unanswered = select(DispatchRequest.item_id).where(
        DispatchRequest.answered_at.is_(None), DispatchRequest.due_on <= dispatch_due_before
    )
    climbing = select(ItemLadder.item_id).where(ItemLadder.level > 0)
    statement = select(Item.id).where(
        chased_filter(),
        or_(
            Item.deadline <= deadline_before,
            Item.id.in_(unanswered),
            Item.id.in_(climbing),
        ),
    )
    return set(session.scalars(statement))


def dispatches_of(session: Session, item_ids: Sequence[int]) -> dict[int, list[DispatchRequest]]:
    """Each item's dispatch requests, by the day asked."""
    result: dict[int, list[DispatchRequest]] = {}
    statement = select(DispatchRequest).order_by(DispatchRequest.asked_on)
    for row in scalars_in(session, statement, DispatchRequest.item_id, item_ids):
        result.setdefault(row.item_id, []).append(row)
    return result


def reached_dispatches(session: Session, dispatch_ids: Sequence[int]) -> dict[int, datetime]:
    """Those of the dispatches that reached someone (at least one of their outbox rows went out), with the
    instant the last went out (to whoever was asked last, e.g. bound later)."""
    found: dict[int, datetime] = {}
    statement = (
        select(OutboxMessage.dispatch_id, func.max(OutboxMessage.sent_at))
        .where(OutboxMessage.status.in_(WENT_OUT))
        .group_by(OutboxMessage.dispatch_id)
    )
    for dispatch_id, sent_at in rows_in(session, statement, OutboxMessage.dispatch_id, dispatch_ids):
        if dispatch_id is not None and sent_at is not None:
            found[dispatch_id] = sent_at
    return found


def dispatches_received(session: Session, dispatch_ids: Sequence[int]) -> dict[int, int]:
    """For each person asked any of these dispatches, how many of them reached that person (their own
    outbox row went out); 0 for one asked whose rows have not gone out."""
    received: dict[int, set[int]] = {}
    statement = select(OutboxMessage.person_id, OutboxMessage.dispatch_id, OutboxMessage.status)
    for person_id, dispatch_id, status in rows_in(
        session, statement, OutboxMessage.dispatch_id, dispatch_ids
    ):
        if person_id is None:
            continue
        reached = received.setdefault(person_id, set())
        if status in WENT_OUT and dispatch_id is not None:
            reached.add(dispatch_id)
    return {person_id: len(reached) for person_id, reached in received.items()}


def summonses_held(session: Session, item_ids: Sequence[int]) -> dict[int, date]:
    """For each item, the day its latest recorded 约谈 was held."""
    statement = select(SummonsRecord.item_id, func.max(SummonsRecord.held_on)).group_by(SummonsRecord.item_id)
    return dict(rows_in(session, statement, SummonsRecord.item_id, item_ids))


def ladders_of(session: Session, item_ids: Sequence[int]) -> dict[int, ItemLadder]:
    return {row.item_id: row for row in scalars_in(session, select(ItemLadder), ItemLadder.item_id, item_ids)}


def escalations_of(session: Session, item_id: int) -> Sequence[Escalation]:
    statement = (
        select(Escalation).where(Escalation.item_id == item_id).order_by(Escalation.issued_at, Escalation.id)
    )
    return session.scalars(statement).all()


def escalations_by_item(session: Session, item_ids: Sequence[int]) -> dict[int, list[Escalation]]:
    result: dict[int, list[Escalation]] = {}
    for row in scalars_in(session, select(Escalation), Escalation.item_id, item_ids):
        result.setdefault(row.item_id, []).append(row)
    return result


def summonses_of(session: Session, item_id: int) -> Sequence[SummonsRecord]:
    statement = select(SummonsRecord).where(SummonsRecord.item_id == item_id).order_by(SummonsRecord.id)
    return session.scalars(statement).all()
