"""Who may see and do what: the role rules as plain data, no database and no Telegram."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ledger.actor import Actor
from ledger.model import Role, UnitRole


@dataclass(frozen=True)
class Viewer:
    """The person writing to the bot, with their roles; `person_id` is None for a stranger."""

    telegram_user_id: int
    person_id: int | None
    name: str
    locale: str
    roles: frozenset[tuple[Role, int | None]] = frozenset()

    @property
    def actor(self) -> Actor:
        """How the audit log names them: the person, or their chat account while they are none."""
        return Actor.of(self.person_id, self.telegram_user_id)

    @property
    def is_stranger(self) -> bool:
        return self.person_id is None

    def has(self, *roles: Role) -> bool:
        return any(role in roles for role, _ in self.roles)

    def unit_ids(self, *roles: Role) -> frozenset[int]:
        return frozenset(unit for role, unit in self.roles if role in roles and unit is not None)

    @property
    def sees_everything(self) -> bool:
        return self.has(Role.ADMIN, Role.LEADERSHIP)


def can_see_item(viewer: Viewer, links: Iterable[tuple[int, UnitRole]]) -> bool:
    """An officer or leader sees the items of their units, a supervisor those their unit supervises,
    leadership and admins all."""
    if viewer.sees_everything:
        return True
    own = viewer.unit_ids(Role.OFFICER, Role.LEADER)
    supervised = viewer.unit_ids(Role.SUPERVISOR)
    for unit_id, role in links:
        if role == UnitRole.SUPERVISING and unit_id in supervised:
            return True
        if role in (UnitRole.RESPONSIBLE, UnitRole.LEAD) and unit_id in own:
            return True
    return False
