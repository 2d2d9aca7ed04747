"""The queries of public complaints (群众举报件): complaint rows with their items, units and leaders."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from ledger.model import Role, UnitRole
from storage.chunks import rows_in, scalars_in
from storage.models import Item, Person, RoleAssignment
from storage.people_queries import Recipient
from storage.queries import chased_filter
from storage.review import Complaint

COMPLAINT = "complaint"


def complaints_with_items(
    session: Session, where: ColumnElement[bool] | None = None
) -> Sequence[tuple[Complaint, Item]]:
    """Complaints and their items (with unit links), oldest received first."""
    statement = (
        select(Complaint, Item)
        .join(Item, Item.id == Complaint.item_id)
        .options(selectinload(Item.unit_links))
        .order_by(Complaint.received_on, Item.sort_key)
    )
    if where is not None:
        statement = statement.where(where)
    return session.execute(statement).all()


def open_complaints(session: Session, where: ColumnElement[bool]) -> Sequence[tuple[Complaint, Item]]:
    """Complaints whose item is open and matches `where`, nearest deadline first."""
    statement = (
        select(Complaint, Item)
        .join(Item, Item.id == Complaint.item_id)
        .options(selectinload(Item.unit_links))
        .where(chased_filter(), where)
        .order_by(Item.deadline, Item.sort_key)
    )
    return session.execute(statement).all()


def complaints_without_leader(session: Session, received_by: date) -> Sequence[tuple[Complaint, Item]]:
    """Open complaints received on or before `received_by` that no leader has taken on yet."""
    return open_complaints(session, (Complaint.leader_id.is_(None)) & (Complaint.received_on <= received_by))


def complaint_by_number(session: Session, complaint_number: str) -> Complaint | None:
    return session.scalars(select(Complaint).where(Complaint.complaint_number == complaint_number)).first()


def supervisor_unit_ids(session: Session) -> list[int]:
    """Units where someone holds the supervisor role: by default they supervise the complaints."""
    statement = (
        select(RoleAssignment.unit_id)
        .where(RoleAssignment.role == Role.SUPERVISOR, RoleAssignment.unit_id.is_not(None))
        .distinct()
        .order_by(RoleAssignment.unit_id)
    )
    return [unit_id for unit_id in session.scalars(statement) if unit_id is not None]


# A leader who can receive messages: bound, and active.
_BOUND = (Person.active.is_(True), Person.telegram_user_id.is_not(None))


def complaint_leaders(session: Session, item_ids: Iterable[int]) -> dict[int, list[Recipient]]:
    """For each complaint item, the leader who took it on (领导包案), when bound and active."""
    statement = (
        select(Complaint.item_id, Person).join(Person, Person.id == Complaint.leader_id).where(*_BOUND)
    )
    result: dict[int, list[Recipient]] = {}
    for item_id, person in rows_in(session, statement, Complaint.item_id, item_ids):
        assert person.telegram_user_id is not None
        result[item_id] = [Recipient(person.id, person.telegram_user_id, person.locale, person.name)]
    return result


def items_with_leader(session: Session, item_ids: Iterable[int]) -> set[int]:
    """Those of the items `complaint_leaders` names a leader of (the ids only)."""
    statement = select(Complaint.item_id).join(Person, Person.id == Complaint.leader_id).where(*_BOUND)
    return set(scalars_in(session, statement, Complaint.item_id, item_ids))


def unit_ids_of(item: Item, role: UnitRole) -> list[int]:
    return [link.unit_id for link in item.unit_links if link.role == role]
