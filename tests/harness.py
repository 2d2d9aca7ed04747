"""End-to-end harness: the real application polling the loopback Bot API emulator, and a user's view of it.

The application reaches the emulator in-process by default (`loopback.inprocess`: python-telegram-bot's
request interface routed to the emulator, no sockets); with `transport="http"` (the `http` marker on a
test, for the `bot` fixture) it goes through the emulator's HTTP front and PTB's own HTTP stack. Either way
the same application runs, built by the composition root as `duban run` builds it.

Acting is one primitive: `BotHarness.act` (and `say`, `send_photo`, `send_document`, `press` on top of it)
pushes an update and returns once the bot has handled it, with everything it sent meanwhile.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.engine import make_url
from telegram.ext import ExtBot

from bot.app import build_application, built, polling, runtime_of
from bot.config import Settings
from bot.robot_sender import RobotDrainResult, RobotSender
from bot.sender import DrainResult, OutboxSender
from bot.telegram.context import DubanApp
from bot.wiring import Overrides
from ledger.actor import Actor
from ledger.clock import ManualClock
from loopback.acting import Handled, Users
from loopback.core import LoopbackBotApi
from loopback.http import HttpFront
from loopback.inprocess import InProcessFront
from loopback.records import JSONDict, SentMessage
from loopback.robots import LoopbackRobots
from loopback.robots_inprocess import robot_transport
from services.container import Services
from storage.db import create_db_engine, upgrade
from storage.models import Person

ADMIN_ID = 900_001
Transport = Literal["in_process", "http"]


@functools.cache
def _migrated_sqlite_template() -> bytes:
    """A SQLite store migrated to the newest revision, once per test run: copying it is what migrating
    a fresh file gives, in a millisecond instead of a tenth of a second."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "template.db"
        engine = create_db_engine(f"sqlite:///{path}")
        try:
            upgrade(engine)
        finally:
            engine.dispose()  # the last connection closing checkpoints the WAL into the file
        return path.read_bytes()


def migrated(url: str) -> None:
    """Bring the store at `url` to the newest schema: a SQLite file not there yet is a copy of the template,
    anything else is migrated (a no-op for a store already at the newest revision)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(str(parsed.database))
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(_migrated_sqlite_template())
            return
    engine = create_db_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


class SenderTime:
    """The sender's waits (Telegram's limits, 429 retry_after) in virtual seconds: a wait advances this clock
    instead of passing on the wall clock, so a test never sleeps; the rate limiter and the emulator's flood
    control read the same seconds. A test's own `sleep` sees every wait first."""

    def __init__(self, sleep: Callable[[float], Awaitable[None]] | None = None) -> None:
        self._now = 0.0
        self._sleep = sleep

    def monotonic(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if self._sleep is not None:
            await self._sleep(seconds)
        self._now += max(seconds, 0.0)
        await asyncio.sleep(0)


def text_of(message: SentMessage | None) -> str:
    """The text (or caption) of a message the bot sent; the test fails if there is no such message or it has
    no text, as reading `message.text` as a string would."""
    if message is None:
        raise AssertionError("expected a message, got none")
    if message.text is None:
        raise AssertionError(f"expected a text in message {message.message_id} ({message.method}), got none")
    return message.text


@dataclass
class BotHarness:
    """A running bot and what a test needs around it: the emulator, the application's own services and
    outbox sender (built by the composition root, as `duban run` builds them), and its users."""

    api: LoopbackBotApi
    app: DubanApp
    services: Services
    sender: OutboxSender
    settings: Settings
    clock: ManualClock
    outbox_bot: ExtBot[None]
    users: Users
    robots: LoopbackRobots  # the group robots' platforms (WeCom, DingTalk, Feishu), faked
    robot_sender: RobotSender

    async def deliver(self) -> DrainResult:
        """Drain the outbox now, as the sender job would."""
        return await self.sender.drain(self.outbox_bot)

    async def post_robots(self) -> RobotDrainResult:
        """Drain the group robots' rows now, as the sender job would after the chats."""
        return await self.robot_sender.drain()

    # ---- acting: one primitive ------------------------------------------------------------------

    async def act(self, push: Callable[[], JSONDict]) -> Handled:
        """Push an update with `push` (one of `api.push_*`); return once the bot has handled it, with
        everything it sent meanwhile."""
        return await self.users.act(push)

    async def say(self, user_id: int, text: str, **kwargs: Any) -> Handled:
        return await self.users.say(user_id, text, **kwargs)

    async def send_photo(
        self, user_id: int, data: bytes, caption: str | None = None, **kwargs: Any
    ) -> Handled:
        return await self.users.send_photo(user_id, data, caption, **kwargs)

    async def edit(self, user_id: int, message_id: int, text: str, **kwargs: Any) -> Handled:
        return await self.users.edit(user_id, message_id, text, **kwargs)

    async def send_document(self, user_id: int, data: bytes, file_name: str, **kwargs: Any) -> Handled:
        return await self.users.send_document(user_id, data, file_name, **kwargs)

    async def press(self, user_id: int, message: SentMessage | int, data: str, **kwargs: Any) -> Handled:
        """`user_id` presses `data` under `message` (a message id: in the user's chat, or `chat_id`);
        `check_button=False`: a button the message does not show."""
        return await self.users.press(user_id, message, data, **kwargs)

    # ---- older names, on top of the primitive ---------------------------------------------------

    async def send(self, user_id: int, text: str, *, replies: int = 1, **kwargs: Any) -> list[SentMessage]:
        """A user writes `text`; once the bot has handled it, the messages it sent back to that chat (at
        least `replies` of them)."""
        handled = await self.say(user_id, text, **kwargs)
        if len(handled.replies) < replies:
            raise AssertionError(
                f"expected {replies} repl(ies) to {text!r}, got {[m.text for m in handled.replies]!r}"
            )
        return handled.replies

    async def replies(self, chat_id: int, before: int, count: int = 1) -> list[SentMessage]:
        """Wait until `chat_id` has `count` messages after its first `before`; those messages."""
        sent = await self.api.wait_sent(chat_id, before + count)
        return sent[before:]

    async def idle(self) -> None:
        """Wait until the bot took every update pushed so far and finished handling it."""
        await self.users.idle()

    def actor(self, user_id: int) -> str:
        """How the audit log names the person bound to this chat account."""
        with self.services.sessions() as session:
            person_id = session.scalars(select(Person.id).where(Person.telegram_user_id == user_id)).one()
        return str(Actor.person(person_id))


@asynccontextmanager
async def running_bot(
    tmp_path: Path,
    clock: ManualClock,
    *,
    admins: frozenset[int] = frozenset({ADMIN_ID}),
    scheduled: bool = False,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    transport: Transport = "in_process",
    **api_options: Any,
) -> AsyncIterator[BotHarness]:
    """The application polling a fresh emulator; the scheduler's jobs run only when `scheduled` (most
    tests tick and deliver by hand, on the manual clock). The sender waits in virtual seconds (`sleep`, if
    given, sees each wait). `api_options` go to `LoopbackBotApi`."""
    url = f"sqlite:///{tmp_path / 'duban.db'}"
    migrated(url)
    sender_time = SenderTime(sleep)
    api = LoopbackBotApi(**{"clock": sender_time.monotonic, **api_options})
    async with AsyncExitStack() as stack:
        robots = LoopbackRobots(now=lambda: clock.now().timestamp())
        overrides = Overrides(
            clock=clock, sleep=sender_time.sleep, monotonic=sender_time.monotonic,
            robot_transport=robot_transport(robots),
        )  # fmt: skip
        if transport == "http":
            api_url = (await stack.enter_async_context(HttpFront(api))).base_url
        else:
            front = InProcessFront(api)
            api_url = front.base_url
            overrides = dataclasses.replace(overrides, bot_api_request=front.request)
        settings = Settings(
            database_url=url,
            data_dir=tmp_path / "data",
            telegram_token=SecretStr(api.token),
            telegram_api_url=api_url,
            admins=admins,
        )
        application = build_application(settings, overrides, scheduled=scheduled)
        app = await stack.enter_async_context(polling(application, poll_timeout=1))
        await api.wait_polling()
        duban = built(app)
        jobs = runtime_of(app).jobs
        assert jobs is not None
        yield BotHarness(
            api, app, duban.services, duban.sender, duban.settings, clock, jobs.bot, Users(api, app), robots,
            duban.robot_sender,
        )  # fmt: skip
