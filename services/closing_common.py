"""What the extension and spot-check services share: today in the office's zone, the outbox of one
transaction, the people to tell and two-button decisions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime

from sqlalchemy.orm import Session

from ledger.model import Role, UnitRole
from messages.render import Renderer
from services.items import ItemService
from services.ladder import Ladder
from services.office import Office
from services.outbox import Button, Buttons, Outbox
from storage import people_queries
from storage.db import hold_writes
from storage.models import Item

ButtonsFor = Callable[[people_queries.Recipient], Buttons]


def button_labels(renderer: Renderer, locale: str, key: str) -> dict[str, str]:
    """Button labels of the locale from a template of `name=label` lines."""
    text = renderer.render(locale, key, {})
    return dict(line.split("=", 1) for line in text.splitlines())


def two_buttons(renderer: Renderer, key: str, yes: tuple[str, str], no: tuple[str, str]) -> ButtonsFor:
    """Buttons `yes` and `no` ((label name, callback data)) for each recipient, in their language."""

    def of(person: people_queries.Recipient) -> list[Button]:
        labels = button_labels(renderer, person.locale, key)
        return [Button(labels[yes[0]], yes[1]), Button(labels[no[0]], no[1])]

    return of


def supervisors_of(session: Session, item: Item) -> list[people_queries.Recipient]:
    return people_queries.recipients(session, [item.id], UnitRole.SUPERVISING, (Role.SUPERVISOR,)).get(
        item.id, []
    )


def responsible_of(session: Session, item: Item) -> list[people_queries.Recipient]:
    """The officers and leaders of the item's responsible units."""
    return people_queries.recipients(
        session, [item.id], UnitRole.RESPONSIBLE, (Role.OFFICER, Role.LEADER)
    ).get(item.id, [])


def item_params(item: Item) -> dict[str, object]:
    return {"number": item.number, "title": item.title, "deadline": item.deadline}


def unit_links(item: Item) -> list[tuple[int, UnitRole]]:
    return [(link.unit_id, link.role) for link in item.unit_links]


class ClosingService:
    """The base of the closing loop's services: sessions, the clock in the office's zone, the outbox."""

    def __init__(self, office: Office, items: ItemService, ladder: Ladder) -> None:
        self._office = office
        self._sessions = office.sessions
        self._clock = office.clock
        self._tz = office.tz
        self._items = items
        self._ladder = ladder

    @contextmanager
    def _decision(self) -> Iterator[Session]:
        """The transaction of a decision (a request, a withdrawal, a confirmation, a review, an answer): the
        store's one writer from its first statement (`hold_writes`), with its rows read FOR UPDATE, so of
        two decisions at once on either store the second sees what the first did and is told so."""
        with self._sessions() as session, session.begin():
            hold_writes(session)
            yield session

    def _today(self, now: datetime) -> date:
        return now.astimezone(self._tz).date()

    def _outbox(self, session: Session, now: datetime) -> Outbox:
        return self._office.outbox(session, now)

    def _notify(
        self,
        outbox: Outbox,
        key: str,
        people: list[people_queries.Recipient],
        kind: str,
        params: dict[str, object],
        item: Item,
        buttons: ButtonsFor | None = None,
    ) -> None:
        for person in people:
            outbox.add(key, person, kind, params, item=item, buttons=buttons(person) if buttons else None)
