"""The outbox sender delivering one message to each of `--messages` chats through the loopback Bot API
server with Telegram's limits enforced (30 a second overall, one a second per chat, twenty a minute per
group; beyond them it answers 429 retry_after), with the real clock and real sleeps.

The baseline, in the same run against a fresh server with the same limits: the same messages sent by a
naive loop calling `send_message` as fast as it can, waiting out each 429 it gets and trying again. The
figures: messages a second as a share of the 30 allowed, the 429s received (target: none), and the
messages each chat received (exactly one: no duplicate, none lost).

At 30 a second 5,000 messages take about 170 s for each of the two; the default, 1,500 messages, takes
about 50 s for each (`--messages 5000` for the full run).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import SecretStr
from sqlalchemy import insert
from telegram.error import RetryAfter
from telegram.ext import ExtBot

from bot.config import Settings
from bot.jobs import open_outbox_bot
from bot.loopback_api import LoopbackBotApi
from bot.wiring import build
from services.office import RULES
from storage.db import create_db_engine, upgrade
from storage.models import Person
from storage.scheduling import OutboxMessage, OutboxStatus, SchedulerSetting

TZ = ZoneInfo("Asia/Shanghai")
FIRST_USER = 7_000_001
ALLOWED_PER_SECOND = 30
# No quiet hours: the bench may run at any hour.
# The office's rules as stored: no quiet hours, so the bench runs at any hour.
ALWAYS = {"quiet_start": "00:00", "quiet_end": "00:00"}


@dataclass(frozen=True)
class Delivery:
    messages: int
    seconds: float
    too_many_requests: int
    duplicates: int
    lost: int

    @property
    def rate(self) -> float:
        return self.messages / self.seconds

    def line(self, label: str, baseline: Delivery | None) -> str:
        text = (
            f"  {label:<42} {self.seconds:7.1f} s  {self.rate:5.1f} msg/s = {self.rate / ALLOWED_PER_SECOND:4.0%}"
            f" of {ALLOWED_PER_SECOND}/s   429s {self.too_many_requests:4}   duplicates {self.duplicates}"
            f"   lost {self.lost}"
        )
        if baseline is not None:
            text += f"   rate {self.rate / baseline.rate:4.2f} × baseline"
        return text


def text_of(n: int) -> str:
    return f"【进展调度】第{n}项 第{n}项整改事项\n请于3个工作日内报送整改进展。"


def chats(messages: int) -> list[int]:
    return [FIRST_USER + n for n in range(messages)]


def prepare_store(root: Path, messages: int) -> str:
    """A migrated store with `messages` bound people and one pending outbox row for each."""
    url = f"sqlite:///{root / 'duban.db'}"
    engine = create_db_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(Person),
            [
                {"id": n + 1, "name": f"人员{n:05d}", "telegram_user_id": chat, "locale": "zh_CN",
                 "active": True, "bound_at": now, "created_at": now}
                for n, chat in enumerate(chats(messages))
            ],
        )  # fmt: skip
        connection.execute(
            insert(OutboxMessage),
            [
                {"key": f"bench:{n}", "chat_id": chat, "person_id": n + 1, "kind": "dispatch",
                 "text": text_of(n), "urgent": False, "not_before": now - timedelta(minutes=1),
                 "status": OutboxStatus.PENDING, "attempts": 0, "created_at": now, "possible_repeat": False}
                for n, chat in enumerate(chats(messages))
            ],
        )  # fmt: skip
        connection.execute(insert(SchedulerSetting), [{"key": RULES, "value": ALWAYS}])
    engine.dispose()
    return url


def as_seconds(delay: timedelta | int) -> float:
    return delay.total_seconds() if isinstance(delay, timedelta) else float(delay)


async def naive(bot: ExtBot[None], messages: int) -> None:
    """Send every message as fast as possible; on a 429, wait what Telegram says and try again."""
    for n, chat in enumerate(chats(messages)):
        while True:
            try:
                await bot.send_message(chat, text_of(n))
            except RetryAfter as error:
                await asyncio.sleep(as_seconds(error.retry_after))
                continue
            break


async def deliver(root: Path, messages: int, send: Callable[[ExtBot[None]], Awaitable[object]]) -> Delivery:
    """Run `send` against a fresh loopback server enforcing the limits; count what each chat received."""
    async with LoopbackBotApi(enforce_limits=True) as api:
        for chat in chats(messages):
            api.add_user(chat, f"人员{chat}")
        settings = Settings(
            database_url=f"sqlite:///{root / 'duban.db'}",
            data_dir=root / "data",
            telegram_token=SecretStr(api.token),
            telegram_api_url=api.base_url,
        )
        bot = await open_outbox_bot(settings)
        try:
            began = time.perf_counter()
            await send(bot)
            seconds = time.perf_counter() - began
        finally:
            await bot.shutdown()
        received = Counter(message.chat_id for message in api.all_sent())
        return Delivery(
            messages=messages,
            seconds=seconds,
            too_many_requests=api.stats.too_many_requests,
            duplicates=sum(count - 1 for count in received.values()),
            lost=sum(1 for chat in chats(messages) if chat not in received),
        )


async def measure(messages: int) -> tuple[Delivery, Delivery]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        url = prepare_store(root, messages)
        print(
            f"outbox sender: {messages} messages to {messages} chats through the loopback Bot API,"
            f" limits enforced ({ALLOWED_PER_SECOND}/s overall, 1/s per chat), real clock"
        )
        baseline = await deliver(root, messages, lambda bot: naive(bot, messages))
        print(baseline.line("baseline: naive send loop, waits out 429s", None))
        duban = build(Settings(database_url=url, data_dir=root / "data"))
        try:
            paced = await deliver(root, messages, duban.sender.drain)
        finally:
            duban.close()
        print(paced.line("OutboxSender.drain, paced by RateLimiter", baseline))
        return baseline, paced


def main(argv: Sequence[str] | None = None) -> tuple[Delivery, Delivery]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1500, help="messages, one to each chat (5000: full)")
    args, _ = parser.parse_known_args(argv)
    return asyncio.run(measure(args.messages))


if __name__ == "__main__":
    main()
