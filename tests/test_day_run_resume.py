"""The day's run in bounded transactions: stopped between two of them, or killed inside one, the next run
completes the day, and the day then holds exactly what one uninterrupted run stores: every message once,
every dispatch once, nothing lost.

The ledger is the bench's (`bench.tick.build_store`), on a dispatch day, with the dispatches in chunks of a
few items, so the run goes through many transactions; the reference is an uninterrupted run on a copy of
the same store at the same instant.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from bench import tick as ledger
from bot.config import Settings
from bot.day_runner import ProcessDayRunner
from bot.wiring import Overrides, build, day_run_of
from ledger.clock import ManualClock
from services.container import Services
from services.daily_run import TickResult
from services.office import LAST_DAY, TICK_POSITION
from storage import setting_queries
from storage.scheduling import DispatchRequest, Escalation, OutboxMessage
from tests.conftest import POSTGRES_URL, postgres_schema

ITEMS = 120
PEOPLE = 20  # four units of five: two officers, a leader, two supervisors each
CHUNK = 7  # items per transaction of the dispatches: eighteen of them
INSTANT = ledger.at(ledger.DISPATCH_DAY, 0, 5)


@dataclass(frozen=True)
class DayRecord:
    """What a day's run stored: the outbox (key → kind, text, person), the dispatches, the escalations."""

    outbox: dict[str, tuple[str, str, int | None]]
    dispatches: list[tuple[int, str, bool]]
    escalations: list[tuple[int, int, str]]
    last_day: str | None


def services_of(url: str, data_dir: Path, *, chunk: int = CHUNK, instant: datetime = INSTANT) -> Services:
    settings = Settings(database_url=url, data_dir=data_dir)
    overrides = Overrides(clock=ManualClock(instant), tick_chunk_items=chunk)
    return build(settings, overrides).services


def record_of(services: Services) -> DayRecord:
    with services.office.sessions() as session:
        outbox = {
            row.key: (row.kind, row.text, row.person_id)
            for row in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        }
        dispatches = sorted(
            (row.item_id, row.asked_on.isoformat(), row.missed)
            for row in session.scalars(select(DispatchRequest))
        )
        escalations = sorted(
            (row.item_id, row.level, row.reason) for row in session.scalars(select(Escalation))
        )
        return DayRecord(outbox, dispatches, escalations, setting_queries.setting(session, LAST_DAY))


def prepared_store(tmp_path: Path) -> Path:
    path = tmp_path / "store.db"
    ledger.build_store(f"sqlite:///{path}", ITEMS, PEOPLE)
    services = services_of(f"sqlite:///{path}", tmp_path / "data")
    with services.office.sessions() as session, session.begin():
        setting_queries.set_setting(session, LAST_DAY, (ledger.DISPATCH_DAY - timedelta(days=1)).isoformat())
    services.close()
    return path


def reference(tmp_path: Path, store: Path) -> DayRecord:
    """The day as one uninterrupted run stores it, with one transaction for all the dispatches."""
    copy = tmp_path / "reference.db"
    shutil.copyfile(store, copy)
    services = services_of(f"sqlite:///{copy}", tmp_path / "data", chunk=ITEMS)
    result = services.daily_run.tick()
    assert result.ran_days
    assert not result.stopped
    assert result.dispatches == ITEMS
    day = record_of(services)
    services.close()
    return day


def stop_after_commits(services: Services, commits: int) -> None:
    """Ask the run to stop once `commits` transactions are committed (as SIGTERM does, from outside)."""
    count = 0

    def committed(_connection: Any) -> None:
        nonlocal count
        count += 1
        if count == commits:
            services.daily_run.stop()

    event.listen(services.engine, "commit", committed)


def test_a_stopped_run_leaves_the_day_open_and_the_next_run_completes_it_once(tmp_path: Path) -> None:
    store = prepared_store(tmp_path)
    expected = reference(tmp_path, store)
    url = f"sqlite:///{store}"
    first = services_of(url, tmp_path / "data")
    stop_after_commits(first, 4)  # the reminders, then three chunks of dispatches
    stopped = first.daily_run.tick()
    assert stopped.stopped
    assert stopped.dispatches == 3 * CHUNK
    assert first.daily_run.tick().ran_days is False  # a stopping process runs no more
    partial = record_of(first)
    first.close()
    assert partial.last_day != ledger.DISPATCH_DAY.isoformat()  # the day is not done
    assert 0 < len(partial.outbox) < len(expected.outbox)
    assert set(partial.outbox.items()) <= set(expected.outbox.items())

    second = services_of(url, tmp_path / "data", instant=INSTANT + timedelta(minutes=1))
    rest = second.daily_run.tick()
    assert rest.ran_days
    assert not rest.stopped
    assert rest.dispatches == ITEMS - 3 * CHUNK  # it went on where the first stopped
    assert rest.queued == len(expected.outbox) - len(partial.outbox)
    assert record_of(second) == expected
    assert second.daily_run.tick().ran_days is False
    second.close()


def test_a_stop_ends_the_pause_between_two_transactions(tmp_path: Path) -> None:
    """The run gives way after each transaction (SQLite's polling writers); a stop asked meanwhile ends the
    pause at once: SIGTERM never waits for it."""
    store = prepared_store(tmp_path)
    settings = Settings(database_url=f"sqlite:///{store}", data_dir=tmp_path / "data")
    overrides = Overrides(clock=ManualClock(INSTANT), tick_chunk_items=CHUNK, tick_give_way=600.0)
    services = build(settings, overrides).services
    first_committed = threading.Event()
    event.listen(services.engine, "commit", lambda _connection: first_committed.set())
    results: list[TickResult] = []
    run = threading.Thread(target=lambda: results.append(services.daily_run.tick()))
    run.start()
    assert first_committed.wait(timeout=60)  # the reminders are stored: the run pauses now
    services.daily_run.stop()  # from outside, as SIGTERM does
    run.join(timeout=60)  # a tenth of the pause: only a stop that ends the pause lets the run finish
    assert not run.is_alive()
    (result,) = results
    assert result.stopped
    assert result.dispatches == 0  # it ran nothing after the pause
    services.close()


def _killed_mid_transaction(url: str, data_dir: str, commits: int) -> None:
    """The child: run the day, and die (SIGKILL, nothing cleaned up) at the first outbox write after
    `commits` transactions were committed, inside that transaction."""
    services = services_of(url, Path(data_dir))
    count = 0

    def committed(_connection: Any) -> None:
        nonlocal count
        count += 1

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if count >= commits and statement.lstrip().upper().startswith("INSERT INTO OUTBOX"):
            os.kill(os.getpid(), signal.SIGKILL)

    event.listen(services.engine, "commit", committed)
    event.listen(services.engine, "before_cursor_execute", before)
    services.daily_run.tick()


@pytest.mark.parametrize("commits", [0, 5, 19])
def test_a_run_killed_inside_a_transaction_is_completed_by_the_next_with_nothing_twice(
    tmp_path: Path, commits: int
) -> None:
    """Killed in the reminders' transaction, in the middle of the dispatches, and in the last chunk."""
    store = prepared_store(tmp_path)
    expected = reference(tmp_path, store)
    url = f"sqlite:///{store}"
    child = multiprocessing.get_context("spawn").Process(
        target=_killed_mid_transaction, args=(url, str(tmp_path / "data"), commits)
    )
    child.start()
    child.join(timeout=120)
    assert child.exitcode == -signal.SIGKILL
    after = services_of(url, tmp_path / "data", instant=INSTANT + timedelta(minutes=3))
    killed = record_of(after)
    with after.office.sessions() as session:
        position = setting_queries.setting(session, TICK_POSITION)
    assert killed.last_day != ledger.DISPATCH_DAY.isoformat()
    assert set(killed.outbox.items()) <= set(expected.outbox.items())
    if commits > 1:
        assert position["dispatched_through"] is not None
        assert killed.outbox
    result = after.daily_run.tick()
    assert result.ran_days
    assert not result.stopped
    assert result.queued == len(expected.outbox) - len(killed.outbox)
    assert record_of(after) == expected
    after.close()


def test_on_postgresql_a_stopped_run_is_completed_once(tmp_path: Path) -> None:
    if not POSTGRES_URL:
        pytest.skip("DUBAN_TEST_POSTGRES_URL is not set: PostgreSQL tests skipped")
    with postgres_schema(POSTGRES_URL) as whole, postgres_schema(POSTGRES_URL) as stopped_url:
        days = []
        for url, stop_at in ((whole, None), (stopped_url, 6)):
            ledger.build_store(url, ITEMS, PEOPLE)
            services = services_of(url, tmp_path / "data")
            with services.office.sessions() as session, session.begin():
                last = (ledger.DISPATCH_DAY - timedelta(days=1)).isoformat()
                setting_queries.set_setting(session, LAST_DAY, last)
            if stop_at is not None:
                stop_after_commits(services, stop_at)
                assert services.daily_run.tick().stopped
                services.close()
                services = services_of(url, tmp_path / "data", instant=INSTANT + timedelta(minutes=1))
            result = services.daily_run.tick()
            assert result.ran_days
            assert not result.stopped
            days.append(record_of(services))
            services.close()
        assert days[0] == days[1]


async def test_under_duban_run_the_day_runs_in_a_process_of_its_own(tmp_path: Path) -> None:
    """The job queue's runner (`bot.day_runner`): the child builds the day's run from the settings, runs
    the day (on the system clock, as `duban run` does) and stores it; once told to stop, it runs no more."""
    store = prepared_store(tmp_path)
    settings = Settings(database_url=f"sqlite:///{store}", data_dir=tmp_path / "data")
    runner = ProcessDayRunner(partial(day_run_of, settings, Overrides(tick_chunk_items=CHUNK)))
    try:
        result = await runner.tick()
        assert result.ran_days
        assert result.dispatches == ITEMS  # the days since the store's last run hold dispatch days
        again = await runner.tick()
        assert again.ran_days is False
        runner.stop()
        assert (await runner.tick()).stopped
    finally:
        runner.close()
    services = services_of(f"sqlite:///{store}", tmp_path / "data")
    day = record_of(services)
    assert day.last_day == datetime.now(settings.tz).date().isoformat()  # the office's day, system clock
    assert any(kind == "dispatch" for kind, _text, _person in day.outbox.values())
    services.close()
