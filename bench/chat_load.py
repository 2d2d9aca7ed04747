"""Chat load: bound officers each send a series of messages of one kind (`/my`, `/report N 50% …`, a photo
captioned `N`, `/help`) to the real application polling the loopback Bot API server over HTTP, the store on
SQLite, beside a bare python-telegram-bot echo bot polling the same server in the same run.

Every user sends their next message as soon as the answer to the previous one arrives, all users at
once, so the bot is never idle: updates handled per second is its capacity, and the time from an
update pushed to its first answer received (p50, p99) is what a user waits at that load. The baseline is
the echo bot (an `Application` with one `MessageHandler` that answers each message with its text or
caption), given the same users, the same updates of each kind and as many updates at once as Duban
(`bot/processing.py`'s `DEFAULT_MAX_RUNNING`); it runs before and after Duban, and each of Duban's figures
is read as a ratio to the mean of the echo bot's two runs of the same kind.

Telegram's own rate limits (about 30 messages a second overall) are switched off here: with them both
loads would simply run at 30 a second. The loopback server runs in the same process and event loop as
the bots, so its cost is part of every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import resource
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bench.import_ledger import START, UNITS, generate_plan
from bot.app import build_application, polling
from bot.config import Settings
from bot.processing import DEFAULT_MAX_RUNNING
from bot.wiring import build
from ledger.actor import Actor
from ledger.importer import parse_ledger_file
from ledger.roster import parse_roster
from loopback import LoopbackBotApi
from loopback.http import HttpFront
from storage.db import create_db_engine, upgrade

FIRST_USER = 5_000_001
ITEMS = 70
# A tiny valid PNG (1×1): the photo the officers send as evidence.
PHOTO = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
KINDS = ("/my", "/report", "photo", "/help")


@dataclass
class Load:
    """One load of one kind: updates pushed, wall seconds, and each update's wait for its first answer."""

    updates: int = 0
    seconds: float = 0.0
    waits: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.updates / self.seconds

    @property
    def p50(self) -> float:
        return _percentile(self.waits, 50)

    @property
    def p99(self) -> float:
        return _percentile(self.waits, 99)


@dataclass(frozen=True)
class KindFigures:
    """Duban's load of one kind beside the echo bot's two runs of it."""

    kind: str
    duban: Load
    echo: tuple[Load, Load]

    @property
    def rate_ratio(self) -> float:
        """Duban's updates per second as a share of the echo bot's (1: as fast as a bot doing nothing)."""
        return self.duban.rate / statistics.fmean(load.rate for load in self.echo)

    def wait_ratio(self, percent: int) -> float:
        echo = statistics.fmean(_percentile(load.waits, percent) for load in self.echo)
        return _percentile(self.duban.waits, percent) / echo

    def line(self) -> str:
        low, high = sorted(load.rate for load in self.echo)
        return (
            f"  {self.kind:<8} {self.duban.rate:6.0f} updates/s ({self.rate_ratio:4.2f} × echo {low:.0f}–{high:.0f})"
            f"   p50 {self.duban.p50 * 1000:7.1f} ms ({self.wait_ratio(50):4.1f} × echo)"
            f"   p99 {self.duban.p99 * 1000:7.1f} ms ({self.wait_ratio(99):4.1f} × echo)"
        )


def _percentile(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


class Answers:
    """Counts what the bot sent to each chat, and wakes the user waiting for their next answer."""

    def __init__(self, api: LoopbackBotApi) -> None:
        self._api = api
        self._seen = 0
        self._accepted = -1
        self._counts: defaultdict[int, int] = defaultdict(int)
        self._waiting: dict[int, tuple[int, asyncio.Future[float]]] = {}

    def _more_sent(self) -> bool:
        return self._api.stats.sends_accepted != self._accepted

    def count(self, chat_id: int) -> int:
        return self._counts[chat_id]

    def next_answer(self, chat_id: int, before: int) -> asyncio.Future[float]:
        """Resolves with the time (perf_counter) the chat's answer number `before + 1` arrived."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting[chat_id] = (before + 1, future)
        return future

    async def watch(self) -> None:
        while True:
            await self._api.wait_for(self._more_sent, timeout=3600)
            self._accepted = self._api.stats.sends_accepted
            now = time.perf_counter()
            sent = self._api.all_sent()
            for message in sent[self._seen :]:
                self._counts[message.chat_id] += 1
                waiting = self._waiting.get(message.chat_id)
                if waiting is not None and self._counts[message.chat_id] >= waiting[0]:
                    del self._waiting[message.chat_id]
                    waiting[1].set_result(now)
            self._seen = len(sent)


Push = Callable[[LoopbackBotApi], object]


async def run_load(api: LoopbackBotApi, answers: Answers, plan: dict[int, list[Push]]) -> Load:
    load = Load(updates=sum(len(pushes) for pushes in plan.values()))

    async def user(chat_id: int, pushes: list[Push]) -> None:
        for push in pushes:
            answered = answers.next_answer(chat_id, answers.count(chat_id))
            pushed = time.perf_counter()
            push(api)
            load.waits.append(await answered - pushed)

    began = time.perf_counter()
    await asyncio.gather(*(user(chat_id, pushes) for chat_id, pushes in plan.items()))
    load.seconds = time.perf_counter() - began
    return load


def prepare_store(root: Path, users: int) -> tuple[Settings, dict[int, list[str]]]:
    """A migrated SQLite store with a generated plan and `users` bound officers, spread over the units;
    returns the settings and, per user, the numbers of the items their unit is responsible for."""
    url = f"sqlite:///{root / 'duban.db'}"
    engine = create_db_engine(url)
    upgrade(engine)
    engine.dispose()
    settings = Settings(database_url=url, data_dir=root / "data", telegram_token=SecretStr("0:placeholder"))
    plan = root / "plan.txt"
    plan.write_text(generate_plan(ITEMS), encoding="utf-8")
    roster = root / "roster.csv"
    with roster.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["姓名", "单位", "角色", "Telegram ID"])
        for index in range(users):
            writer.writerow([f"官员{index:05d}", UNITS[index % len(UNITS)], "责任人员", FIRST_USER + index])
    services = build(settings).services
    try:
        services.ledger.import_ledger(
            parse_ledger_file(plan, default_start=START), actor=Actor.system("bench"), dry_run=False
        )
        outcome = services.roster.import_roster(
            parse_roster(roster), actor=Actor.system("bench"), dry_run=False
        )
        assert not outcome.errors, outcome.errors
        numbers = {unit: [row.spec.number for row in services.ledger.rows(unit_name=unit)] for unit in UNITS}
    finally:
        services.close()
    return settings, {FIRST_USER + i: numbers[UNITS[i % len(UNITS)]] for i in range(users)}


def plan_of(kind: str, items: dict[int, list[str]], messages: int) -> dict[int, list[Push]]:
    """Each user's `messages` updates of one kind, on the items of their unit in turn."""

    def push(chat_id: int, number: str, step: int) -> Push:
        if kind == "/report":
            return lambda api: api.push_text(chat_id, f"/report {number} 50% 第{step}次报送：已完成现场核查")
        if kind == "photo":
            return lambda api: api.push_photo(chat_id, PHOTO, caption=number)
        return lambda api: api.push_text(chat_id, kind)

    return {
        chat_id: [push(chat_id, numbers[step % len(numbers)], step) for step in range(messages)]
        for chat_id, numbers in items.items()
    }


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(message.text or message.caption or "…")


@asynccontextmanager
async def echo_bot(api: LoopbackBotApi, front: HttpFront) -> AsyncIterator[None]:
    """The baseline: a bare python-telegram-bot bot answering every message with its text, polling the same
    server with the same token, as many updates at once as Duban handles."""
    application = (
        Application.builder()
        .token(api.token)
        .base_url(f"{front.base_url}/bot")
        .base_file_url(f"{front.base_url}/file/bot")
        .concurrent_updates(DEFAULT_MAX_RUNNING)
        .build()
    )
    application.add_handler(MessageHandler(filters.ALL, _echo))
    async with application:
        updater = application.updater
        assert updater is not None
        await updater.start_polling(timeout=1)
        await application.start()
        try:
            yield
        finally:
            await updater.stop()
            await application.stop()


async def _loads(
    bot: AbstractAsyncContextManager[object],
    api: LoopbackBotApi,
    answers: Answers,
    items: dict[int, list[str]],
    messages: int,
) -> dict[str, Load]:
    async with bot:
        return {kind: await run_load(api, answers, plan_of(kind, items, messages)) for kind in KINDS}


async def measure(users: int, messages: int) -> list[KindFigures]:
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        settings, items = prepare_store(Path(folder), users)
        print(
            f"chat load: {users} bound officers × {messages} messages of each kind, {ITEMS}-item ledger on"
            f" SQLite, beside a bare python-telegram-bot echo bot (set up in {time.perf_counter() - began:.1f} s)"
        )
        api = LoopbackBotApi()
        async with HttpFront(api) as front:
            settings = settings.model_copy(
                update={"telegram_token": SecretStr(api.token), "telegram_api_url": front.base_url}
            )
            answers = Answers(api)
            watcher = asyncio.create_task(answers.watch())
            try:
                echo_before = await _loads(echo_bot(api, front), api, answers, items, messages)
                # The tick and the sender are left off: they would write to these chats (the store's
                # day has dispatches due), and their messages would be taken for answers.
                duban_app = build_application(settings, rate_limited=False, scheduled=False)
                duban = await _loads(polling(duban_app, poll_timeout=1), api, answers, items, messages)
                echo_after = await _loads(echo_bot(api, front), api, answers, items, messages)
            finally:
                watcher.cancel()
        figures = [KindFigures(kind, duban[kind], (echo_before[kind], echo_after[kind])) for kind in KINDS]
        for kind in figures:
            print(kind.line())
        print(f"  process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
        return figures


def main(argv: Sequence[str] | None = None) -> list[KindFigures]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=200, help="bound officers, all sending at once")
    parser.add_argument("--messages", type=int, default=5, help="messages of each kind per user")
    args, _ = parser.parse_known_args(argv)
    return asyncio.run(measure(args.users, args.messages))


if __name__ == "__main__":
    main()
