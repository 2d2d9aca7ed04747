"""Writing the outbox: every message the bot starts is rendered and stored before it is sent."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from messages.render import Renderer
from scheduler.rules import Rules, next_send_time
from storage import outbox_queries, people_queries
from storage.models import Item
from storage.scheduling import OutboxMessage, OutboxStatus

BUTTONS_PER_ROW = 5
ITEM_LABEL = "item_text"  # the key of a kept button's label that names its item


@dataclass(frozen=True)
class Button:
    label: str
    data: str  # what the button carries back when pressed: a `ledger.buttons` kind, packed


def button_rows(buttons: Sequence[Button]) -> list[list[Button]]:
    """Buttons laid out `BUTTONS_PER_ROW` to a row."""
    return [list(buttons[i : i + BUTTONS_PER_ROW]) for i in range(0, len(buttons), BUTTONS_PER_ROW)]


@dataclass(frozen=True)
class Attachment:
    """A file that follows a message's text (a list too long to read in the chat, as a spreadsheet)."""

    name: str
    data: bytes


@dataclass(frozen=True)
class GroupRecipient:
    """A group chat (the office's work group): no person behind it, so no name and no person id."""

    chat_id: int
    locale: str


@dataclass(frozen=True)
class Delivery:
    """Who the messages a person's action caused go to, and when: what the bot may tell that person it did
    (已通知：…; 将于明日8:00通知：…; 无人接收). Read back from the outbox rows written, so the answer says what
    the sender will do, never what it was hoped to do."""

    names: tuple[str, ...]  # the people they are for, in the order written
    at: datetime | None  # the local time the last of them may go out, when later than now (quiet hours)


def delivery(session: Session, key_prefix: str, now: datetime, tz: ZoneInfo) -> Delivery:
    """The delivery of the rows written under `key_prefix`."""
    rows = outbox_queries.queued_under(session, key_prefix)
    names = tuple(dict.fromkeys(name for _row, name in rows if name is not None))
    latest = max((row.not_before for row, _name in rows), default=now)
    return Delivery(names, latest.astimezone(tz) if latest > now else None)


class Outbox:
    """Collects the messages of one run and writes them at once, skipping keys already written."""

    def __init__(
        self, session: Session, renderer: Renderer, now: datetime, tz: ZoneInfo, rules: Rules
    ) -> None:
        self._session = session
        self._renderer = renderer
        self._now = now
        self._tz = tz
        self._rules = rules
        self._rows: dict[str, tuple[OutboxMessage, Callable[[int], list[Button]], str, str | None]] = {}

    def add(
        self,
        key: str,
        to: people_queries.Recipient | GroupRecipient,
        kind: str,
        params: dict[str, Any],
        *,
        item: Item | None = None,
        level: int | None = None,
        buttons: Callable[[int], list[Button]] | None = None,
        urgent: bool = False,
        due_date: date | None = None,
        not_before: datetime | None = None,
        snooze_of: int | None = None,
        attachment: Attachment | None = None,
        dispatch_id: int | None = None,
    ) -> None:
        """Queue `notify/<kind>` for one person; `buttons(outbox_id)` builds the buttons once the id is known;
        `attachment` is sent after the text; `dispatch_id`: the dispatch (调度) the message asks, which
        reached the person once the row is sent."""
        person_id = to.person_id if isinstance(to, people_queries.Recipient) else None
        full_key = f"{key}:p{person_id}" if person_id is not None else f"{key}:c{to.chat_id}"
        if full_key in self._rows:
            return
        local = (not_before or self._now).astimezone(self._tz)
        send_at = local if urgent else next_send_time(local, self._rules)
        text = self._renderer.render(to.locale, f"notify/{kind}", params)
        row = OutboxMessage(
            key=full_key, chat_id=to.chat_id, person_id=person_id, item_id=item.id if item else None,
            kind=kind, level=level, text=text, urgent=urgent, not_before=send_at.astimezone(UTC),
            status=OutboxStatus.PENDING, attempts=0, created_at=self._now, possible_repeat=False,
            due_date=due_date, snooze_of_id=snooze_of, dispatch_id=dispatch_id,
            attachment=attachment.data if attachment else None, attachment_name=attachment.name if attachment else None,
        )  # fmt: skip
        self._rows[full_key] = (row, buttons or (lambda _id: []), to.locale, item.number if item else None)

    def write(self) -> int:
        existing = outbox_queries.outbox_keys(self._session, list(self._rows))
        fresh = [entry for key, entry in self._rows.items() if key not in existing]
        self._session.add_all(row for row, *_ in fresh)
        self._session.flush()
        for row, make, locale, number in fresh:
            rows = [[self._button(b, locale, number) for b in line] for line in button_rows(make(row.id))]
            row.buttons = rows or None
        self._rows.clear()
        return len(fresh)

    def _button(self, button: Button, locale: str, number: str | None) -> dict[str, str]:
        """A button as the outbox keeps it; a button about an item also carries its label naming the item
        ("第24.1项 立即报送"), shown when the sender merges messages about several items into one."""
        kept = {"text": button.label, "data": button.data}
        if number is not None:
            params = {"number": number, "label": button.label}
            kept[ITEM_LABEL] = self._renderer.render(locale, "notify/item_button", params)
        return kept
