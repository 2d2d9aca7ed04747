"""End-to-end harness: the real application, polling a loopback Bot API server, and a user's view of it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr
from telegram.ext import ExtBot

from bot.app import build_application, built, polling, runtime_of
from bot.config import Settings
from bot.loopback_api import LoopbackBotApi, SentMessage
from bot.processing import PerChatUpdateProcessor
from bot.sender import DrainResult, OutboxSender
from bot.telegram.context import DubanApp
from bot.wiring import Overrides
from ledger.clock import ManualClock
from services.container import Services
from storage.db import create_db_engine, upgrade

ADMIN_ID = 900_001


@dataclass
class BotHarness:
    """A running bot and what a test needs around it: the API server, the application's own services and
    outbox sender (built by the composition root, as `duban run` builds them)."""

    api: LoopbackBotApi
    app: DubanApp
    services: Services
    sender: OutboxSender
    settings: Settings
    clock: ManualClock
    outbox_bot: ExtBot[None]

    async def deliver(self) -> DrainResult:
        """Drain the outbox now, as the sender job would."""
        return await self.sender.drain(self.outbox_bot)

    async def send(self, user_id: int, text: str, *, replies: int = 1, **kwargs: object) -> list[SentMessage]:
        """A user writes `text`; returns the `replies` new messages the bot sent back to that chat."""
        before = len(self.api.sent(user_id))
        self.api.push_text(user_id, text, **kwargs)  # type: ignore[arg-type]
        return await self.replies(user_id, before, replies)

    async def replies(self, chat_id: int, before: int, count: int = 1) -> list[SentMessage]:
        sent = await self.api.wait_sent(chat_id, before + count)
        return sent[before:]

    async def idle(self) -> None:
        """Wait until the bot took every queued update and finished handling it."""
        await self.api.wait_updates_consumed()
        processor = self.app.update_processor
        assert isinstance(processor, PerChatUpdateProcessor)
        async with asyncio.timeout(5):
            await processor.wait_idle()


@asynccontextmanager
async def running_bot(
    tmp_path: Path,
    clock: ManualClock,
    *,
    admins: frozenset[int] = frozenset({ADMIN_ID}),
    scheduled: bool = False,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    **api_options: object,
) -> AsyncIterator[BotHarness]:
    """The application polling a fresh loopback server; the scheduler's jobs run only when `scheduled`
    (most tests tick and deliver by hand, on the manual clock). `sleep` replaces the sender's waits."""
    url = f"sqlite:///{tmp_path / 'duban.db'}"
    engine = create_db_engine(url)
    upgrade(engine)
    engine.dispose()
    async with LoopbackBotApi(**api_options) as api:  # type: ignore[arg-type]
        settings = Settings(
            database_url=url,
            data_dir=tmp_path / "data",
            telegram_token=SecretStr(api.token),
            telegram_api_url=api.base_url,
            admins=admins,
        )
        app = build_application(settings, Overrides(clock=clock, sleep=sleep), scheduled=scheduled)
        async with polling(app, poll_timeout=1):
            await api.wait_polling()
            duban = built(app)
            jobs = runtime_of(app).jobs
            assert jobs is not None
            yield BotHarness(api, app, duban.services, duban.sender, duban.settings, clock, jobs.bot)
