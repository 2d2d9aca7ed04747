"""A busy day: a real `duban run` (a child process, polling the loopback Bot API server over HTTP) on a
province-sized store, started on a dispatch day, so that its first tick asks every open item for progress;
meanwhile officers send `/report` and `/help` and wait for each answer. Then a second run on a fresh copy
of the store is sent SIGTERM in the middle of its tick, and a third finishes the day it left.

Printed: the tick's length (from the bot's start until the day is marked done in the store), the answers'
waits during the tick (p50, p99, max; how many said the store was busy), the time from SIGTERM to the
process's exit, and how long the resumed day took.

The store is the tick bench's (`bench.tick.build_store`), moved in time so that its dispatch day is today
(on schedule but for one item in 200). Its rules are set so that the run is a dispatch day (a dispatch day of the month in each of the last seven days, so the latest working one falls due
today) and so that the quiet hours cover the run: the day's own messages wait for the morning in the
outbox, and every message an officer receives during the run is an answer to what they sent.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from bench.chat_load import Answers
from bench.tick import DISPATCH_DAY, FIRST_USER, PEOPLE_PER_UNIT, build_store
from bot.config import DEFAULT_TIMEZONE
from loopback import LoopbackBotApi
from loopback.http import HttpFront
from services.office import LAST_DAY, RULES, TICK_POSITION
from storage.db import create_db_engine
from storage.scheduling import SchedulerSetting

TZ = ZoneInfo(DEFAULT_TIMEZONE)
OFFICER_SEATS = (1, 2)  # of the five people of each unit: the bench store's officers
BUSY = "系统正忙"  # how the answer of a store busy too long begins (`errors/store_busy`)


@dataclass
class Waits:
    """Each answer's wait, and how many of them said the store was busy."""

    seconds: list[float] = field(default_factory=list)
    busy: int = 0

    def line(self, label: str) -> str:
        if not self.seconds:
            return f"  {label:<10} no answer during the tick"
        ranked = (
            statistics.quantiles(self.seconds, n=100, method="inclusive") if len(self.seconds) > 1 else None
        )
        p50, p99 = (ranked[49], ranked[98]) if ranked else (self.seconds[0], self.seconds[0])
        return (
            f"  {label:<10} {len(self.seconds):5} answers   p50 {p50 * 1000:7.1f} ms   p99 {p99 * 1000:7.1f} ms"
            f"   max {max(self.seconds) * 1000:7.1f} ms   busy {self.busy}"
        )


def prepare(path: Path, items: int, people: int, now: datetime) -> None:
    """The bench store moved to today, whose rules make today a dispatch day and the next hours quiet."""
    url = f"sqlite:///{path}"
    local = now.astimezone(TZ)
    today = local.date()
    build_store(url, items, people, shift=today - DISPATCH_DAY)
    rules = {
        "dispatch_days": sorted({(today - timedelta(days=n)).day for n in range(7)}),
        "quiet_start": (local - timedelta(hours=1)).strftime("%H:%M"),
        "quiet_end": (local + timedelta(hours=4)).strftime("%H:%M"),
    }
    engine = create_db_engine(url)
    with engine.begin() as connection:
        connection.execute(
            insert(SchedulerSetting),
            [
                {"key": LAST_DAY, "value": (today - timedelta(days=7)).isoformat()},
                {"key": RULES, "value": rules},
            ],
        )
    engine.dispose()


def setting(path: Path, key: str) -> object:
    engine = create_db_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            return connection.scalar(select(SchedulerSetting.value).where(SchedulerSetting.key == key))
    finally:
        engine.dispose()


def start_bot(path: Path, data: Path, api: LoopbackBotApi, front: HttpFront) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DUBAN_DATABASE_URL": f"sqlite:///{path}",
        "DUBAN_DATA_DIR": str(data),
        "DUBAN_TELEGRAM_TOKEN": api.token,
        "DUBAN_TELEGRAM_API_URL": front.base_url,
    }
    # Its log to a file: a pipe nobody reads would fill and stop the bot at its next log line.
    with (data.parent / f"{data.name}.log").open("ab") as log:
        return subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, stdout=log, stderr=log)


async def until(predicate: Callable[[], bool], timeout: float, step: float = 0.2) -> float:  # noqa: ASYNC109
    """Wait until `predicate()` holds (read from the store: nothing wakes us when it changes); the
    seconds it took."""
    began = time.perf_counter()
    while not predicate():
        if time.perf_counter() - began > timeout:
            raise TimeoutError("the bot did not get there in time")
        await asyncio.sleep(step)
    return time.perf_counter() - began


def officers(people: int, count: int) -> dict[int, str]:
    """`count` officers of the bench store spread over its units: Telegram id → the number of an item
    their unit is responsible for (`build_store`: item n's responsible unit is 1 + n % units)."""
    units = max(2, people // PEOPLE_PER_UNIT)
    seats = [p for p in range(1, people + 1) if (p - 1) % PEOPLE_PER_UNIT + 1 in OFFICER_SEATS]
    chosen = seats[:: max(1, len(seats) // count)][:count]
    result = {}
    for p in chosen:
        unit = 1 + ((p - 1) // PEOPLE_PER_UNIT) % units
        result[FIRST_USER + p] = str(unit - 1 if unit > 1 else units)
    return result


async def chat_during(
    api: LoopbackBotApi,
    answers: Answers,
    users: dict[int, str],
    day_done: Callable[[], bool],
    think: float,
) -> dict[str, Waits]:
    """Each user sends `/report` and `/help` in turn while the tick runs: the next one `think` seconds
    after the answer to the previous one (as a person reads it); whatever else the answer brought comes
    in meanwhile and is looked at for the store's "busy"."""
    waits = {"/report": Waits(), "/help": Waits()}

    async def user(chat_id: int, number: str) -> None:
        step = 0
        while not day_done():
            kind = "/report" if step % 2 == 0 else "/help"
            text = f"/report {number} 50% 忙日第{step}次报送" if kind == "/report" else "/help"
            before = answers.count(chat_id)
            answered = answers.next_answer(chat_id, before)
            pushed = time.perf_counter()
            api.push_text(chat_id, text)
            arrived = await asyncio.wait_for(answered, timeout=120)
            waits[kind].seconds.append(arrived - pushed)
            await asyncio.sleep(think)
            if any((message.text or "").startswith(BUSY) for message in api.sent(chat_id)[before:]):
                waits[kind].busy += 1
            step += 1

    await asyncio.gather(*(user(chat_id, number) for chat_id, number in users.items()))
    return waits


async def measure(items: int, people: int, users: int, think: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        store = root / "store.db"
        began = time.perf_counter()
        prepare(store, items, people, datetime.now(TZ))
        print(
            f"busy day: `duban run` on {items} open items, {people} bound people (SQLite), a dispatch day;"
            f" {users} officers chatting during the tick, {think} s between an answer and their next message"
            f" (store built in {time.perf_counter() - began:.0f} s)"
        )
        today = datetime.now(TZ).date().isoformat()
        api = LoopbackBotApi()
        async with HttpFront(api) as front:
            answers = Answers(api)
            watcher = asyncio.create_task(answers.watch())
            try:
                await _chatting_run(root, store, today, api, front, answers, officers(people, users), think)
                await _stopped_run(root, store, today, api, front)
            finally:
                watcher.cancel()


async def _chatting_run(
    root: Path,
    store: Path,
    today: str,
    api: LoopbackBotApi,
    front: HttpFront,
    answers: Answers,
    users: dict[int, str],
    think: float,
) -> None:
    copy = root / "chatting.db"
    shutil.copyfile(store, copy)

    def day_done() -> bool:
        return setting(copy, LAST_DAY) == today

    bot = start_bot(copy, root / "data-chat", api, front)
    started = time.perf_counter()
    try:
        await api.wait_polling(timeout=120)
        waits = await chat_during(api, answers, users, day_done, think)
        await until(day_done, timeout=3600)
        tick = time.perf_counter() - started
        print(f"  the day's run (the bot's start to the day done): {tick:.1f} s")
        for kind, figures in waits.items():
            print(figures.line(kind))
    finally:
        await _stop(bot)


async def _stopped_run(root: Path, store: Path, today: str, api: LoopbackBotApi, front: HttpFront) -> None:
    copy = root / "stopped.db"
    shutil.copyfile(store, copy)

    def mid_tick() -> bool:
        position = setting(copy, TICK_POSITION)
        return isinstance(position, dict) and position.get("dispatched_through") is not None

    bot = start_bot(copy, root / "data-stop", api, front)
    await until(mid_tick, timeout=3600, step=0.05)
    seconds = await _stop(bot)
    position = setting(copy, TICK_POSITION)
    assert isinstance(position, dict)
    print(
        f"  SIGTERM in the middle of the tick: the bot exited in {seconds:.2f} s (exit code {bot.returncode}),"
        f" the day {'done' if setting(copy, LAST_DAY) == today else 'not done'}, steps done {position['done']}"
    )
    resumed = start_bot(copy, root / "data-stop", api, front)
    try:
        took = await until(lambda: setting(copy, LAST_DAY) == today, timeout=3600)
        print(f"  restarted: the day completed {took:.1f} s after the start")
    finally:
        await _stop(resumed)


async def _stop(bot: subprocess.Popen[bytes]) -> float:
    """SIGTERM, then the seconds until the process exited."""
    if bot.poll() is not None:
        return 0.0
    sent = time.perf_counter()
    bot.send_signal(signal.SIGTERM)
    await asyncio.to_thread(bot.wait)
    return time.perf_counter() - sent


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=20, help="officers chatting during the tick")
    parser.add_argument(
        "--think", type=float, default=1.0, help="seconds between an answer and the next message"
    )
    args, _ = parser.parse_known_args(argv)
    asyncio.run(measure(args.items, args.people, args.users, args.think))


if __name__ == "__main__":
    main()
