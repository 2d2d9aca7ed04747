"""Reading an item's status in a test as Duban shows it: decided from the store's facts, today."""

from __future__ import annotations

from sqlalchemy import select

from ledger.model import ItemStatus
from services.container import Services
from storage.models import Item


def status_of(services: Services, number: str) -> ItemStatus:
    """The status of the item numbered `number` today (as `/item`, the lists and the counts show it)."""
    with services.sessions() as session:
        item = session.scalars(select(Item).where(Item.number == number)).one()
        return services.standings.one(session, item).status


def state_of(services: Services, number: str) -> tuple[int, ItemStatus]:
    """The item's percent (the row in the store) and its status today."""
    with services.sessions() as session:
        item = session.scalars(select(Item).where(Item.number == number)).one()
        return item.percent, services.standings.one(session, item).status
