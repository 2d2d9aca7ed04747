"""Finding items as a viewer may see them: by number, by unit, all of theirs."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy.orm import Session, sessionmaker

from ledger.access import Viewer, can_see_item
from ledger.complaints import parse_complaint_item_number
from ledger.errors import DubanError
from storage import queries
from storage.models import Item

_NUMBER = re.compile(r"^第?\s*(\d{1,4}(?:\.\d{1,3}){0,2})\s*项?$")


def normalize_number(text: str) -> str | None:
    """`24.1`, `第24项`, `２４．１` → `24.1`; a complaint's `j2024-017` → `J2024-017`; None when the text
    is not an item number."""
    folded = unicodedata.normalize("NFKC", text.strip())
    match = _NUMBER.match(folded)
    return match.group(1) if match else parse_complaint_item_number(folded)


class ItemService:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def find(self, session: Session, viewer: Viewer, text: str) -> Item:
        """The item numbered `text` if this viewer may see it; a `DubanError` saying why not otherwise.

        Someone who may not see an item is told the same as for an unknown number, so that item numbers
        of other units do not leak.
        """
        number = normalize_number(text)
        if number is None:
            raise DubanError("bad_item_number", text=text[:20])
        item = queries.item_by_number(session, number)
        if item is None or not can_see_item(viewer, [(link.unit_id, link.role) for link in item.unit_links]):
            raise DubanError("unknown_item", number=number)
        return item
