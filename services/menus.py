"""What each bound person's chat shows as the command menu: who needs it set again (their roles, language
or chat changed since it was last set), and the record of what was set. Not the ledger: not audited."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from ledger.access import Viewer
from storage.chunks import scalars_in
from storage.models import Person


@dataclass(frozen=True)
class MenuState:
    """A bound person's chat: who they are now (None: deactivated, the default menu is theirs again) and
    the fingerprint of the menu last set there (None: never, or taken off)."""

    person_id: int
    chat_id: int
    viewer: Viewer | None
    key: str | None


class MenuService:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def states(self, person_ids: Collection[int] | None = None) -> list[MenuState]:
        """The chats of bound people who can be written to (of `person_ids`, if given): the active ones,
        and the deactivated ones whose chat still shows a menu of theirs."""
        statement = (
            select(Person)
            .options(selectinload(Person.roles))
            .where(Person.telegram_user_id.is_not(None), Person.unreachable_at.is_(None))
            .where(Person.active | Person.menu_key.is_not(None))
            .order_by(Person.id)
        )
        with self._sessions() as session:
            if person_ids is None:
                return [_state(person) for person in session.scalars(statement)]
            chosen = sorted(
                scalars_in(session, statement, Person.id, person_ids), key=lambda person: person.id
            )
            return [_state(person) for person in chosen]

    def record(self, person_id: int, key: str | None) -> None:
        """The menu now shown in the person's chat (None: the default again)."""
        with self._sessions() as session, session.begin():
            person = session.get(Person, person_id)
            if person is not None:
                person.menu_key = key


def _state(person: Person) -> MenuState:
    assert person.telegram_user_id is not None
    viewer = (
        Viewer(
            person.telegram_user_id, person.id, person.name, person.locale,
            frozenset((role.role, role.unit_id) for role in person.roles),
        )
        if person.active
        else None
    )  # fmt: skip
    return MenuState(person.id, person.telegram_user_id, viewer, person.menu_key)
