"""The rows a unit merge moves: role assignments, item links, sign-off reviews and aliases."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from storage.models import Item, ItemUnit, RoleAssignment, UnitAlias
from storage.review import SignOffReview


def move_roles(session: Session, source_id: int, target_id: int) -> int:
    """Give the target unit every role held for the source; a role the person holds there already is
    dropped. Returns how many people held a role for the source."""
    held = session.scalars(select(RoleAssignment).where(RoleAssignment.unit_id == source_id)).all()
    existing = {
        (ra.person_id, ra.role)
        for ra in session.scalars(select(RoleAssignment).where(RoleAssignment.unit_id == target_id))
    }
    for assignment in held:
        if (assignment.person_id, assignment.role) in existing:
            session.delete(assignment)
        else:
            assignment.unit_id = target_id
            existing.add((assignment.person_id, assignment.role))
    return len({assignment.person_id for assignment in held})


def items_of_unit(session: Session, unit_id: int) -> Sequence[Item]:
    linked = select(ItemUnit.item_id).where(ItemUnit.unit_id == unit_id)
    statement = (
        select(Item).where(Item.id.in_(linked)).options(selectinload(Item.unit_links)).order_by(Item.sort_key)
    )
    return session.scalars(statement).all()


def move_item_links(session: Session, source_id: int, target_id: int) -> None:
    """File the source's items under the target, in the same role and place; a link the item already
    has to the target is kept once."""
    links = session.scalars(select(ItemUnit).where(ItemUnit.unit_id == source_id)).all()
    present = {
        (link.item_id, link.role)
        for link in session.scalars(select(ItemUnit).where(ItemUnit.unit_id == target_id))
    }
    moved = [
        (link.item_id, link.role, link.position) for link in links if (link.item_id, link.role) not in present
    ]
    for link in links:
        session.delete(link)
    session.flush()
    for item_id, role, position in moved:
        session.add(ItemUnit(item_id=item_id, unit_id=target_id, role=role, position=position))


def move_reviews(session: Session, source_id: int, target_id: int) -> int:
    result = session.execute(
        update(SignOffReview).where(SignOffReview.unit_id == source_id).values(unit_id=target_id)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def repoint_aliases(session: Session, source_id: int, target_id: int) -> None:
    """Names that meant the source now mean the target."""
    session.execute(update(UnitAlias).where(UnitAlias.unit_id == source_id).values(unit_id=target_id))
