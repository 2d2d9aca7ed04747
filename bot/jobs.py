"""The job-queue side of the scheduler: the tick every minute, the outbox drained every few seconds.

One job each, whatever the size of the ledger; the tick finds the day's work done on every minute but
the first of a day.
"""

from __future__ import annotations

import asyncio
import logging

from telegram.ext import ExtBot

from bot.config import Settings
from bot.telegram.context import BotContext, DubanApp
from bot.wiring import Duban

LOGGER = logging.getLogger(__name__)
TICK_SECONDS = 60
DRAIN_SECONDS = 2


async def open_outbox_bot(settings: Settings) -> ExtBot[None]:
    """The bot the sender uses. The sender keeps Telegram's limits itself and waits out 429s with its own
    (injectable) sleep, so this bot has no rate limiter that would retry behind its back."""
    assert settings.telegram_token is not None
    outbox_bot: ExtBot[None] = ExtBot(
        settings.telegram_token.get_secret_value(),
        base_url=f"{settings.telegram_api_url}/bot",
        base_file_url=f"{settings.telegram_api_url}/file/bot",
    )
    await outbox_bot.initialize()
    return outbox_bot


class OutboxJobs:
    """The tick and the drain of one process, with the outbox's own bot."""

    def __init__(self, duban: Duban) -> None:
        self._duban = duban
        self._bot: ExtBot[None] | None = None

    @property
    def bot(self) -> ExtBot[None]:
        if self._bot is None:
            raise RuntimeError("the outbox jobs are not started")
        return self._bot

    async def open(self) -> None:
        """Open the outbox's own bot and resend what a crash left claimed."""
        self._bot = await open_outbox_bot(self._duban.settings)
        recovered = await asyncio.to_thread(self._duban.sender.recover)
        if recovered:
            LOGGER.warning("%s outbox messages were claimed when Duban stopped; they go out again", recovered)

    async def start(self, application: DubanApp) -> None:
        """Open, then schedule the tick and the drain on the application's job queue."""
        await self.open()
        queue = application.job_queue
        assert queue is not None
        options = {"max_instances": 1, "coalesce": True}
        queue.run_repeating(self._tick, TICK_SECONDS, first=0, name="tick", job_kwargs=options)
        queue.run_repeating(self._drain, DRAIN_SECONDS, first=DRAIN_SECONDS, name="drain", job_kwargs=options)

    async def close(self) -> None:
        if self._bot is not None:
            await self._bot.shutdown()
            self._bot = None

    async def _tick(self, _context: BotContext) -> None:
        result = await asyncio.to_thread(self._duban.services.daily_run.tick)
        if result.ran_days:
            LOGGER.info("rules ran: %s messages queued", result.queued)
        await self._drain(_context)

    async def _drain(self, _context: BotContext) -> None:
        result = await self._duban.sender.drain(self.bot)
        if result.sent or result.unreachable or result.failed:
            LOGGER.info("outbox: %s", result)
