"""Merging two units that are one body (住建局 into 市住建局): their people, items and sign-off reviews move
to the unit that stays, the merged name is remembered as an alias for the next import, all audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from ledger.actor import Actor
from ledger.clock import Clock
from ledger.errors import DubanError
from ledger.model import UnitRole
from services import audit
from storage import queries, unit_queries
from storage.models import Item, Unit, UnitAlias


@dataclass(frozen=True)
class MergedUnits:
    """What a merge moved: `source` is gone (or was only a name), its name now an alias of `target`."""

    source: str
    target: str
    people: int
    items: tuple[str, ...]
    reviews: int
    was_unit: bool


class UnitService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock) -> None:
        self._sessions = session_factory
        self._clock = clock

    def merge(self, source_name: str, target_name: str, *, actor: Actor) -> MergedUnits:
        """Merge the unit `source_name` into `target_name`; a source that is no unit yet becomes an alias
        only (the office says the two names are one body, before a plan uses the other)."""
        source_name, target_name = source_name.strip(), target_name.strip()
        if not source_name or not target_name:
            raise DubanError("unit_name_needed")
        if source_name == target_name:
            raise DubanError("units/merge_same", unit=source_name)
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            found = queries.units_by_name(session, [source_name, target_name])
            target = found.get(target_name)
            if target is None:
                raise DubanError("unknown_unit", unit=target_name)
            if session.get(UnitAlias, source_name) is not None:
                raise DubanError("units/already_alias", unit=source_name)
            source = found.get(source_name)
            source_id = source.id if source is not None else None
            merged = (
                self._move(session, source, target, actor)
                if source is not None
                else MergedUnits(source_name, target_name, 0, (), 0, False)
            )
            session.add(UnitAlias(name=source_name, unit_id=target.id, created_at=now))
            audit.record(
                session,
                at=now,
                actor=actor,
                action="merge",
                entity="unit",
                entity_id=target.id,
                before={"name": source_name, "id": source_id},
                after={
                    "into": target_name,
                    "people": merged.people,
                    "items": list(merged.items),
                    "reviews": merged.reviews,
                },
            )
            return merged

    def _move(self, session: Session, source: Unit, target: Unit, actor: Actor) -> MergedUnits:
        now = self._clock.now()
        unit_queries.repoint_aliases(session, source.id, target.id)
        people = unit_queries.move_roles(session, source.id, target.id)
        items = unit_queries.items_of_unit(session, source.id)
        before = {item.number: _unit_record(item) for item in items}
        unit_queries.move_item_links(session, source.id, target.id)
        reviews = unit_queries.move_reviews(session, source.id, target.id)
        session.flush()
        for item in items:
            session.refresh(item)
            audit.record(
                session,
                at=now,
                actor=actor,
                action="update",
                entity="item",
                entity_id=item.number,
                before=before[item.number],
                after=_unit_record(item),
            )
        session.delete(source)
        return MergedUnits(
            source.name, target.name, people, tuple(item.number for item in items), reviews, True
        )


def _unit_record(item: Item) -> dict[str, list[str]]:
    """The item's units by role, as the audit log shows an item's change."""
    keys = {
        UnitRole.LEAD: "lead_units",
        UnitRole.RESPONSIBLE: "responsible_units",
        UnitRole.SUPERVISING: "supervising_units",
    }
    record: dict[str, list[str]] = {key: [] for key in keys.values()}
    for link in item.unit_links:
        record[keys[link.role]].append(link.unit.name)
    return record
