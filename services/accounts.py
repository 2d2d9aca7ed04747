"""Telegram accounts: who is writing (the viewer), binding by invite code, language, admins by settings."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from ledger.access import Viewer
from ledger.actor import Actor
from ledger.clock import Clock
from ledger.model import Role
from messages.render import normalize_locale
from services import audit
from storage import queries
from storage.models import Person, RoleAssignment


@dataclass(frozen=True)
class TelegramUser:
    """What Telegram tells us about the sender."""

    id: int
    first_name: str
    language_code: str | None = None


class BindResult(enum.StrEnum):
    BOUND = "bound"
    ALREADY_BOUND = "already_bound"
    UNKNOWN_CODE = "unknown_code"
    USED_CODE = "used_code"
    OTHER_ACCOUNT = "other_account"


def _viewer(person: Person, user: TelegramUser) -> Viewer:
    return Viewer(
        telegram_user_id=user.id,
        person_id=person.id,
        name=person.name,
        locale=person.locale,
        roles=frozenset((r.role, r.unit_id) for r in person.roles),
    )


class AccountService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, admins: frozenset[int]) -> None:
        self._sessions = session_factory
        self._clock = clock
        self._admins = admins

    def viewer(self, user: TelegramUser) -> Viewer:
        """The viewer for a Telegram user; an admin listed in the settings is enrolled on first contact."""
        with self._sessions() as session, session.begin():
            person = queries.person_by_telegram_id(session, user.id)
            if person is None and user.id in self._admins:
                person = self._enrol_admin(session, user)
            if person is None or not person.active:
                return Viewer(user.id, None, user.first_name, normalize_locale(user.language_code))
            if user.id in self._admins and not queries.has_role(person, Role.ADMIN, None):
                person.roles.append(RoleAssignment(role=Role.ADMIN, unit=None))
                session.flush()
            return _viewer(person, user)

    def _enrol_admin(self, session: Session, user: TelegramUser) -> Person:
        now = self._clock.now()
        person = Person(
            name=user.first_name,
            telegram_user_id=user.id,
            locale=normalize_locale(user.language_code),
            active=True,
            bound_at=now,
            created_at=now,
        )
        person.roles.append(RoleAssignment(role=Role.ADMIN, unit=None))
        session.add(person)
        session.flush()
        audit.record(
            session, at=now, actor=Actor.person(person.id), action="enrol_admin", entity="person",
            entity_id=person.id, after={"name": person.name, "telegram_user_id": user.id},
        )  # fmt: skip
        return person

    def record_stranger(self, user: TelegramUser, what: str) -> None:
        """A message from someone not bound: nothing is kept but this audit entry."""
        with self._sessions() as session, session.begin():
            audit.record(
                session, at=self._clock.now(), actor=Actor.chat_user(user.id), action="stranger", entity="message",
                entity_id=None, after={"what": what[:100]},
            )  # fmt: skip

    def bind(self, user: TelegramUser, code: str) -> tuple[BindResult, Viewer | None]:
        """Redeem a one-time invite code: the person behind it is bound to this Telegram account."""
        now = self._clock.now()
        code = code.strip().upper()
        with self._sessions() as session, session.begin():
            current = queries.person_by_telegram_id(session, user.id)
            person = queries.person_by_invite(session, code)
            if person is None:
                used = queries.person_by_used_invite(session, code)
                if used is not None and current is not None and used.id == current.id:
                    return BindResult.ALREADY_BOUND, _viewer(current, user)
                return (BindResult.USED_CODE if used else BindResult.UNKNOWN_CODE), None
            if current is not None and current.id != person.id:
                return BindResult.OTHER_ACCOUNT, None
            person.telegram_user_id = user.id
            person.bound_at = now
            person.used_invite_code = code
            person.invite_code = None
            session.flush()
            audit.record(
                session, at=now, actor=Actor.person(person.id), action="bind", entity="person", entity_id=person.id,
                after={"telegram_user_id": user.id},
            )  # fmt: skip
            return BindResult.BOUND, _viewer(person, user)

    def set_locale(self, viewer: Viewer, locale: str) -> Viewer:
        with self._sessions() as session, session.begin():
            person = session.get(Person, viewer.person_id)
            assert person is not None
            before = person.locale
            if before == locale:
                return viewer  # not a change: nothing to record
            person.locale = locale
            audit.record(
                session, at=self._clock.now(), actor=viewer.actor, action="set_locale",
                entity="person", entity_id=person.id, before={"locale": before}, after={"locale": locale},
            )  # fmt: skip
        return Viewer(viewer.telegram_user_id, viewer.person_id, viewer.name, locale, viewer.roles)
