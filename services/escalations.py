"""Levels of the ladder issued by hand (/warn, /notice, /summon) by the item's supervisors."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.access import Viewer
from ledger.errors import DubanError
from ledger.model import Role, UnitRole
from scheduler.rules import Level
from services.items import ItemService
from services.ladder import Ladder, escalation_key
from services.office import Office
from services.outbox import Delivery, delivery


@dataclass(frozen=True)
class IssuedEscalation:
    number: str
    title: str
    level: int
    delivery: Delivery  # what the person who issued it is told of its messages


class EscalationService:
    def __init__(self, office: Office, items: ItemService, ladder: Ladder) -> None:
        self._sessions = office.sessions
        self._items = items
        self._ladder = ladder
        self._office = office

    def issue(
        self, viewer: Viewer, number: str, level: Level, note: str | None, *, urgent: bool = False
    ) -> IssuedEscalation:
        """Issue `level` on an item the viewer supervises (leadership and admins: any item). Only an admin
        may flag it urgent: it then goes out even in the quiet hours."""
        if urgent and not viewer.has(Role.ADMIN):
            raise DubanError("reminder/urgent_admin_only")
        with self._sessions() as session, session.begin():
            item = self._items.find(session, viewer, number)
            supervised = {link.unit_id for link in item.unit_links if link.role == UnitRole.SUPERVISING}
            if not viewer.sees_everything and not supervised & viewer.unit_ids(Role.SUPERVISOR):
                raise DubanError("reminder/not_supervisor", number=item.number)
            if viewer.person_id is None:
                raise DubanError("reminder/not_supervisor", number=item.number)
            if not self._ladder.recipients(session, item, level):
                # 无人接收: a level whose message would reach nobody is not issued.
                raise DubanError("reminder/nobody_receives", number=item.number)
            escalation = self._ladder.escalate_by_hand(
                session, item, level, viewer.person_id, note, urgent=urgent
            )
            now = self._office.now()
            key = escalation_key(escalation, self._office.local_day(escalation.issued_at))
            told = delivery(session, f"{key}:", now, self._office.tz)
            return IssuedEscalation(item.number, item.title, int(level), told)
