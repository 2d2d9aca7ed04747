"""No statement binds more parameters than the databases allow, however many items the ledger holds.

PostgreSQL refuses a statement of more than 65,535 parameters ("number of parameters must be between 0
and 65535"), SQLite one of more than 32,766 (999 on old builds). The queries over the ids of many items run
in chunks (`storage.chunks`); here the chunk is set small and the ledger made larger than it, so that the
day's run, the digests and the main reports all go through several chunks, and every statement they send
is counted. With small chunks the day says exactly what it says with one chunk for everything.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert, select

from bench import tick as ledger
from bot.config import Settings
from bot.wiring import Overrides, build
from ledger.access import Viewer
from ledger.clock import ManualClock
from ledger.model import Role
from services.container import Services
from services.office import LAST_DAY
from storage import chunks
from storage.db import create_db_engine
from storage.models import ProgressReport
from storage.scheduling import Escalation, OutboxMessage, SchedulerSetting
from tests.conftest import POSTGRES_URL, postgres_schema

IDS_PER_STATEMENT = 50
# SQLAlchemy loads a relationship (`selectinload`) 500 parents at a time, and the outbox checks its keys 500
# at a time: the bound here, with what a statement binds of its own (roles, statuses, instants).
SELECTIN_CHUNK = 500
OWN_PARAMETERS = 10
BOUND = SELECTIN_CHUNK + OWN_PARAMETERS
ITEMS_BEYOND_BOUND = 640  # one IN list of them all would exceed it
ITEMS = 320  # the comparison's ledger: seven chunks
PEOPLE = 40  # eight units of five: two officers, a leader and two supervisors in each
PAST_DAY = ledger.QUIET_DAY - timedelta(days=20)
REPORTED_EVERY = 3  # a report on every third item the day before: the digests have reports to count


@contextmanager
def ids_per_statement(count: int) -> Iterator[None]:
    previous = chunks.set_ids_per_statement(count)
    try:
        yield
    finally:
        chunks.set_ids_per_statement(previous)


@contextmanager
def two_stores(kind: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two fresh, empty databases of one kind: SQLite files, or schemas of the test PostgreSQL server."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("DUBAN_TEST_POSTGRES_URL is not set: PostgreSQL tests skipped")
    with postgres_schema(POSTGRES_URL) as first, postgres_schema(POSTGRES_URL) as second:
        yield first, second


def prepared(url: str, items: int, people: int, day: date) -> None:
    """The bench's ledger (`bench.tick.build_store`: Core bulk inserts) with reports on some items the day
    before `day`, whose day's run last ran then."""
    ledger.build_store(url, items, people)
    engine = create_db_engine(url)
    reported = ledger.at(day - timedelta(days=1), 12)
    with engine.begin() as connection:
        connection.execute(
            insert(ProgressReport),
            [
                {"item_id": n, "person_id": 1, "percent": 50, "text": "按计划推进", "created_at": reported}
                for n in range(1, items + 1, REPORTED_EVERY)
            ],
        )
        last = (day - timedelta(days=1)).isoformat()
        connection.execute(insert(SchedulerSetting), [{"key": LAST_DAY, "value": last}])
    engine.dispose()


def services_at(url: str, data_dir: Path, instant: datetime) -> Services:
    """The services as `duban run` wires them (the daily rules, the digests among them)."""
    return build(
        Settings(database_url=url, data_dir=data_dir), Overrides(clock=ManualClock(instant))
    ).services


def parameter_counts(engine: Engine) -> list[tuple[int, str]]:
    """(parameters bound, SQL) of each statement the engine sends from now on (per row, for executemany)."""
    found: list[tuple[int, str]] = []

    def record(
        _connection: object, _cursor: object, statement: str, parameters: Any, _context: object, _many: bool
    ) -> None:
        # One statement's parameters (a tuple or a dict), or the rows of an executemany, each its own.
        many = (
            isinstance(parameters, list | tuple)
            and parameters
            and isinstance(parameters[0], list | tuple | dict)
        )
        rows = parameters if many else [parameters]
        found.append((max(len(row or ()) for row in rows), statement))

    event.listen(engine, "before_cursor_execute", record)
    return found


def is_insert(sql: str) -> bool:
    return sql.lstrip().upper().startswith("INSERT")


def the_day_and_what_is_read(services: Services, asked: int) -> None:
    """The day's run (the ladder over every item, the digests; on a dispatch day every open item asked),
    then the digests on demand and the week's summary, the ledger today, as it stood on a past day and
    exported, the month's notice and the units' progress."""
    assert services.daily_run.tick().dispatches == asked
    admin = frozenset({(Role.ADMIN, None), (Role.OFFICER, 1)})
    services.digests.digest_now(Viewer(ledger.FIRST_USER + 1, 1, "人员00001", "zh_CN", admin))
    supervisor = frozenset({(Role.SUPERVISOR, 1)})
    services.digests.digest_now(Viewer(ledger.FIRST_USER + 4, 4, "人员00004", "zh_CN", supervisor))
    services.digests.weekly_now()
    services.ledger.rows()
    services.ledger.rows(as_of=PAST_DAY)
    services.ledger.export_rows()
    services.reporting.month()
    services.reporting.unit_progress()


def what_the_day_said(services: Services) -> list[tuple[Any, ...]]:
    """Every message the day queued (by key, to whom, what it says, with its buttons) and every level it
    issued."""
    with services.sessions() as session:
        messages = session.execute(
            select(
                OutboxMessage.key, OutboxMessage.chat_id, OutboxMessage.kind, OutboxMessage.text,
                OutboxMessage.buttons, OutboxMessage.not_before,
            ).order_by(OutboxMessage.key)
        )  # fmt: skip
        levels = session.execute(
            select(Escalation.item_id, Escalation.level, Escalation.reason).order_by(Escalation.item_id)
        )
        return [tuple(row) for row in messages] + [tuple(row) for row in levels]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_no_statement_of_the_day_binds_more_ids_than_a_chunk(kind: str, tmp_path: Path) -> None:
    """On a day without dispatch: the dispatch day's outbox rows are the day's run's own writes (their key
    checks chunked by the outbox), compared in full below."""
    with two_stores(kind, tmp_path) as (url, _):
        prepared(url, ITEMS_BEYOND_BOUND, PEOPLE, ledger.QUIET_DAY)
        services = services_at(url, tmp_path / "data", ledger.at(ledger.QUIET_DAY))
        counts = parameter_counts(services.engine)
        with ids_per_statement(IDS_PER_STATEMENT):
            the_day_and_what_is_read(services, asked=0)
        services.close()
    dialect_bound = services.engine.dialect.insertmanyvalues_max_parameters
    reads = [(count, sql) for count, sql in counts if not is_insert(sql)]
    writes = [count for count, sql in counts if is_insert(sql)]
    assert max(reads)[0] <= BOUND, max(reads)
    if kind == "sqlite":
        # The ids went through full chunks of IDS_PER_STATEMENT.
        assert any(IDS_PER_STATEMENT <= count <= IDS_PER_STATEMENT + OWN_PARAMETERS for count, _ in reads)
    else:
        # On PostgreSQL a chunk of ids is one array parameter (`storage.chunks.one_of`).
        assert any(" = ANY (" in sql for _count, sql in reads)
    # Rows are inserted in batches SQLAlchemy bounds by the database's limit.
    assert max(writes) <= dialect_bound


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_day_in_small_chunks_says_what_it_says_in_one(kind: str, tmp_path: Path) -> None:
    said = []
    with two_stores(kind, tmp_path) as urls:
        for url, size in zip(urls, (IDS_PER_STATEMENT, ITEMS * 10), strict=True):
            prepared(url, ITEMS, PEOPLE, ledger.DISPATCH_DAY)
            services = services_at(url, tmp_path / "data", ledger.at(ledger.DISPATCH_DAY))
            with ids_per_statement(size):
                the_day_and_what_is_read(services, asked=ITEMS)
            said.append(what_the_day_said(services))
            services.close()
    chunked, whole = said
    assert chunked == whole
    assert any(row[2] == "digest_long" or row[2] == "digest" for row in chunked)


# Above PostgreSQL's limit of 65,535 parameters: what crashed the day's run before its lists were chunked.
BEYOND_POSTGRES_LIMIT = 65_536 + 464


@pytest.mark.skipif(
    not (POSTGRES_URL and os.environ.get("DUBAN_TEST_LARGE")),
    reason="set DUBAN_TEST_POSTGRES_URL and DUBAN_TEST_LARGE=1 for the day over 66,000 items on PostgreSQL (minutes)",
)
def test_a_day_over_more_open_items_than_postgresql_binds_parameters(tmp_path: Path) -> None:
    assert POSTGRES_URL is not None
    with postgres_schema(POSTGRES_URL) as url:
        prepared(url, BEYOND_POSTGRES_LIMIT, 10, ledger.QUIET_DAY)
        services = services_at(url, tmp_path / "data", ledger.at(ledger.QUIET_DAY))
        counts = parameter_counts(services.engine)
        result = services.daily_run.tick()
        services.close()
    assert result.ran_days
    reads = [(count, sql) for count, sql in counts if not is_insert(sql)]
    assert max(reads)[0] <= chunks.DEFAULT_IDS_PER_STATEMENT + OWN_PARAMETERS
