"""The scheduler's tick over a large ledger, against the naive design of one APScheduler job per reminder.

The store (a SQLite file, or with `--postgres` a database of a PostgreSQL server; built with Core bulk
inserts): `--items` open items (one target each, deadlines spread
over the two years after the measured days, on schedule but for one in 200, which is behind and already
at the blue level), `--people` bound people in units of five (two officers, a leader, two supervisors),
each item with one responsible and one supervising unit. Measured on fresh copies of that store:

1. the tick on a day with no dispatch: only the items whose reminders fall due should be touched;
2. the tick on a dispatch day: every open item is asked for progress, so it grows with the ledger;
3. a minute tick once the day has run: it finds the day done.

The baseline, in the same run: APScheduler 3.11 with a MemoryJobStore and one `date` job per future
reminder of every item (six per item, the dates computed beforehand and not timed): the time and memory
to add them, and the time for the job store to find the jobs due at the same instant.

Each step runs in a forked child, twice: once timed (peak RSS growth over the step from the kernel's
high-water mark, reset before it), once under tracemalloc for the peak traced memory (tracing slows
Python down). The SQL statements each step sends are counted, to catch per-item queries.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import resource
import shutil
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Connection, Engine, create_engine, event, insert, make_url, text
from sqlalchemy.pool import NullPool

from bot.config import Settings
from bot.wiring import Overrides, build
from ledger.clock import ManualClock
from ledger.model import Role, UnitRole
from scheduler.calendar import WorkCalendar, package_working_day
from scheduler.rules import Level, Rules, reminder_day
from services.daily_run import TickResult
from services.office import LAST_DAY
from storage.db import create_db_engine, upgrade
from storage.models import Item, ItemTarget, ItemUnit, Person, RoleAssignment, Unit
from storage.scheduling import ItemLadder, SchedulerSetting

TZ = ZoneInfo("Asia/Shanghai")
QUIET_DAY = date(2026, 3, 10)  # a Tuesday: no dispatch (those are 2 and 16 March)
DISPATCH_DAY = date(2026, 3, 16)
START = date(2026, 1, 5)
FIRST_USER = 6_000_001
PEOPLE_PER_UNIT = 5
UNIT_ROLES = (Role.OFFICER, Role.OFFICER, Role.LEADER, Role.SUPERVISOR, Role.SUPERVISOR)
BEHIND_EVERY = 200
MiB = 2**20


def at(day: date, hour: int = 0, minute: int = 5) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ).astimezone(UTC)


def deadline_of(n: int, items: int) -> date:
    """Deadlines spread evenly over the two years after the quiet day."""
    return QUIET_DAY + timedelta(days=1 + (n * 730) // items)


def on_schedule_percent(deadline: date) -> int:
    """The share of time elapsed at the dispatch day: on schedule on both measured days."""
    return min(100, math.ceil(100 * (DISPATCH_DAY - START).days / (deadline - START).days))


def build_store(url: str, items: int, people: int, shift: timedelta = timedelta(0)) -> None:
    """A migrated store of `items` open items and `people` bound people, written with Core bulk inserts;
    `shift`: every date of it moved by that much (the busy-day bench moves it so that its dispatch day is
    today)."""
    engine = create_db_engine(url)
    upgrade(engine)
    now = at(START + shift)
    units = max(2, people // PEOPLE_PER_UNIT)
    behind = range(BEHIND_EVERY, items + 1, BEHIND_EVERY)
    with engine.begin() as connection:
        connection.execute(
            insert(Unit), [{"id": u, "name": f"单位{u:05d}", "created_at": now} for u in range(1, units + 1)]
        )
        connection.execute(
            insert(Person),
            [
                {"id": p, "name": f"人员{p:05d}", "telegram_user_id": FIRST_USER + p, "locale": "zh_CN",
                 "active": True, "bound_at": now, "created_at": now}
                for p in range(1, people + 1)
            ],
        )  # fmt: skip
        connection.execute(
            insert(RoleAssignment),
            [
                {"person_id": p, "role": UNIT_ROLES[(p - 1) % PEOPLE_PER_UNIT],
                 "unit_id": 1 + ((p - 1) // PEOPLE_PER_UNIT) % units}
                for p in range(1, people + 1)
            ] + [{"person_id": 1, "role": Role.ADMIN, "unit_id": None}],
        )  # fmt: skip
        connection.execute(insert(Item), [item_row(n, items, now, shift) for n in range(1, items + 1)])
        connection.execute(
            insert(ItemTarget),
            [
                {
                    "item_id": n,
                    "position": 0,
                    "text": f"完成第{n}项整改",
                    "deadline": deadline_of(n, items) + shift,
                }
                for n in range(1, items + 1)
            ],
        )
        connection.execute(
            insert(ItemUnit),
            [
                {"item_id": n, "unit_id": unit, "role": role, "position": 0}
                for n in range(1, items + 1)
                for unit, role in (
                    (1 + n % units, UnitRole.RESPONSIBLE),
                    (1 + (n * 7 + units // 2) % units, UnitRole.SUPERVISING),
                )
            ],
        )
        # Items long behind schedule are already at the blue level: the ladder looks at them every day.
        ladders = [
            {
                "item_id": n,
                "level": int(Level.BLUE),
                "since": START + shift + timedelta(days=7),
                "yellow_count": 0,
            }
            for n in behind
        ]
        if ladders:  # an empty list would insert one row of defaults
            connection.execute(insert(ItemLadder), ladders)
    engine.dispose()


def item_row(n: int, items: int, now: datetime, shift: timedelta) -> dict[str, Any]:
    """One item: on schedule, or (one in BEHIND_EVERY) not started at all and so behind."""
    deadline = deadline_of(n, items)
    behind = n % BEHIND_EVERY == 0
    return {
        "id": n, "number": str(n), "sort_key": f"{n:07d}", "title": f"第{n}项整改事项",
        "problem": f"第{n}个问题的描述。", "start_date": START + shift, "deadline": deadline + shift,
        "continuing": False, "percent": 0 if behind else on_schedule_percent(deadline),
        "created_at": now, "updated_at": now,
    }  # fmt: skip


@dataclass(frozen=True)
class Figures:
    seconds: float
    rss_mib: float
    traced_mib: float
    queries: int
    detail: str


Step = Callable[[], Callable[[], str]]


def count_queries(engine: Engine) -> list[int]:
    counter = [0]

    def count(*_args: object) -> None:
        counter[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    return counter


def _rss_mib(field: str) -> float:
    """VmRSS or VmHWM of this process (Linux), in MiB; 0 where /proc is missing."""
    status = Path("/proc/self/status")
    if not status.exists():
        return 0.0
    for line in status.read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _reset_peak_rss() -> None:
    clear = Path("/proc/self/clear_refs")
    if clear.exists():
        clear.write_text("5")  # resets VmHWM to the current RSS


def _child(step: Step, traced: bool, out: Pipe) -> None:
    run = step()
    if traced:
        tracemalloc.start()
    _reset_peak_rss()
    before = _rss_mib("VmRSS")
    began = time.perf_counter()
    detail = run()
    seconds = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1] / MiB if traced else 0.0
    out.send((seconds, _rss_mib("VmHWM") - before, peak, detail))
    out.close()


def _forked(step: Step, traced: bool) -> tuple[float, float, float, str]:
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(step, traced, send))
    child.start()
    send.close()
    try:
        result: tuple[float, float, float, str] = receive.recv()
    except EOFError:
        raise RuntimeError(
            f"the measured step failed in its child process (exit code {child.exitcode})"
        ) from None
    finally:
        child.join()
    return result


def measure(label: str, step: Step, baseline: Figures | None = None) -> Figures:
    """Time and peak RSS of one run, peak traced memory of another, each in a fresh child process."""
    seconds, rss, _, detail = _forked(step, traced=False)
    _, _, traced, _ = _forked(step, traced=True)
    queries, _, text = detail.partition(" ")
    figures = Figures(seconds, rss, traced, int(queries), text)
    ratio = f"{seconds / baseline.seconds:7.2f} ×" if baseline else "      1 ×"
    memory = f"{traced / baseline.traced_mib:6.2f} ×" if baseline else "     1 ×"
    print(
        f"  {label:<44} {duration(seconds)} {ratio}   peak {traced:7.1f} MiB {memory}   RSS +{rss:7.1f} MiB"
        f"   {figures.queries:>6} queries   {text}"
    )
    return figures


def duration(seconds: float) -> str:
    return f"{seconds:8.3f} s " if seconds >= 1 else f"{seconds * 1000:8.2f} ms"


class SqliteStores:
    """The prepared store as a SQLite file; each copy a copy of the file."""

    name = "SQLite"

    def __init__(self, root: Path) -> None:
        self._root = root
        self._store = root / "store.db"

    def build(self, items: int, people: int) -> str:
        build_store(f"sqlite:///{self._store}", items, people)
        return f"{self._store.stat().st_size / MiB:.0f} MiB"

    def copy(self) -> str:
        path = self._root / f"copy-{os.getpid()}.db"  # each run is its own child process
        shutil.copyfile(self._store, path)
        return f"sqlite:///{path}"

    def close(self) -> None:
        """Nothing to do: the files go with the temporary folder."""


class PostgresStores:
    """The prepared store as a database of a PostgreSQL server; each copy a database made from it as a
    template (a file copy on the server). `server`: a URL of the server whose user may create databases."""

    name = "PostgreSQL"
    PREFIX = "duban_bench_tick"

    def __init__(self, server: str) -> None:
        self._server = make_url(server)
        self._drop_all()

    def _admin(self) -> Connection:
        """A connection to the server outside any transaction, of this process (each step is a fork)."""
        engine = create_engine(self._server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        return engine.connect()

    def _url(self, database: str) -> str:
        return self._server.set(database=database).render_as_string(hide_password=False)

    def _drop_all(self) -> None:
        with self._admin() as connection:
            names = connection.scalars(
                text("SELECT datname FROM pg_database WHERE datname LIKE :prefix"),
                {"prefix": f"{self.PREFIX}%"},
            ).all()
            for name in names:
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))

    def build(self, items: int, people: int) -> str:
        with self._admin() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.PREFIX}"'))
        build_store(self._url(self.PREFIX), items, people)
        with self._admin() as connection:
            size = connection.scalar(text("SELECT pg_database_size(:name)"), {"name": self.PREFIX})
        return f"{(size or 0) / MiB:.0f} MiB"

    def copy(self) -> str:
        name = f"{self.PREFIX}_{os.getpid()}"
        with self._admin() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.PREFIX}"'))
        return self._url(name)

    def close(self) -> None:
        self._drop_all()


class TickBench:
    """Fresh copies of one prepared store, each ticked at a chosen instant."""

    def __init__(self, root: Path, stores: SqliteStores | PostgresStores) -> None:
        self._root = root
        self._stores = stores

    def copy(self, last_day: date) -> str:
        """A fresh copy of the store whose rules last ran on `last_day`."""
        url = self._stores.copy()
        engine = create_db_engine(url)
        with engine.begin() as connection:
            connection.execute(insert(SchedulerSetting), [{"key": LAST_DAY, "value": last_day.isoformat()}])
        engine.dispose()
        return url

    def tick(self, last_day: date, instant: datetime, *, first: datetime | None = None) -> Step:
        """A step: the tick at `instant` on a fresh copy (after an untimed tick at `first`, when given)."""

        def prepare() -> Callable[[], str]:
            clock = ManualClock(first or instant)
            # Wired by the composition root, as `duban run` wires it: the daily rules (complaints, sign-off
            # inspections, spot-checks, the supervisors' digests) run in the measured tick too.
            settings = Settings(database_url=self.copy(last_day), data_dir=self._root / "data")
            services = build(settings, Overrides(clock=clock)).services
            if first is not None:
                services.daily_run.tick()
            clock.set(instant)
            queries = count_queries(services.engine)

            def run() -> str:
                result = services.daily_run.tick()
                return f"{queries[0]} {describe(result)}"

            return run

        return prepare


def describe(result: TickResult) -> str:
    if not result.ran_days:
        return "day already done"
    return (
        f"{result.queued} queued ({result.reminders} items reminded, {result.dispatches} asked,"
        f" {result.escalations} climbed)"
    )


def reminder_runs(items: int, after: datetime) -> list[tuple[int, int, datetime]]:
    """(item, offset, run time) of every reminder after `after`: what the naive design schedules."""
    calendar = WorkCalendar(source=lru_cache(maxsize=None)(package_working_day))
    runs = []
    for n in range(1, items + 1):
        for offset in Rules().reminder_offsets:
            day = reminder_day(deadline_of(n, items), offset, calendar)
            run = at(day)
            if run > after:
                runs.append((n, offset, run))
    return runs


def remind(item_id: int, offset: int) -> None:
    """The job each reminder would run in the naive design (never called here)."""


def naive_build(runs: Sequence[tuple[int, int, datetime]]) -> Step:
    def prepare() -> Callable[[], str]:
        def run() -> str:
            scheduler = BackgroundScheduler(jobstores={"default": MemoryJobStore()}, timezone=TZ)
            for item_id, offset, when in runs:
                scheduler.add_job(
                    remind, "date", run_date=when, args=(item_id, offset), id=f"rem:{item_id}:{offset}"
                )
            scheduler.start(paused=True)  # the pending jobs go into the job store
            jobs = len(scheduler.get_jobs())
            scheduler.shutdown(wait=False)
            return f"0 {jobs} jobs"

        return run

    return prepare


def naive_due(runs: Sequence[tuple[int, int, datetime]], instant: datetime) -> Step:
    def prepare() -> Callable[[], str]:
        store = MemoryJobStore()
        scheduler = BackgroundScheduler(jobstores={"default": store}, timezone=TZ)
        for item_id, offset, when in runs:
            scheduler.add_job(
                remind, "date", run_date=when, args=(item_id, offset), id=f"rem:{item_id}:{offset}"
            )
        scheduler.start(paused=True)

        def run() -> str:
            due = store.get_due_jobs(instant)
            return f"0 {len(due)} jobs due"

        return run

    return prepare


@dataclass(frozen=True)
class TickFigures:
    baseline_build: Figures
    baseline_due: Figures
    quiet_day: Figures
    dispatch_day: Figures
    minute: Figures


def run(items: int, people: int, postgres: str | None = None) -> TickFigures:
    """The figures on a SQLite file, or (`postgres`: a server URL) on databases of a PostgreSQL server."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        stores = PostgresStores(postgres) if postgres else SqliteStores(root)
        try:
            return _run(root, stores, items, people)
        finally:
            stores.close()


def _run(root: Path, stores: SqliteStores | PostgresStores, items: int, people: int) -> TickFigures:
    began = time.perf_counter()
    size = stores.build(items, people)
    print(
        f"scheduler tick: {items} open items, {people} bound people, {stores.name} ({size},"
        f" built in {time.perf_counter() - began:.1f} s); forked child per run, tracemalloc in a second one"
    )
    runs = reminder_runs(items, at(QUIET_DAY - timedelta(days=1)))
    quiet = at(QUIET_DAY)
    build = measure(f"baseline: add {len(runs)} APScheduler date jobs", naive_build(runs))
    due = measure("baseline: job store finds the due jobs", naive_due(runs, quiet))
    bench = TickBench(root, stores)
    before_quiet = QUIET_DAY - timedelta(days=1)
    quiet_day = measure("tick, day without dispatch", bench.tick(before_quiet, quiet), build)
    dispatch_day = measure(
        "tick, dispatch day (every open item asked)",
        bench.tick(DISPATCH_DAY - timedelta(days=1), at(DISPATCH_DAY)),
        build,
    )
    minute = measure(
        "tick, a minute later (day already run)",
        bench.tick(before_quiet, quiet + timedelta(minutes=1), first=quiet),
        due,
    )
    print(
        "  ratios: the ticks against building the naive scheduler; the minute tick against its"
        f" job store finding what is due. Process max RSS"
        f" {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB (parent)"
    )
    return TickFigures(build, due, quiet_day, dispatch_day, minute)


def main(argv: Sequence[str] | None = None) -> TickFigures:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="a PostgreSQL server (its user may create databases) instead of a SQLite file,"
        " e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    )
    args, _ = parser.parse_known_args(argv)
    return run(args.items, args.people, args.postgres)


if __name__ == "__main__":
    main()
