"""Writing the outbox: every message the bot starts is rendered and stored before it is sent."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from types import NoneType
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from messages.render import Renderer
from scheduler.rules import Rules, next_send_time
from storage import bulk, outbox_queries, people_queries
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


# The buttons of a row: fixed, or made from the row's id once it is known (those that act on the message itself,
# 已知悉 and 顺延, carry it). Fixed buttons go in with the row: its write needs no second pass.
Buttons = Sequence[Button] | Callable[[int], list[Button]]
KeptButtons = list[list[dict[str, str]]]  # rows of buttons as the outbox column keeps them


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
class RobotRecipient:
    """A work group's robot on WeCom, DingTalk or Feishu (群机器人): outbound only, so its rows carry no
    buttons."""

    robot_id: int
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
    """Collects the messages of one run and writes them at once, skipping keys already written.

    A day's run queues the same text many times (an item's dispatch to each of its officers), so a text is
    rendered once per template, locale and parameters; the rows go in by bulk insert-or-ignore on their
    key (`storage.bulk`) with their buttons, the ids those carry drawn before (`bulk.reserve_ids`)."""

    def __init__(
        self, session: Session, renderer: Renderer, now: datetime, tz: ZoneInfo, rules: Rules
    ) -> None:
        self._session = session
        self._renderer = renderer
        self._now = now
        self._tz = tz
        self._rules = rules
        self._rows: dict[str, _Queued] = {}
        self._texts: dict[Hashable, str] = {}
        self._kept: dict[tuple[tuple[Button, ...], str, str | None], KeptButtons | None] = {}

    def add(
        self,
        key: str,
        to: people_queries.Recipient | GroupRecipient | RobotRecipient,
        kind: str,
        params: dict[str, Any],
        *,
        item: Item | None = None,
        level: int | None = None,
        buttons: Buttons | None = None,
        urgent: bool = False,
        due_date: date | None = None,
        not_before: datetime | None = None,
        snooze_of: int | None = None,
        attachment: Attachment | None = None,
        dispatch_id: int | None = None,
        rendered: str | None = None,
    ) -> None:
        """Queue `notify/<kind>` for one person, with its `buttons` (fixed, or `buttons(outbox_id)` once the
        id is known);
        `attachment` is sent after the text; `dispatch_id`: the dispatch (调度) the message asks, which
        reached the person once the row is sent; `rendered`: the text as the caller already rendered it from
        `notify/<kind>` and `params` (to measure it), not rendered again."""
        person_id = to.person_id if isinstance(to, people_queries.Recipient) else None
        if isinstance(to, RobotRecipient):
            full_key, chat_id, robot_id = f"{key}:r{to.robot_id}", None, to.robot_id
            buttons = None  # a robot cannot take a press back
        else:
            chat_id, robot_id = to.chat_id, None
            full_key = f"{key}:p{person_id}" if person_id is not None else f"{key}:c{to.chat_id}"
        if full_key in self._rows:
            return
        number = item.number if item else None
        made, fixed = None, None
        if callable(buttons):
            made = buttons
        elif buttons is not None:
            fixed = self._fixed_rows(buttons, to.locale, number)
        local = (not_before or self._now).astimezone(self._tz)
        send_at = local if urgent else next_send_time(local, self._rules)
        row = {
            "key": full_key, "chat_id": chat_id, "robot_id": robot_id, "person_id": person_id,
            "item_id": item.id if item else None, "kind": kind, "level": level,
            "text": rendered if rendered is not None else self._text(to.locale, f"notify/{kind}", params),
            "buttons": fixed, "urgent": urgent, "not_before": send_at.astimezone(UTC),
            "status": OutboxStatus.PENDING, "attempts": 0, "created_at": self._now, "possible_repeat": False,
            "parts_sent": 0, "due_date": due_date, "snooze_of_id": snooze_of, "dispatch_id": dispatch_id,
            "attachment": attachment.data if attachment else None,
            "attachment_name": attachment.name if attachment else None,
        }  # fmt: skip
        self._rows[full_key] = _Queued(row, made, to.locale, number)

    def render(self, locale: str, kind: str, params: dict[str, Any]) -> str:
        """`notify/<kind>` rendered, once per run for equal plain parameters: a caller about to take the
        store's write lock renders first (and passes the text to `add`), so that the lock is not held
        while it renders."""
        return self._text(locale, f"notify/{kind}", params)

    def write(self) -> int:
        """Store the rows queued since the last write (those whose key is already stored are skipped);
        returns how many were stored."""
        queued, self._rows = self._rows, {}
        rows = [entry.row for entry in queued.values()]
        if any(entry.buttons is not None for entry in queued.values()):
            # Buttons that act on their message carry its id: the ids are drawn first, and every row goes
            # in with its buttons in one statement (a row whose key is stored already leaves its id unused).
            ids = bulk.reserve_ids(self._session, OutboxMessage, len(rows))
            for row_id, entry in zip(ids, queued.values(), strict=True):
                entry.row["id"] = row_id
                if entry.buttons is not None:
                    entry.row["buttons"] = self._kept_rows(entry.buttons(row_id), entry.locale, entry.number)
        return len(bulk.insert_ignoring(self._session, OutboxMessage, rows, ["key"], ("id",)))

    def _text(self, locale: str, key: str, params: Mapping[str, Any]) -> str:
        """The template rendered, once per run for the same locale and parameters (when they are plain
        values, so that equal parameters are known to say the same)."""
        frozen = _frozen(params)
        if frozen is None:
            return self._renderer.render(locale, key, params)
        cache_key = (locale, key, frozen)
        text = self._texts.get(cache_key)
        if text is None:
            text = self._texts[cache_key] = self._renderer.render(locale, key, params)
        return text

    def _fixed_rows(self, buttons: Sequence[Button], locale: str, number: str | None) -> KeptButtons | None:
        """`_kept_rows` of fixed buttons, laid out once for the many rows that carry the same (a digest's,
        to supervisors alike)."""
        key = (tuple(buttons), locale, number)
        if key not in self._kept:
            self._kept[key] = self._kept_rows(buttons, locale, number)
        return self._kept[key]

    def _kept_rows(self, buttons: Sequence[Button], locale: str, number: str | None) -> KeptButtons | None:
        """The buttons laid out in rows as the outbox keeps them; None: no buttons."""
        return [[self._button(b, locale, number) for b in line] for line in button_rows(buttons)] or None

    def _button(self, button: Button, locale: str, number: str | None) -> dict[str, str]:
        """A button as the outbox keeps it; a button about an item also carries its label naming the item
        ("第24.1项 立即报送"), shown when the sender merges messages about several items into one."""
        kept = {"text": button.label, "data": button.data}
        if number is not None:
            kept[ITEM_LABEL] = self._renderer.numbered(
                locale, "notify/item_button", number, label=button.label
            )
        return kept


@dataclass(frozen=True)
class _Queued:
    row: dict[str, Any]  # the outbox row's columns but its id and buttons
    buttons: Callable[[int], list[Button]] | None
    locale: str
    number: str | None  # the item's, for the buttons' labels


_PLAIN = (str, int, float, Decimal, date, NoneType)  # bool is an int; datetime a date


def _frozen(value: Any) -> Hashable | None:
    """`value` as a hashable of plain values that equals another's exactly when they render the same;
    None when it holds anything else (an object whose rendering its equality may not capture)."""
    if isinstance(value, _PLAIN):
        return (type(value), value)
    if isinstance(value, Mapping):
        entries = [(key, _frozen(entry)) for key, entry in value.items()]
        if any(frozen is None for _key, frozen in entries) or not all(isinstance(k, str) for k, _ in entries):
            return None
        return ("map", tuple(sorted(entries)))
    if isinstance(value, list | tuple):
        items = [_frozen(entry) for entry in value]
        return None if any(frozen is None for frozen in items) else ("seq", tuple(items))
    return None
