"""The outbox sender: claims due rows for a lease, sends them within Telegram's limits, marks them sent.

A row is claimed (committed), sent, then marked (committed). Nothing is lost and no repeat goes unrecorded:
- A claim carries its owner (this process) and a lease, renewed while the row is being sent. Only a claim
  whose lease ran out is taken back (or, on this host, one whose process is known dead): a second process
  (a standby, a bot started twice) never sends what a live one holds. A row taken back may have reached
  the chat already, so it goes again flagged `possible_repeat` and audited.
- A timeout or a server error after the request left may mean Telegram accepted the message: the row
  backs off and goes again flagged and audited the same way.
- Any other error from Telegram marks that row (failed, with the reason) and the drain goes on; a group
  that became a supergroup gets its new chat id and the message.
- A row whose chat must wait (one message a second to a person, twenty a minute to a group) gives way to
  rows that can go now: a burst to one chat never holds up everyone else, and no chat gets more than its
  limit.
- A text longer than one Telegram message goes out in parts cut at line breaks (lengths in UTF-16 units,
  as Telegram counts them); the parts already confirmed are not sent again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from ledger.actor import SENDER
from ledger.buttons import Acknowledge
from ledger.clock import Clock
from ledger.model import Role
from messages.render import Renderer
from messages.split import TELEGRAM_LIMIT, split_message, utf16_length
from scheduler.limits import RateLimiter
from scheduler.rules import Rules, in_quiet_hours
from services import audit
from services.outbox import ITEM_LABEL, Outbox
from storage import digest_queries as dq
from storage import outbox_queries, people_queries, queries
from storage.models import Person
from storage.scheduling import OutboxMessage, OutboxStatus

LOGGER = logging.getLogger(__name__)
MAX_BUTTON_ROWS = 8
MAX_BACKOFF = timedelta(minutes=10)
# How long a claim holds a row without being renewed; renewed before every request.
DEFAULT_LEASE = timedelta(minutes=2)
# Rows to one chat taken in one claim: enough for one merged message, so one chat cannot fill a claim.
PER_CHAT = 10
ERROR_LIMIT = 300  # the column's size


class OutboxBot(Protocol):
    """What the sender needs of a Bot API client (python-telegram-bot's `ExtBot` is one)."""

    async def send_message(
        self, chat_id: int, text: str, *, reply_markup: InlineKeyboardMarkup | None = None
    ) -> Message: ...

    async def send_photo(self, chat_id: int, photo: bytes) -> Message: ...

    async def send_document(self, chat_id: int, document: bytes, *, filename: str) -> Message: ...


ButtonRows = tuple[tuple[tuple[str, str], ...], ...]
"""Rows of (label, callback data)."""


@dataclass(frozen=True)
class Batch:
    """Rows due to one chat, merged into one message; `kind` is the first row's, `item_ids` the items the
    message is about, in the order it names them."""

    chat_id: int
    ids: tuple[int, ...]
    text: str
    buttons: ButtonRows
    kind: str = ""
    parts_sent: int = 0  # of a long text sent in parts: those already confirmed
    attachment: bytes | None = None
    attachment_name: str | None = None
    item_ids: tuple[int, ...] = ()

    @property
    def parts(self) -> list[str]:
        return split_message(self.text)


@dataclass
class DrainResult:
    sent: int = 0
    merged: int = 0
    unreachable: int = 0
    failed: int = 0
    retried: int = 0
    too_many_requests: int = 0
    possible_repeats: int = 0
    message_ids: list[int] = field(default_factory=list)


def merge(
    rows: Sequence[OutboxMessage], limit: int = TELEGRAM_LIMIT, alone: Collection[str] = ()
) -> list[Batch]:
    """Rows to the same chat become one message, in order, as long as the text stays within one message
    and the buttons within `MAX_BUTTON_ROWS` rows (the next row then starts a message of its own: no button
    is dropped); rows of a kind in `alone` (a photo follows them, or their buttons matter), rows with a
    file, and a row already partly sent are never merged. A row longer than one message stays a batch of
    its own and goes out in parts. In a message about several items, each button row names its item
    ("第24.1项 立即报送")."""
    groups: list[list[OutboxMessage]] = []
    for row in rows:
        last = groups[-1] if groups else None
        if last is not None and _joins(last, row, limit, alone):
            last.append(row)
        else:
            groups.append([row])
    return [_batch(group) for group in groups]


def _single(row: OutboxMessage, alone: Collection[str]) -> bool:
    return row.kind in alone or row.attachment is not None or row.parts_sent > 0


def _joins(group: Sequence[OutboxMessage], row: OutboxMessage, limit: int, alone: Collection[str]) -> bool:
    first = group[0]
    if first.chat_id != row.chat_id or _single(first, alone) or _single(row, alone):
        return False
    joined = "\n\n".join(r.text for r in (*group, row))
    return utf16_length(joined) <= limit and len(_buttons([*group, row])) <= MAX_BUTTON_ROWS


def _items(group: Sequence[OutboxMessage]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(row.item_id for row in group if row.item_id is not None))


def _buttons(group: Sequence[OutboxMessage]) -> ButtonRows:
    """The rows' buttons in order, each pressed data once; when the rows are about several items, the
    first button of each row carries the label that names its item."""
    labelled = len(_items(group)) > 1
    seen: set[str] = set()
    acknowledged: set[int] = set()  # items whose 已知悉 is already in the message: one per item
    lines: list[tuple[tuple[str, str], ...]] = []
    for row in group:
        for line in row.buttons or []:
            fresh = [
                button
                for button in line
                if button["data"] not in seen
                and not (row.item_id in acknowledged and Acknowledge.unpack(button["data"]) is not None)
            ]
            if row.item_id is not None and any(Acknowledge.unpack(b["data"]) for b in fresh):
                acknowledged.add(row.item_id)
            seen.update(button["data"] for button in fresh)
            if fresh:
                lines.append(
                    tuple(
                        (b.get(ITEM_LABEL, b["text"]) if labelled and i == 0 else b["text"], b["data"])
                        for i, b in enumerate(fresh)
                    )
                )
    return tuple(lines)


def chat_of(row: OutboxMessage) -> int:
    """The Telegram chat of a row this sender took (it takes only rows to Telegram chats)."""
    if row.chat_id is None:
        raise ValueError(f"outbox row {row.id} goes to no Telegram chat")
    return row.chat_id


def _batch(group: Sequence[OutboxMessage]) -> Batch:
    first = group[0]
    return Batch(
        chat_of(first), tuple(row.id for row in group), "\n\n".join(row.text for row in group), _buttons(group),
        first.kind, first.parts_sent, first.attachment, first.attachment_name, _items(group),
    )  # fmt: skip


def claim(
    session: Session, chosen: Sequence[OutboxMessage], owner: str, now: datetime, lease_until: datetime
) -> set[int]:
    """Claim the chosen rows for `owner` until `lease_until`: pending ones, and claimed ones whose lease ran
    out (taken back, on record as possible repeats: their sender may have sent them). Returns the ids now ours
    (another sender may have won some)."""
    pending = [row.id for row in chosen if row.status == OutboxStatus.PENDING]
    abandoned = [row.id for row in chosen if row.status == OutboxStatus.CLAIMED]
    taken = outbox_queries.claim(session, pending, owner, now, lease_until)
    taken_back = outbox_queries.take_back(session, abandoned, owner, now, lease_until)
    for row_id in sorted(taken_back):
        audit.record(
            session, at=now, actor=SENDER, action="resend_possible_repeat", entity="outbox",
            entity_id=row_id, after={"reason": "claim_expired"},
        )  # fmt: skip
    return taken | taken_back


def release(rows: Sequence[OutboxMessage]) -> None:
    """Give claimed rows back unsent: pending again, for the next claim."""
    for row in rows:
        row.status = OutboxStatus.PENDING
        row.claimed_by = None
        row.lease_until = None


def back_off(
    session: Session,
    rows: Sequence[OutboxMessage],
    now: datetime,
    parts_sent: int,
    error: str,
    *,
    possible_repeat: bool = True,
) -> None:
    """Try the rows again later (waiting longer after each attempt). When the request may have reached the
    platform (no answer after it left), the next try is a possible repeat, flagged and audited."""
    for row in rows:
        release([row])
        row.attempts += 1
        row.not_before = now + min(MAX_BACKOFF, timedelta(seconds=2 ** min(row.attempts, 10)))
        row.error = error[:ERROR_LIMIT]
        row.parts_sent = parts_sent
        if possible_repeat:
            row.possible_repeat = True
            audit.record(
                session, at=now, actor=SENDER, action="resend_possible_repeat", entity="outbox",
                entity_id=row.id, after={"reason": "no_answer", "error": error[:100]},
            )  # fmt: skip


@dataclass(frozen=True)
class SenderIdentity:
    """Who holds a claim: `host/pid/start` of the sending process. On the same host, a claim of a process
    that no longer runs can be taken back at once instead of waiting for its lease to run out."""

    name: str

    @classmethod
    def of_this_process(cls) -> SenderIdentity:
        pid = os.getpid()
        return cls(f"{socket.gethostname()}/{pid}/{_start_time(pid) or secrets.token_hex(4)}")

    @property
    def host_prefix(self) -> str:
        return self.name.split("/", 1)[0] + "/"

    def holder_is_dead(self, holder: str | None) -> bool:
        """Whether the process named `holder` (of this host) is known to have stopped."""
        if holder is None or not holder.startswith(self.host_prefix) or holder == self.name:
            return False
        _, pid, start = [*holder.split("/"), "", ""][:3]
        if not pid.isdigit():
            return False
        return _start_time(int(pid)) != start


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (from /proc): with the pid, it names one process
    even after the pid is reused. None where /proc has no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


class OutboxSender:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock,
        renderer: Renderer,
        tz: ZoneInfo,
        limiter: RateLimiter,
        rules: Callable[[], Rules],
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        # About one second of sending: after a crash, only that many rows can be on record as possible repeats.
        batch_size: int = 30,
        photos: Mapping[str, Callable[[], bytes | None]] | None = None,
        standalone: Collection[str] = (),
        identity: SenderIdentity | None = None,
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        self._sessions = session_factory
        self._clock = clock
        self._renderer = renderer
        self._tz = tz
        self._limiter = limiter
        self._rules = rules
        self._sleep = sleep
        self._batch_size = batch_size
        # A photo made at send time follows the message of these kinds (the weekly summary's chart).
        self._photos = dict(photos or {})
        # Rows of these kinds go out as messages of their own (the digest, with its buttons), never merged.
        self._alone = {*self._photos, *standalone}
        self.identity = identity or SenderIdentity.of_this_process()
        self._lease = lease

    # ---- claiming ------------------------------------------------------------------------------

    def recover(self) -> int:
        """At start: claims of this host's processes that no longer run are released at once (the next
        drain takes them back, as possible repeats); claims of other hosts wait for their lease."""
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            dead = [
                row.id
                for row in outbox_queries.claims_of(session, self.identity.host_prefix)
                if self.identity.holder_is_dead(row.claimed_by)
            ]
            outbox_queries.expire_claims(session, dead, now)
            return len(dead)

    def _claim(self) -> list[Batch]:
        """Take what can go now: due rows (and claims whose lease ran out) oldest first, none for a chat
        that must wait, at most `PER_CHAT` for one chat; merged per chat."""
        now = self._clock.now()
        quiet = in_quiet_hours(now.astimezone(self._tz), self._rules())
        lease_until = now + self._lease
        owner = self.identity.name
        with self._sessions() as session, session.begin():
            self._drop_stale_reminders(session, now)
            chosen: list[OutboxMessage] = []
            per_chat: dict[int, int] = {}
            passed_over: set[int] = set()  # chats whose next row waits: their later rows wait behind it
            after = 0
            while len(chosen) < self._batch_size:
                page = outbox_queries.due_or_abandoned(
                    session, now, urgent_only=quiet, after_id=after, limit=200
                )
                for row in page:
                    if len(chosen) == self._batch_size:
                        break
                    chat = chat_of(row)
                    count = per_chat.get(chat, 0)
                    if chat in passed_over:
                        continue
                    if count < PER_CHAT and (count or not self._limiter.chat_wait(chat)):
                        chosen.append(row)
                        per_chat[chat] = count + 1
                    else:
                        passed_over.add(chat)
                if len(page) < 200:
                    break
                after = page[-1].id
            ours = claim(session, chosen, owner, now, lease_until)
            rows = sorted((row for row in chosen if row.id in ours), key=lambda row: (row.chat_id, row.id))
            return merge(rows, alone=self._alone)

    def _drop_stale_reminders(self, session: Session, now: datetime) -> None:
        """A deadline reminder that did not go on the day it was written for (the bot was off) says what
        was true that day ("今天是整改时限", the working days left then): it is dropped, on record, not sent
        late. The tick, catching up, writes what is true now (`scheduler.rules.reminder_facts`), and the
        ladder tells a deadline that passed meanwhile."""
        today = datetime.combine(now.astimezone(self._tz).date(), time(), tzinfo=self._tz)
        for row_id in outbox_queries.call_off_stale_reminders(session, today):
            audit.record(
                session, at=now, actor=SENDER, action="drop_stale_reminder", entity="outbox", entity_id=row_id,
            )  # fmt: skip

    def _waiting_time(self) -> float | None:
        """Seconds until the first due row of a chat that must wait may go; None when nothing is due."""
        now = self._clock.now()
        quiet = in_quiet_hours(now.astimezone(self._tz), self._rules())
        with self._sessions() as session:
            rows = outbox_queries.due_or_abandoned(session, now, urgent_only=quiet, after_id=0, limit=200)
            waits = [self._limiter.chat_wait(chat_of(row)) for row in rows]
        return min(waits) if waits else None

    def _release(self, batch: Batch) -> None:
        """Give rows back unsent (their chat must wait): pending again, for the next claim."""
        with self._sessions() as session, session.begin():
            release(self._rows(session, batch))

    def _renew(self, batch: Batch) -> bool:
        """Renew the lease before a request; False when another sender took the rows back meanwhile."""
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            held = outbox_queries.extend_lease(
                session, list(batch.ids), self.identity.name, now + self._lease
            )
            return held == len(batch.ids)

    # ---- sending -------------------------------------------------------------------------------

    async def drain(self, bot: OutboxBot) -> DrainResult:
        """Send everything due now; returns what happened. Call it again to send what became due.

        Rows of a chat that must wait are left for later claims while others go; when only such rows are
        left, the drain waits (a second at a time, looking for new rows in between) until they may go.
        """
        result = DrainResult()
        while True:
            batches = await asyncio.to_thread(self._claim)
            if not batches:
                wait = await asyncio.to_thread(self._waiting_time)
                if wait is None:
                    return result
                # At most a second at a time: a row that can go at once may be written meanwhile. A wait
                # that ran out between the claim and now means the row may go: claim again at once.
                if wait > 0:
                    await self._sleep(min(wait, 1.0))
                continue
            waiting: set[int] = set()
            for batch in batches:
                if batch.chat_id in waiting or self._limiter.chat_wait(batch.chat_id):
                    # A second message to a chat in this claim: it and the chat's later ones go after the
                    # others, in their order (a wait may run out before the chat's next batch comes up).
                    waiting.add(batch.chat_id)
                    await asyncio.to_thread(self._release, batch)
                    continue
                await self._send(bot, batch, result)

    async def _send(self, bot: OutboxBot, batch: Batch, result: DrainResult) -> None:
        markup = (
            InlineKeyboardMarkup(
                [[InlineKeyboardButton(t, callback_data=d) for t, d in line] for line in batch.buttons]
            )
            if batch.buttons
            else None
        )
        parts = batch.parts
        steps = len(parts) + (1 if batch.attachment is not None else 0)
        message_ids: list[int] = []
        step = batch.parts_sent
        chat_id = batch.chat_id
        while step < steps:
            if not await asyncio.to_thread(self._renew, batch):
                LOGGER.warning("outbox rows %s were taken back by another sender; not sending", batch.ids)
                return
            await self._limiter.acquire(chat_id)
            try:
                if step < len(parts):
                    last = step == len(parts) - 1
                    message = await bot.send_message(
                        chat_id, parts[step], reply_markup=markup if last else None
                    )
                else:
                    assert batch.attachment is not None
                    message = await bot.send_document(
                        chat_id, batch.attachment, filename=batch.attachment_name or "duban.xlsx"
                    )
            except RetryAfter as error:
                result.too_many_requests += 1
                delay = error.retry_after
                await self._sleep(delay.total_seconds() if isinstance(delay, timedelta) else float(delay))
                continue
            except ChatMigrated as error:
                chat_id = await asyncio.to_thread(self._migrated, batch, chat_id, error.new_chat_id)
                continue
            except Forbidden as error:
                await asyncio.to_thread(self._unreachable, batch, str(error))
                result.unreachable += len(batch.ids)
                return
            except NetworkError as error:
                if isinstance(error, BadRequest):
                    await asyncio.to_thread(self._finish, batch, OutboxStatus.FAILED, None, str(error))
                    result.failed += len(batch.ids)
                    return
                # A timeout or a server error: Telegram may have accepted the message before it failed.
                await asyncio.to_thread(self._back_off, batch, step, str(error))
                result.retried += len(batch.ids)
                result.possible_repeats += 1
                return
            except TelegramError as error:
                await asyncio.to_thread(self._finish, batch, OutboxStatus.FAILED, None, str(error))
                result.failed += len(batch.ids)
                return
            except Exception as error:
                # Not an answer of Telegram: a fault of ours. This row fails on record; the others go on.
                LOGGER.exception("outbox rows %s could not be sent", batch.ids)
                await asyncio.to_thread(
                    self._finish, batch, OutboxStatus.FAILED, None, f"{type(error).__name__}: {error}"
                )
                result.failed += len(batch.ids)
                return
            message_ids.append(message.message_id)
            step += 1
            if step < steps:
                await asyncio.to_thread(self._progress, batch, step)
        await asyncio.to_thread(self._finish, batch, OutboxStatus.SENT, message_ids, None)
        result.sent += 1
        result.merged += len(batch.ids) - 1
        result.message_ids.extend(message_ids)
        if batch.kind in self._photos:
            await self._send_photo(bot, chat_id, self._photos[batch.kind])

    async def _send_photo(self, bot: OutboxBot, chat_id: int, make: Callable[[], bytes | None]) -> None:
        """The photo after a sent message: made now, sent once; a failure is logged, the message stands."""
        photo = await asyncio.to_thread(make)
        if photo is None:
            return
        while True:
            await self._limiter.acquire(chat_id)
            try:
                await bot.send_photo(chat_id, photo)
            except RetryAfter as error:
                delay = error.retry_after
                await self._sleep(delay.total_seconds() if isinstance(delay, timedelta) else float(delay))
                continue
            except TelegramError as error:
                LOGGER.warning("photo to chat %s not sent: %s", chat_id, error)
            return

    # ---- marking -------------------------------------------------------------------------------

    @staticmethod
    def _rows(session: Session, batch: Batch) -> list[OutboxMessage]:
        rows = [session.get(OutboxMessage, row_id) for row_id in batch.ids]
        return [row for row in rows if row is not None]

    def _progress(self, batch: Batch, parts_sent: int) -> None:
        """Parts of a long text confirmed sent: a resend starts after them."""
        with self._sessions() as session, session.begin():
            for row in self._rows(session, batch):
                row.parts_sent = parts_sent

    def _finish(
        self, batch: Batch, status: OutboxStatus, message_ids: list[int] | None, error: str | None
    ) -> None:
        now = self._clock.now()
        sent = status == OutboxStatus.SENT
        first = batch.ids[0]
        with self._sessions() as session, session.begin():
            rows = self._rows(session, batch)
            for row in rows:
                row.status = OutboxStatus.MERGED if (row.id != first and sent) else status
                row.merged_into_id = first if row.id != first and sent else None
                row.sent_at = now if sent else None
                row.telegram_message_id = message_ids[-1] if sent and message_ids else None
                row.error = error[:ERROR_LIMIT] if error else None
                row.claimed_by = None
                row.lease_until = None
            if sent and batch.item_ids:
                # A reply to a message about one item is a progress report on it; to a message about
                # several, the bot asks which item it is about.
                for message_id in message_ids or ():
                    queries.remember_bot_message(
                        session, batch.chat_id, message_id, batch.item_ids, "reminder", now
                    )

    def _back_off(self, batch: Batch, parts_sent: int, error: str) -> None:
        """Try again later; the message may have been accepted, so the next try is a possible repeat."""
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            back_off(session, self._rows(session, batch), now, parts_sent, error)

    def _migrated(self, batch: Batch, old_chat_id: int, new_chat_id: int) -> int:
        """The group became a supergroup: its id changes; the work group and every row still to go follow."""
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            dq.move_group(session, old_chat_id, new_chat_id)
            moved = outbox_queries.move_chat(session, old_chat_id, new_chat_id)
            audit.record(
                session, at=now, actor=SENDER, action="group_migrated", entity="group_chat",
                entity_id=old_chat_id, before={"chat_id": old_chat_id},
                after={"chat_id": new_chat_id, "outbox_rows": moved},
            )  # fmt: skip
        LOGGER.info("group %s became %s: %s outbox rows follow it", old_chat_id, new_chat_id, moved)
        return new_chat_id

    def _unreachable(self, batch: Batch, error: str) -> None:
        """403: the person blocked the bot. Mark them, and tell the admins and the person's leaders."""
        self._finish(batch, OutboxStatus.UNREACHABLE, None, error)
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            row = session.get(OutboxMessage, batch.ids[0])
            assert row is not None
            if row.person_id is None:
                return
            person = session.get(Person, row.person_id)
            assert person is not None
            if person.unreachable_at is None:
                person.unreachable_at = now
                audit.record(
                    session, at=now, actor=SENDER, action="unreachable", entity="person", entity_id=person.id,
                    after={"error": error[:100]},
                )  # fmt: skip
            self._tell_about_unreachable(session, person, now)

    def _tell_about_unreachable(self, session: Session, person: Person, now: datetime) -> None:
        units = [r.unit_id for r in person.roles if r.unit_id is not None]
        told = [
            *people_queries.admins(session),
            *people_queries.people_with_role(session, Role.LEADER, units, exclude=person.id),
        ]
        outbox = Outbox(session, self._renderer, now, self._tz, self._rules())
        for recipient in dict.fromkeys(told):
            outbox.add(
                f"unreach:{person.id}:{now.date().isoformat()}",
                recipient,
                "unreachable",
                {"name": person.name},
            )
        outbox.write()
