"""The outbox sender: claims due rows, sends them within Telegram's limits, marks them sent.

A row is claimed (committed), sent, then marked (committed). After a crash, rows still claimed may or
may not have reached Telegram: they are sent again once, flagged `resent_after_crash` and audited, so a
possible repeat is always on record and nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot

from ledger.clock import Clock
from ledger.model import Role
from messages.render import Renderer
from messages.split import TELEGRAM_LIMIT, telegram_length, within_limit
from scheduler.limits import RateLimiter
from scheduler.rules import Rules, in_quiet_hours
from services import audit
from services.outbox import Outbox
from storage import queries
from storage import scheduler_queries as sq
from storage.models import Person
from storage.scheduling import OutboxMessage, OutboxStatus

LOGGER = logging.getLogger(__name__)
MAX_BUTTON_ROWS = 8
MAX_BACKOFF = timedelta(minutes=10)


@dataclass(frozen=True)
class Batch:
    """Rows due to one chat, merged into one message; `kind` is the first row's."""

    chat_id: int
    ids: tuple[int, ...]
    text: str
    buttons: tuple[tuple[tuple[str, str], ...], ...]
    kind: str = ""


@dataclass
class DrainResult:
    sent: int = 0
    merged: int = 0
    unreachable: int = 0
    failed: int = 0
    retried: int = 0
    too_many_requests: int = 0
    message_ids: list[int] = field(default_factory=list)


def merge(
    rows: Sequence[OutboxMessage], limit: int = TELEGRAM_LIMIT, alone: Collection[str] = ()
) -> list[Batch]:
    """Rows to the same chat become one message, in order, as long as the text stays under the limit;
    rows of a kind in `alone` (a photo follows them, or their buttons matter) are never merged."""
    batches: list[Batch] = []
    for row in rows:
        row_buttons = tuple(tuple((b["text"], b["data"]) for b in line) for line in (row.buttons or []))
        last = batches[-1] if batches else None
        joined = f"{last.text}\n\n{row.text}" if last else row.text
        apart = row.kind in alone or (last is not None and last.kind in alone)
        if last and last.chat_id == row.chat_id and telegram_length(joined) <= limit and not apart:
            seen = {data for line in last.buttons for _, data in line}
            fresh = tuple(
                line for line in (tuple(b for b in line if b[1] not in seen) for line in row_buttons) if line
            )
            buttons = (last.buttons + fresh)[:MAX_BUTTON_ROWS]
            batches[-1] = Batch(row.chat_id, (*last.ids, row.id), joined, buttons, last.kind)
        else:
            batches.append(
                Batch(row.chat_id, (row.id,), within_limit(row.text, limit), row_buttons, row.kind)
            )
    return batches


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

    def recover(self) -> int:
        """At start: rows left claimed by a crash go out again once, on record as possible repeats."""
        with self._sessions() as session, session.begin():
            stale = sq.stale_claims(session)
            for row in stale:
                audit.record(
                    session, at=self._clock.now(), actor="sender", action="resend_after_crash",
                    entity="outbox", entity_id=row.id, after={"key": row.key},
                )  # fmt: skip
            sq.release_claims(session, [row.id for row in stale])
            return len(stale)

    def _claim(self) -> list[Batch]:
        now = self._clock.now()
        quiet = in_quiet_hours(now.astimezone(self._tz), self._rules())
        with self._sessions() as session, session.begin():
            rows = sq.due_messages(session, now, urgent_only=quiet, limit=self._batch_size)
            # Take only rows still pending: another drain (the tick's, the drain job's, another
            # process's) may have claimed some since the select, and must not send them twice.
            taken = set(
                session.scalars(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_([row.id for row in rows]))
                    .where(OutboxMessage.status == OutboxStatus.PENDING)
                    .values(status=OutboxStatus.CLAIMED, claimed_at=now, attempts=OutboxMessage.attempts + 1)
                    .returning(OutboxMessage.id)
                    .execution_options(synchronize_session=False)
                )
            )
            return merge([row for row in rows if row.id in taken], alone=self._alone)

    async def drain(self, bot: ExtBot[None]) -> DrainResult:
        """Send everything due now; returns what happened. Call it again to send what became due."""
        result = DrainResult()
        while batches := await asyncio.to_thread(self._claim):
            for batch in batches:
                await self._send(bot, batch, result)
        return result

    async def _send(self, bot: ExtBot[None], batch: Batch, result: DrainResult) -> None:
        markup = (
            InlineKeyboardMarkup(
                [[InlineKeyboardButton(t, callback_data=d) for t, d in line] for line in batch.buttons]
            )
            if batch.buttons
            else None
        )
        while True:
            await self._limiter.acquire(batch.chat_id)
            try:
                message = await bot.send_message(batch.chat_id, batch.text, reply_markup=markup)
            except RetryAfter as error:
                result.too_many_requests += 1
                delay = error.retry_after
                await self._sleep(delay.total_seconds() if isinstance(delay, timedelta) else float(delay))
                continue
            except Forbidden as error:
                await asyncio.to_thread(self._unreachable, batch, str(error))
                result.unreachable += len(batch.ids)
                return
            except BadRequest as error:
                await asyncio.to_thread(self._finish, batch, OutboxStatus.FAILED, None, str(error))
                result.failed += len(batch.ids)
                return
            except NetworkError as error:
                # Timeouts and 5xx: back off and let a later drain try again.
                await asyncio.to_thread(self._back_off, batch, str(error))
                result.retried += len(batch.ids)
                return
            await asyncio.to_thread(self._finish, batch, OutboxStatus.SENT, message.message_id, None)
            result.sent += 1
            result.merged += len(batch.ids) - 1
            result.message_ids.append(message.message_id)
            if batch.kind in self._photos:
                await self._send_photo(bot, batch.chat_id, self._photos[batch.kind])
            return

    async def _send_photo(self, bot: ExtBot[None], chat_id: int, make: Callable[[], bytes | None]) -> None:
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

    def _finish(self, batch: Batch, status: OutboxStatus, message_id: int | None, error: str | None) -> None:
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            first = batch.ids[0]
            for row_id in batch.ids:
                row = session.get(OutboxMessage, row_id)
                assert row is not None
                row.status = (
                    OutboxStatus.MERGED if (row_id != first and status == OutboxStatus.SENT) else status
                )
                row.merged_into_id = first if row_id != first and status == OutboxStatus.SENT else None
                row.sent_at = now if status == OutboxStatus.SENT else None
                row.telegram_message_id = message_id
                row.error = error[:300] if error else None
            items = {
                row.item_id for row_id in batch.ids if (row := session.get(OutboxMessage, row_id)) is not None
            }
            if status == OutboxStatus.SENT and message_id is not None and len(items) == 1:
                (item_id,) = items
                if item_id is not None:
                    # A reply to a message about one item is a progress report on it.
                    queries.remember_bot_message(session, batch.chat_id, message_id, item_id, "reminder", now)

    def _back_off(self, batch: Batch, error: str) -> None:
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            for row_id in batch.ids:
                row = session.get(OutboxMessage, row_id)
                assert row is not None
                row.status = OutboxStatus.PENDING
                row.not_before = now + min(MAX_BACKOFF, timedelta(seconds=2 ** min(row.attempts, 10)))
                row.error = error[:300]

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
                    session, at=now, actor="sender", action="unreachable", entity="person", entity_id=person.id,
                    after={"error": error[:100]},
                )  # fmt: skip
            self._tell_about_unreachable(session, person, now)

    def _tell_about_unreachable(self, session: Session, person: Person, now: datetime) -> None:
        units = [r.unit_id for r in person.roles if r.unit_id is not None]
        told = [*sq.admins(session), *sq.people_with_role(session, Role.LEADER, units, exclude=person.id)]
        outbox = Outbox(session, self._renderer, now, self._tz, self._rules())
        for recipient in dict.fromkeys(told):
            outbox.add(
                f"unreach:{person.id}:{now.date().isoformat()}",
                recipient,
                "unreachable",
                {"name": person.name},
            )
        outbox.write()
