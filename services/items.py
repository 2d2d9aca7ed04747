"""Finding items as a viewer may see them: by number, by unit, all of theirs."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from ledger.access import Viewer, can_see_item
from ledger.errors import DubanError
from ledger.item_numbers import normalize_number
from ledger.model import UnitRole
from storage import queries
from storage.models import Item

UnitLinks = list[tuple[int, UnitRole]]
"""An item's units as (unit id, role): what the access rules read."""


class ItemService:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def find(self, session: Session, viewer: Viewer, text: str) -> Item:
        """The item numbered `text` if this viewer may see it; a `DubanError` saying why not otherwise.

        Someone who may not see an item is told the same as for an unknown number, so that item numbers
        of other units do not leak.
        """
        number = _number(text)
        item = queries.item_by_number(session, number)
        if item is None or not can_see_item(viewer, [(link.unit_id, link.role) for link in item.unit_links]):
            raise DubanError("unknown_item", number=number)
        return item

    def find_row(self, session: Session, viewer: Viewer, text: str) -> tuple[Item, UnitLinks]:
        """`find` for what needs the item's own row only (a report): the row without its targets, measures
        and units, and its unit links; the same refusals."""
        number = _number(text)
        found = queries.item_row_by_number(session, number)
        if found is None or not can_see_item(viewer, found[1]):
            raise DubanError("unknown_item", number=number)
        return found


def _number(text: str) -> str:
    number = normalize_number(text)
    if number is None:
        raise DubanError("bad_item_number", text=text[:20])
    return number
