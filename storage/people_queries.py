"""The people Duban writes to: who receives an item's messages (by unit role and role), the admins, persons by id."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVarTuple

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from ledger.model import Role, UnitRole
from storage.chunks import rows_in, scalars_in
from storage.models import ItemUnit, Person, RoleAssignment

_Columns = TypeVarTuple("_Columns")


@dataclass(frozen=True)
class Recipient:
    person_id: int
    chat_id: int
    locale: str
    name: str


def _receiving(statement: Select[*_Columns], unit_role: UnitRole, roles: Iterable[Role]) -> Select[*_Columns]:
    """`statement` over an item's unit links, joined to the people holding one of `roles` in its units of
    `unit_role`, bound and active."""
    return (
        statement.join(RoleAssignment, RoleAssignment.unit_id == ItemUnit.unit_id)
        .join(Person, Person.id == RoleAssignment.person_id)
        .where(
            ItemUnit.role == unit_role,
            RoleAssignment.role.in_(list(roles)),
            Person.active.is_(True),
            Person.telegram_user_id.is_not(None),
        )
    )


def recipients(
    session: Session, item_ids: Iterable[int], unit_role: UnitRole, roles: Iterable[Role]
) -> dict[int, list[Recipient]]:
    """For each item, the bound and active people holding one of `roles` in its units of `unit_role`."""
    # The four columns a message needs, not whole people: a dispatch day asks this of every open item.
    columns = select(ItemUnit.item_id, Person.id, Person.telegram_user_id, Person.locale, Person.name)
    statement = _receiving(columns, unit_role, roles).order_by(Person.id)
    result: dict[int, list[Recipient]] = {}
    for item_id, person_id, user_id, locale, name in rows_in(session, statement, ItemUnit.item_id, item_ids):
        assert user_id is not None
        entry = Recipient(person_id, user_id, locale, name)
        if entry not in result.setdefault(item_id, []):
            result[item_id].append(entry)
    return result


def items_with_recipients(
    session: Session, item_ids: Iterable[int], unit_role: UnitRole, roles: Iterable[Role]
) -> set[int]:
    """Those of the items with someone `recipients` would name (the ids only, each once)."""
    statement = _receiving(select(ItemUnit.item_id).distinct(), unit_role, roles)
    return set(scalars_in(session, statement, ItemUnit.item_id, item_ids))


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


def persons(session: Session, ids: Iterable[int]) -> dict[int, Person]:
    statement = select(Person).options(selectinload(Person.roles))
    return {p.id: p for p in scalars_in(session, statement, Person.id, ids)}


def people_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    statement = select(Person.id, Person.name)
    return {row.id: row.name for row in rows_in(session, statement, Person.id, wanted)}
