"""Chat load: bound officers each send a series of messages (`/my`, `/report N 50% …`, a photo captioned
`N`) to the real application polling the loopback Bot API server, the store on SQLite.

Every user sends their next message as soon as the answer to the previous one arrives, all users at
once, so the bot is never idle: updates handled per second is its capacity, and the time from an
update pushed to its first answer received (p50, p99) is what a user waits at that load. The baseline,
measured in the same run on the same store, is the same load of `/help`, which touches the store only
to resolve the viewer; the figures are read as ratios to it.

Telegram's own rate limits (about 30 messages a second overall) are switched off here: with them both
loads would simply run at 30 a second. The loopback server runs in the same process and event loop as
the bot, so its cost is part of both figures.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr

from bench.import_ledger import START, UNITS, generate_plan
from bot.app import build_application, polling
from bot.config import Settings
from bot.wiring import build
from handlers import FEATURES
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
# The feature module that handles each kind of message.
FEATURE_OF = {"my": "items", "report": "report", "photo": "evidence"}


@dataclass(frozen=True)
class Send:
    kind: str
    push: Callable[[LoopbackBotApi], object]


@dataclass
class Load:
    """One load: updates pushed, wall seconds, and each update's wait for its first answer, by kind."""

    updates: int = 0
    seconds: float = 0.0
    waits: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    @property
    def rate(self) -> float:
        return self.updates / self.seconds

    def all_waits(self) -> list[float]:
        return [wait for waits in self.waits.values() for wait in waits]

    def lines(self, label: str, baseline: Load | None) -> list[str]:
        out = [_line(label, self.rate, self.all_waits(), baseline)]
        if len(self.waits) > 1:
            out += [_line(f"  of which {kind}", None, waits, baseline) for kind, waits in self.waits.items()]
        return out


def _line(label: str, rate: float | None, waits: list[float], baseline: Load | None) -> str:
    p50, p99 = _percentile(waits, 50), _percentile(waits, 99)
    text = f"  {label:<30} {f'{rate:6.0f} updates/s' if rate else '':>16}   p50 {p50 * 1000:7.1f} ms   p99 {p99 * 1000:7.1f} ms"
    if baseline is not None:
        base = baseline.all_waits()
        text += f"   p50 {p50 / _percentile(base, 50):4.1f} ×  p99 {p99 / _percentile(base, 99):4.1f} ×"
        if rate:
            text += f"  time per update {baseline.rate / rate:4.1f} × baseline"
    return text


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


async def run_load(api: LoopbackBotApi, answers: Answers, plan: dict[int, list[Send]]) -> Load:
    load = Load(updates=sum(len(sends) for sends in plan.values()))

    async def user(chat_id: int, sends: list[Send]) -> None:
        for send in sends:
            answered = answers.next_answer(chat_id, answers.count(chat_id))
            pushed = time.perf_counter()
            send.push(api)
            load.waits[send.kind].append(await answered - pushed)

    began = time.perf_counter()
    await asyncio.gather(*(user(chat_id, sends) for chat_id, sends in plan.items()))
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


def available() -> list[str]:
    """The kinds of message whose feature module is registered (other engineers are adding them)."""
    registered = {feature.__name__ for feature in FEATURES}
    return [kind for kind, module in FEATURE_OF.items() if f"handlers.{module}" in registered]


def mixed_plan(items: dict[int, list[str]], messages: int, kinds: list[str]) -> dict[int, list[Send]]:
    def send(chat_id: int, kind: str, number: str, step: int) -> Send:
        if kind == "my":
            return Send(kind, lambda api: api.push_text(chat_id, "/my"))
        if kind == "report":
            return Send(
                kind,
                lambda api: api.push_text(chat_id, f"/report {number} 50% 第{step}次报送：已完成现场核查"),
            )
        return Send(kind, lambda api: api.push_photo(chat_id, PHOTO, caption=number))

    return {
        chat_id: [
            send(chat_id, kinds[step % len(kinds)], numbers[step % len(numbers)], step)
            for step in range(messages)
        ]
        for chat_id, numbers in items.items()
    }


def help_plan(items: dict[int, list[str]], messages: int) -> dict[int, list[Send]]:
    return {
        chat_id: [Send("help", lambda api, c=chat_id: api.push_text(c, "/help"))] * messages
        for chat_id in items
    }


async def measure(users: int, messages: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        settings, items = prepare_store(Path(folder), users)
        print(
            f"chat load: {users} bound officers × {messages} messages, {ITEMS}-item ledger on SQLite"
            f" (set up in {time.perf_counter() - began:.1f} s)"
        )
        api = LoopbackBotApi()
        async with HttpFront(api) as front:
            settings = settings.model_copy(
                update={"telegram_token": SecretStr(api.token), "telegram_api_url": front.base_url}
            )
            application = build_application(settings, rate_limited=False)
            kinds = available()
            for missing in sorted(set(FEATURE_OF) - set(kinds)):
                print(f"  note: no handler for {missing!r} yet: left out of the mixed load")
            answers = Answers(api)
            watcher = asyncio.create_task(answers.watch())
            try:
                async with polling(application, poll_timeout=1):
                    baseline = await run_load(api, answers, help_plan(items, messages))
                    print("\n".join(baseline.lines("baseline: /help", None)))
                    if kinds:
                        mixed = await run_load(api, answers, mixed_plan(items, messages, kinds))
                        print("\n".join(mixed.lines(f"mixed: {', '.join(kinds)}", baseline)))
            finally:
                watcher.cancel()
        print(f"  process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    # The load is 2,000 users; at this bot's rate that takes about 8 minutes on 2 cores.
    parser.add_argument("--users", type=int, default=400, help="bound officers, all sending at once")
    parser.add_argument("--messages", type=int, default=10, help="messages per user")
    args, _ = parser.parse_known_args()
    asyncio.run(measure(args.users, args.messages))


if __name__ == "__main__":
    main()
