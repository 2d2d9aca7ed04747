"""Units, people and their roles; invite codes that bind a person to their Telegram account."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from ledger.actor import Actor
from ledger.clock import Clock
from ledger.errors import DubanError
from ledger.model import ImportNote, Role
from ledger.roster import ParsedRoster, RosterEntry
from services import audit
from storage import queries
from storage.models import Person, RoleAssignment, Unit

# No 0/O or 1/I: codes are read aloud and typed from paper.
_INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
UNITLESS_ROLES = (Role.LEADERSHIP, Role.ADMIN)


def new_invite_code() -> str:
    return "".join(secrets.choice(_INVITE_ALPHABET) for _ in range(10))


@dataclass(frozen=True)
class UnitSummary:
    id: int
    name: str
    items: int
    unreached: bool = False  # 无人接收: responsible for items, nobody bound to receive their messages


@dataclass(frozen=True)
class RoleView:
    role: Role
    unit: str | None


@dataclass(frozen=True)
class PersonView:
    id: int
    name: str
    telegram_user_id: int | None
    active: bool
    invite_code: str | None
    roles: tuple[RoleView, ...]


@dataclass
class RosterOutcome:
    created: list[str] = field(default_factory=list)
    roles_added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    new_units: list[str] = field(default_factory=list)
    errors: list[ImportNote] = field(default_factory=list)
    applied: bool = False


def _find_person(session: Session, ref: str) -> Person:
    """A person by id (digits) or by a name that only one person has."""
    ref = ref.strip()
    if ref.isascii() and ref.isdigit() and len(ref) <= 9:
        person = session.get(Person, int(ref))
        if person is None:
            raise DubanError("unknown_person", person=ref)
        return person
    people = queries.people_named(session, ref)
    if not people:
        raise DubanError("unknown_person", person=ref)
    if len(people) > 1:
        raise DubanError("ambiguous_person", person=ref, candidates=[person_view(p) for p in people])
    return people[0]


def _roles_record(person: Person) -> list[dict[str, str | None]]:
    return [{"role": r.role.value, "unit": r.unit.name if r.unit else None} for r in person.roles]


def person_view(person: Person) -> PersonView:
    return PersonView(
        id=person.id,
        name=person.name,
        telegram_user_id=person.telegram_user_id,
        active=person.active,
        invite_code=person.invite_code if person.telegram_user_id is None else None,
        roles=tuple(RoleView(r.role, r.unit.name if r.unit else None) for r in person.roles),
    )


class RosterService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock) -> None:
        self._sessions = session_factory
        self._clock = clock

    def units(self) -> list[UnitSummary]:
        with self._sessions() as session:
            counts = queries.unit_item_counts(session)
            receiving = queries.receiving_units(session)
            return [
                UnitSummary(
                    u.id, u.name, counts.get(u.id, 0), bool(counts.get(u.id)) and u.id not in receiving
                )
                for u in queries.all_units(session)
            ]

    def unit_names(self, unit_ids: Iterable[int]) -> dict[int, str]:
        """The names of these units, by id (/help and /whoami name a person's units: not every unit)."""
        with self._sessions() as session:
            return queries.unit_names(session, unit_ids)

    def add_unit(self, name: str, *, actor: Actor) -> UnitSummary:
        name = name.strip()
        if not name:
            raise DubanError("empty_unit_name")
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            if queries.units_by_name(session, [name]):
                raise DubanError("unit_exists", unit=name)
            unit = Unit(name=name, created_at=now)
            session.add(unit)
            session.flush()
            audit.record(
                session,
                at=now,
                actor=actor,
                action="create",
                entity="unit",
                entity_id=unit.id,
                after={"name": name},
            )
            return UnitSummary(unit.id, name, 0)

    def people(self, unit: str | None = None) -> list[PersonView]:
        """Everyone on the roster, or those holding a role in `unit`: bound or not, active or not."""
        with self._sessions() as session:
            people = queries.all_people(session)
            if unit is not None:
                if unit not in queries.units_by_name(session, [unit]):
                    raise DubanError("unknown_unit", unit=unit)
                people = [
                    p for p in people if any(r.unit is not None and r.unit.name == unit for r in p.roles)
                ]
            return [person_view(p) for p in people]

    def grant_role(self, person_ref: str, role: Role, unit: str | None, *, actor: Actor) -> PersonView:
        """Give a person one more role; a role they already hold is refused and nothing changes."""
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            person = _find_person(session, person_ref)
            unit_row = self._unit_for_role(session, unit, role)
            if queries.has_role(person, role, unit_row.id if unit_row else None):
                raise DubanError("role_already_held", person=person.name, role=role.value, unit=unit)
            before = _roles_record(person)
            person.roles.append(RoleAssignment(role=role, unit=unit_row))
            session.flush()
            audit.record(
                session, at=now, actor=actor, action="grant_role", entity="person", entity_id=person.id,
                before={"roles": before}, after={"roles": _roles_record(person)},
            )  # fmt: skip
            return person_view(person)

    def deactivate(self, person_ref: str, *, actor: Actor, actor_person_id: int | None) -> PersonView:
        """The person can no longer use the bot; their Telegram binding stays for the history, and an
        invite code not yet redeemed stops working."""
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            person = _find_person(session, person_ref)
            if person.id == actor_person_id:
                raise DubanError("cannot_deactivate_self")
            if not person.active:
                raise DubanError("person_inactive", person=person.name)
            before = {"active": True, "invite_code": person.invite_code}
            person.active = False
            person.invite_code = None
            audit.record(
                session, at=now, actor=actor, action="deactivate", entity="person", entity_id=person.id,
                before=before, after={"active": False, "invite_code": None},
            )  # fmt: skip
            return person_view(person)

    def invite(self, person_ref: str, *, renew: bool, actor: Actor) -> PersonView:
        """The invite code of a person not yet bound; with `renew` a new code replaces the old one,
        which stops working (for a person who lost theirs)."""
        with self._sessions() as session, session.begin():
            person = _find_person(session, person_ref)
            if person.telegram_user_id is not None:
                raise DubanError("person_already_bound", person=person.name)
            if not person.active:
                raise DubanError("person_inactive", person=person.name)
            if renew or person.invite_code is None:
                before = person.invite_code
                person.invite_code = new_invite_code()
                audit.record(
                    session, at=self._clock.now(), actor=actor, action="new_invite", entity="person",
                    entity_id=person.id, before={"invite_code": before}, after={"invite_code": person.invite_code},
                )  # fmt: skip
            return person_view(person)

    def unbound_people(self) -> list[PersonView]:
        """Active people who have not redeemed their invite code yet, with their codes."""
        return [p for p in self.people() if p.active and p.invite_code is not None]

    def add_person(
        self,
        name: str,
        *,
        unit: str | None,
        role: Role,
        actor: Actor,
        telegram_user_id: int | None = None,
        phone: str | None = None,
    ) -> PersonView:
        """A new person with one role; without a Telegram id they get a one-time invite code."""
        name = name.strip()
        if not name:
            raise DubanError("empty_person_name")
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            unit_row = self._unit_for_role(session, unit, role)
            if telegram_user_id is not None and queries.person_by_telegram_id(session, telegram_user_id):
                raise DubanError("telegram_id_taken", telegram_id=telegram_user_id)
            person = Person(
                name=name,
                telegram_user_id=telegram_user_id,
                phone=phone,
                locale="zh_CN",
                active=True,
                invite_code=None if telegram_user_id is not None else new_invite_code(),
                bound_at=now if telegram_user_id is not None else None,
                created_at=now,
            )
            person.roles.append(RoleAssignment(role=role, unit=unit_row))
            session.add(person)
            session.flush()
            audit.record(
                session,
                at=now,
                actor=actor,
                action="create",
                entity="person",
                entity_id=person.id,
                after={"name": name, "role": role.value, "unit": unit, "telegram_user_id": telegram_user_id},
            )
            return person_view(person)

    def _unit_for_role(self, session: Session, unit: str | None, role: Role) -> Unit | None:
        if unit is None:
            if role not in UNITLESS_ROLES:
                raise DubanError("role_needs_unit", role=role.value)
            return None
        found = queries.units_by_name(session, [unit])
        if unit not in found:
            raise DubanError("unknown_unit", unit=unit)
        return found[unit]

    def import_roster(self, parsed: ParsedRoster, *, actor: Actor, dry_run: bool) -> RosterOutcome:
        """Create the people and roles of a roster file; importing it again changes nothing."""
        outcome = RosterOutcome(errors=list(parsed.errors))
        if outcome.errors:
            return outcome
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            units, outcome.new_units = queries.ensure_units(
                session, [e.unit for e in parsed.entries if e.unit], now
            )
            for entry in parsed.entries:
                self._import_entry(session, entry, units, now, actor, outcome)
            if dry_run:
                session.rollback()
                return outcome
            outcome.applied = True
        return outcome

    def _import_entry(
        self,
        session: Session,
        entry: RosterEntry,
        units: dict[str, Unit],
        now: datetime,
        actor: Actor,
        outcome: RosterOutcome,
    ) -> None:
        unit = units[entry.unit] if entry.unit else None
        person = self._match(session, entry, unit)
        label = f"{entry.name}（{entry.unit or '—'}）"
        if person is None:
            person = Person(
                name=entry.name,
                telegram_user_id=entry.telegram_id,
                phone=entry.phone,
                locale="zh_CN",
                active=True,
                invite_code=None if entry.telegram_id else new_invite_code(),
                bound_at=now if entry.telegram_id else None,
                created_at=now,
            )
            session.add(person)
            outcome.created.append(label)
        elif queries.has_role(person, entry.role, unit.id if unit else None):
            outcome.unchanged.append(label)
            return
        else:
            outcome.roles_added.append(label)
        person.roles.append(RoleAssignment(role=entry.role, unit=unit))
        session.flush()
        audit.record(
            session,
            at=now,
            actor=actor,
            action="grant_role",
            entity="person",
            entity_id=person.id,
            after={"name": entry.name, "role": entry.role.value, "unit": entry.unit},
        )

    @staticmethod
    def _match(session: Session, entry: RosterEntry, unit: Unit | None) -> Person | None:
        """The same person: by Telegram id, else by name and phone, else by name within the unit."""
        if entry.telegram_id is not None:
            return queries.person_by_telegram_id(session, entry.telegram_id)
        for person in queries.people_named(session, entry.name):
            if entry.phone and person.phone == entry.phone:
                return person
            if any(r.unit_id == (unit.id if unit else None) for r in person.roles):
                return person
        return None
