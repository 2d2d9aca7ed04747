"""Fairness of the outbox sender under Telegram's limits, beside python-telegram-bot's `AIORateLimiter`.

Two scenarios, each delivered through a fresh loopback Bot API server that enforces Telegram's limits
(30 a second overall, one a second per private chat, twenty a minute per group; beyond them it answers 429),
with the real clock:
- group burst: `--group-posts` messages (45) queued for one work group and `--people` private reminders
  (300), one each: the private ones must not wait behind the group's twenty a minute;
- many each: `--each` messages (5) to each of `--recipients` people (50), none mergeable: the per-chat limit
  allows them all in about `--each` seconds, people in parallel.

The baseline is the same messages sent concurrently (`asyncio.gather`) by an `ExtBot` with
`AIORateLimiter`, as an application relying on python-telegram-bot's limiter would send them. Figures: the
time until the last private message arrived, the time until everything arrived, the 429s received, and
what each chat received (no duplicate, none lost).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import insert
from telegram.ext import AIORateLimiter, ExtBot

from bot.config import Settings
from bot.jobs import open_outbox_bot
from bot.wiring import build
from loopback import LoopbackBotApi
from loopback.http import HttpFront
from services.office import RULES
from storage.db import create_db_engine, upgrade
from storage.models import Person
from storage.scheduling import OutboxMessage, OutboxStatus, SchedulerSetting

GROUP = -100_777_000
FIRST_PERSON = 8_000_001
ALWAYS = {"quiet_start": "00:00", "quiet_end": "00:00"}  # no quiet hours: the bench runs at any hour
UNMERGED = "digest"  # a kind the sender never merges: each row is a message of its own


@dataclass(frozen=True)
class Message:
    chat_id: int
    text: str


@dataclass(frozen=True)
class Outcome:
    private_seconds: float
    all_seconds: float
    too_many_requests: int
    duplicates: int
    lost: int

    def line(self, label: str, baseline: Outcome | None) -> str:
        text = (
            f"    {label:<28} private done {self.private_seconds:6.1f} s   all done {self.all_seconds:6.1f} s"
            f"   429s {self.too_many_requests:4}   duplicates {self.duplicates}   lost {self.lost}"
        )
        if baseline is not None and baseline.private_seconds:
            text += f"   private {self.private_seconds / baseline.private_seconds:5.2f} × baseline"
        return text


def group_burst(posts: int, people: int) -> list[Message]:
    burst = [Message(GROUP, f"【通报】工作群通报第{n}期") for n in range(posts)]
    return burst + [Message(FIRST_PERSON + n, f"【整改时限提醒】第{n}项") for n in range(people)]


def many_each(each: int, recipients: int) -> list[Message]:
    return [
        Message(FIRST_PERSON + person, f"督办日报 第{round_ + 1}份")
        for round_ in range(each)
        for person in range(recipients)
    ]


def prepare_store(root: Path, messages: list[Message]) -> str:
    """A migrated store with the people bound and one pending outbox row per message."""
    url = f"sqlite:///{root / 'duban.db'}"
    engine = create_db_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    people = sorted({m.chat_id for m in messages if m.chat_id > 0})
    ids = {chat: n + 1 for n, chat in enumerate(people)}
    with engine.begin() as connection:
        connection.execute(
            insert(Person),
            [
                {"id": ids[chat], "name": f"人员{chat}", "telegram_user_id": chat, "locale": "zh_CN",
                 "active": True, "bound_at": now, "created_at": now}
                for chat in people
            ],
        )  # fmt: skip
        connection.execute(
            insert(OutboxMessage),
            [
                {"key": f"fair:{n}", "chat_id": m.chat_id, "person_id": ids.get(m.chat_id), "kind": UNMERGED,
                 "text": m.text, "urgent": False, "not_before": now - timedelta(minutes=1),
                 "status": OutboxStatus.PENDING, "attempts": 0, "created_at": now, "possible_repeat": False}
                for n, m in enumerate(messages)
            ],
        )  # fmt: skip
        connection.execute(insert(SchedulerSetting), [{"key": RULES, "value": ALWAYS}])
    engine.dispose()
    return url


async def deliver(
    root: Path, messages: list[Message], send: Callable[[ExtBot[None], HttpFront], Awaitable[object]]
) -> Outcome:
    """Run `send` against a fresh loopback server enforcing the limits; when each chat got what."""
    api = LoopbackBotApi(enforce_limits=True)
    api.add_group(GROUP, "整改工作群")
    for chat in {m.chat_id for m in messages if m.chat_id > 0}:
        api.add_user(chat, f"人员{chat}")
    async with HttpFront(api) as front:
        settings = Settings(
            database_url=f"sqlite:///{root / 'duban.db'}",
            data_dir=root / "data",
            telegram_token=SecretStr(api.token),
            telegram_api_url=front.base_url,
        )
        arrived: list[tuple[float, int]] = []
        api.on_send = lambda message: arrived.append((time.perf_counter(), message.chat_id))
        bot = await open_outbox_bot(settings)
        began = time.perf_counter()
        try:
            await send(bot, front)
        finally:
            await bot.shutdown()
        sent = api.all_sent()
        private = [at for at, chat in arrived if chat > 0]
        received = Counter((m.chat_id, m.text) for m in sent)
        wanted = Counter((m.chat_id, m.text) for m in messages)
        return Outcome(
            private_seconds=(max(private) - began) if private else 0.0,
            all_seconds=(max(at for at, _ in arrived) - began) if arrived else 0.0,
            too_many_requests=api.stats.too_many_requests,
            duplicates=sum(max(0, received[key] - count) for key, count in wanted.items()),
            lost=sum(max(0, count - received[key]) for key, count in wanted.items()),
        )


async def with_aio_rate_limiter(bot: ExtBot[None], front: HttpFront, messages: list[Message]) -> None:
    """Every message at once through an `ExtBot` with python-telegram-bot's limiter (it waits out 429s)."""
    limited: ExtBot[int] = ExtBot(
        front.api.token,
        base_url=front.bot_base_url,
        base_file_url=front.file_base_url,
        rate_limiter=AIORateLimiter(max_retries=10),
    )
    await limited.initialize()
    try:
        await asyncio.gather(*(limited.send_message(m.chat_id, m.text) for m in messages))
    finally:
        await limited.shutdown()


async def scenario(name: str, messages: list[Message]) -> tuple[Outcome, Outcome]:
    print(f"  {name}: {len(messages)} messages")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        baseline = await deliver(root, messages, lambda bot, api: with_aio_rate_limiter(bot, api, messages))
        print(baseline.line("baseline: AIORateLimiter", None))
        url = prepare_store(root, messages)
        duban = build(Settings(database_url=url, data_dir=root / "data"))
        try:
            paced = await deliver(root, messages, lambda bot, _api: duban.sender.drain(bot))
        finally:
            duban.close()
        print(paced.line("OutboxSender.drain", baseline))
        return baseline, paced


async def measure(args: argparse.Namespace) -> dict[str, tuple[Outcome, Outcome]]:
    print("outbox sender fairness: loopback Bot API with Telegram's limits enforced, real clock")
    return {
        "group burst": await scenario("group burst", group_burst(args.group_posts, args.people)),
        "many each": await scenario("many each", many_each(args.each, args.recipients)),
    }


def main(argv: list[str] | None = None) -> dict[str, tuple[Outcome, Outcome]]:
    parser = argparse.ArgumentParser(prog="python -m bench fairness", description=__doc__)
    parser.add_argument("--group-posts", type=int, default=45)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--each", type=int, default=5)
    parser.add_argument("--recipients", type=int, default=50)
    args, _ = parser.parse_known_args(argv)
    return asyncio.run(measure(args))


if __name__ == "__main__":
    main()
