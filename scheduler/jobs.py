"""The job-queue side of the scheduler: the tick every minute, the outbox drained every few seconds.

One job each, whatever the size of the ledger; the tick finds the day's work done on every minute but
the first of a day.
"""

from __future__ import annotations

import asyncio
import logging

from telegram.ext import ExtBot

from bot.config import Settings
from bot.context import BotContext, DubanApp

LOGGER = logging.getLogger(__name__)
TICK_SECONDS = 60
DRAIN_SECONDS = 2


async def tick(context: BotContext) -> None:
    result = await asyncio.to_thread(context.services.scheduler.tick)
    if result.ran_days:
        LOGGER.info("rules ran: %s messages queued", result.queued)
    await drain(context)


async def drain(context: BotContext) -> None:
    bot = context.bot_data.outbox_bot
    result = await context.services.sender.drain(bot)
    if result.sent or result.unreachable or result.failed:
        LOGGER.info("outbox: %s", result)


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


async def start(application: DubanApp) -> None:
    """Open the outbox's own bot, resend what a crash left claimed, and schedule the jobs."""
    application.bot_data.outbox_bot = await open_outbox_bot(application.bot_data.services.settings)
    recovered = await asyncio.to_thread(application.bot_data.services.sender.recover)
    if recovered:
        LOGGER.warning("%s outbox messages were claimed when Duban stopped; they go out again", recovered)
    queue = application.job_queue
    assert queue is not None
    options = {"max_instances": 1, "coalesce": True}
    queue.run_repeating(tick, TICK_SECONDS, first=0, name="tick", job_kwargs=options)
    queue.run_repeating(drain, DRAIN_SECONDS, first=DRAIN_SECONDS, name="drain", job_kwargs=options)


async def stop(application: DubanApp) -> None:
    outbox_bot = application.bot_data.outbox_bot_or_none
    if outbox_bot is not None:
        await outbox_bot.shutdown()
