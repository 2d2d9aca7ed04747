"""Where the day's run (`DailyRun.tick`) runs for the job queue: in a process of its own, or in a thread.

The tick is Python at work for seconds on a large ledger. In a thread of the bot's process it holds the
interpreter's lock most of the time, and the event loop, which gives the lock up at every read and write
of the network, waits for it back each time: every chat answer slows down while the tick runs. In a
process of its own (built by the same composition root from the same settings) it shares only the store
with the bot, whose locks it holds a fraction of a second at a time (`services.daily_run`).

A process of its own reads the system clock and the holiday package itself, so the demo and the tests,
which inject a clock or a calendar, run the tick in a thread (`bot.wiring.build` chooses).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.synchronize import Event
from typing import Protocol

from services.daily_run import DailyRun, TickResult


class DayRunner(Protocol):
    async def tick(self) -> TickResult: ...

    def stop(self) -> None:
        """The process is stopping: the run in hand ends after its current transaction; none starts."""

    def close(self) -> None: ...


class ThreadDayRunner:
    """The tick in a worker thread of this process."""

    def __init__(self, daily_run: DailyRun) -> None:
        self._daily_run = daily_run

    async def tick(self) -> TickResult:
        return await asyncio.to_thread(self._daily_run.tick)

    def stop(self) -> None:
        self._daily_run.stop()

    def close(self) -> None:
        """Nothing of its own to close."""


class ProcessDayRunner:
    """The tick in one child process (started at the first tick, kept for the next ones), whose day's run
    `make_run` builds there: a picklable callable (a module-level function, or a partial of one)."""

    def __init__(self, make_run: Callable[[], DailyRun]) -> None:
        self._make_run = make_run
        self._context = multiprocessing.get_context("spawn")  # no copy of this process's threads and loop
        # Made with the child, at the first tick: a process event starts multiprocessing's resource tracker,
        # which a command-line run that never ticks does not need.
        self._stopping: Event | None = None
        self._stopped = False
        self._pool: ProcessPoolExecutor | None = None

    async def tick(self) -> TickResult:
        if self._stopped:
            return TickResult(ran_days=False, stopped=True)
        if self._pool is None:
            if self._stopping is None:
                self._stopping = self._context.Event()
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=self._context,
                initializer=_start_worker,
                initargs=(self._make_run, self._stopping),
            )
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, _tick)
        except BrokenProcessPool:
            # The child died (killed, out of memory): the day goes on from its position in a new one.
            self._pool = None
            raise

    def stop(self) -> None:
        self._stopped = True
        if self._stopping is not None:
            self._stopping.set()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


_worker_run: DailyRun | None = None


def _start_worker(make_run: Callable[[], DailyRun], stopping: Event) -> None:
    """In the child: build the day's run, and stop it once `stopping` is set. The signals that stop the
    bot (Ctrl+C reaches the whole process group) are the parent's to act on: it sets `stopping`. A
    parent that dies without (`kill -9`) takes the child with it: the day goes on at the next start."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _die_with_parent()
    global _worker_run
    daily_run = _worker_run = make_run()

    def stop_when_told() -> None:
        stopping.wait()
        daily_run.stop()

    threading.Thread(target=stop_when_told, name="day-run-stop", daemon=True).start()


def _die_with_parent() -> None:
    """Exit at once when the process that started this one ends: a thread waits on its sentinel (no
    polling, on every platform); the transaction in hand is rolled back by the store."""
    parent = multiprocessing.parent_process()
    assert parent is not None, "the day's run process is started by the bot's"

    def watch() -> None:
        parent.join()
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _tick() -> TickResult:
    assert _worker_run is not None, "the worker was not started"
    return _worker_run.tick()
