"""The job-queue side of the scheduler: the tick every minute, the outbox drained every few seconds.

One job each, whatever the size of the ledger; the tick finds the day's work done on every minute but
the first of a day. The tick also sets the command menu of every chat whose person's roles or language
changed (by the command line, say) since it was last set.
"""

from __future__ import annotations

import asyncio
import logging

from telegram.ext import ExtBot
from telegram.request import BaseRequest

from bot.config import Settings
from bot.telegram.context import BotContext, DubanApp
from bot.telegram.port import TelegramMenus
from bot.wiring import Duban
from handlers.menus import sync_menus

LOGGER = logging.getLogger(__name__)
TICK_SECONDS = 60
DRAIN_SECONDS = 2


async def open_outbox_bot(settings: Settings, request: BaseRequest | None = None) -> ExtBot[None]:
    """The bot the sender uses. The sender keeps Telegram's limits itself and waits out 429s with its own
    (injectable) sleep, so this bot has no rate limiter that would retry behind its back. `request`: how it
    reaches the Bot API (default: HTTPS)."""
    assert settings.telegram_token is not None
    outbox_bot: ExtBot[None] = ExtBot(
        settings.telegram_token.get_secret_value(),
        base_url=f"{settings.telegram_api_url}/bot",
        base_file_url=f"{settings.telegram_api_url}/file/bot",
        request=request,
        get_updates_request=request,  # it never polls: nothing to open for that
    )
    await outbox_bot.initialize()
    return outbox_bot


class OutboxJobs:
    """The tick and the drain of one process, with the outbox's own bot."""

    def __init__(self, duban: Duban) -> None:
        self._duban = duban
        self._bot: ExtBot[None] | None = None
        self._stopping = False

    @property
    def bot(self) -> ExtBot[None]:
        if self._bot is None:
            raise RuntimeError("the outbox jobs are not started")
        return self._bot

    async def open(self) -> None:
        """Open the outbox's own bot and resend what a crash left claimed."""
        request = self._duban.bot_api_request
        self._bot = await open_outbox_bot(self._duban.settings, None if request is None else request())
        recovered = await asyncio.to_thread(self._duban.sender.recover)
        if recovered:
            LOGGER.warning("%s outbox messages were claimed when Duban stopped; they go out again", recovered)

    async def start(self, application: DubanApp) -> None:
        """Open, then schedule the tick and the drain on the application's job queue."""
        await self.open()
        queue = application.job_queue
        assert queue is not None
        options = {"max_instances": 1, "coalesce": True}
        # A second after the start, not 0: APScheduler takes a start of "now" as passed and first runs the job
        # a whole interval later, so a restart would leave the day's run waiting a minute.
        queue.run_repeating(self._tick, TICK_SECONDS, first=1, name="tick", job_kwargs=options)
        queue.run_repeating(self._drain, DRAIN_SECONDS, first=DRAIN_SECONDS, name="drain", job_kwargs=options)

    def stop(self) -> None:
        """The process is stopping: the day's run stops after the transaction in hand, and the tick job
        ends there (no drain, no menus), so that the application's stop does not wait for them."""
        self._stopping = True
        self._duban.day_runner.stop()

    async def close(self) -> None:
        await self._duban.robot_sender.close()
        if self._bot is not None:
            await self._bot.shutdown()
            self._bot = None

    async def _tick(self, context: BotContext) -> None:
        result = await self._duban.day_runner.tick()
        if result.stopped:
            LOGGER.info(
                "rules stopped before the day was done (%s messages queued): the next start goes on",
                result.queued,
            )
            return
        if result.ran_days:
            LOGGER.info("rules ran: %s messages queued", result.queued)
        await self._drain(context)
        # The application's own bot: its rate limiter paces a first sync of many chats.
        menus = await sync_menus(
            self._duban.services, TelegramMenus(context.bot), stopping=lambda: self._stopping
        )
        if menus:
            LOGGER.info("command menus set: %s chats", menus)

    async def _drain(self, _context: BotContext) -> None:
        result = await self._duban.sender.drain(self.bot)
        if result.sent or result.unreachable or result.failed:
            LOGGER.info("outbox: %s", result)
        # The robots after the chats: their pacing never waits, so they hold up nothing.
        posted = await self._duban.robot_sender.drain()
        if posted.accepted or posted.failed or posted.robots_stopped:
            LOGGER.info("group robots: %s", posted)
