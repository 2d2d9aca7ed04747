"""Migration 0009 converts the stored statuses into the facts they are now decided from, on both databases:
a ledger written by the old code (statuses in `items.status`) reads the same statuses after the upgrade
where the old ones were true, and the truth where they were not (an item 74 days overdue at 95 %)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import text

from bot.config import Settings
from bot.wiring import Overrides, build
from ledger.clock import ManualClock
from ledger.model import ItemStatus
from storage.db import create_db_engine, migrate_to, upgrade
from tests.status_helpers import state_of

NOW = datetime(2021, 3, 15, 2, tzinfo=UTC)
ITEMS = (
    # number, status stored by the old code, percent, deadline, signed off at, open sign-off request
    ("1", "on_schedule", 95, date(2020, 12, 31), None, False),  # 74 days overdue, read "on schedule"
    ("2", "reopened", 100, date(2021, 4, 30), None, False),  # reopened, its percent left at 100
    ("3", "signed_off", 100, date(2020, 12, 31), None, False),  # signed off, no instant recorded
    ("4", "done", 100, date(2021, 6, 30), None, True),  # awaiting sign-off
    ("5", "in_progress", 100, date(2021, 6, 30), None, False),  # a returned request put it "in progress"
    ("6", "reopened", 30, date(2021, 4, 30), None, False),  # reopened, reported on since
)


def test_the_stored_statuses_become_facts(db_url: str, tmp_path: Path) -> None:
    engine = create_db_engine(db_url)
    try:
        migrate_to(engine, "0007")
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO units (id, name, created_at) VALUES (1, '市住建局', :now)"), {"now": NOW}
            )
            connection.execute(
                text(
                    "INSERT INTO people (id, name, locale, active, created_at) VALUES (1, '张伟', 'zh_CN', true, :now)"
                ),
                {"now": NOW},
            )
            for number, status, percent, deadline, signed, open_request in ITEMS:
                connection.execute(
                    text(
                        "INSERT INTO items (id, number, sort_key, title, problem, start_date, deadline, continuing,"
                        " status, percent, signed_off_at, kind, created_at, updated_at) VALUES (:id, :n, :n, :n,"
                        " '问题', :start, :deadline, false, :status, :percent, :signed, 'finding', :now, :now)"
                    ),
                    {"id": int(number), "n": number, "start": date(2020, 12, 16), "deadline": deadline,
                     "status": status, "percent": percent, "signed": signed, "now": NOW},
                )  # fmt: skip
                if open_request:
                    connection.execute(
                        text(
                            "INSERT INTO signoff_requests (item_id, requested_by, statement, status, created_at)"
                            " VALUES (:id, 1, '已完成', 'awaiting_leader', :now)"
                        ),
                        {"id": int(number), "now": NOW},
                    )
        upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT number, percent, signed_off_at, reopened_at FROM items ORDER BY id")
            ).all()
            # The items' table is changed in place: their rows elsewhere are kept (a copy-and-drop of the
            # table on SQLite would have cascade-deleted them).
            assert connection.execute(text("SELECT count(*) FROM signoff_requests")).scalar_one() == 1
        reopened = {row[0] for row in rows if row[3] is not None}
        assert reopened == {"2", "6"}
        assert {row[0]: row[1] for row in rows}["2"] == 0  # the rectification starts again
        assert {row[0] for row in rows if row[2] is not None} == {"3"}
    finally:
        engine.dispose()

    services = build(
        Settings(database_url=db_url, data_dir=tmp_path / "data"),
        Overrides(clock=ManualClock(NOW)),
    ).services
    try:
        assert [state_of(services, n) for n, *_ in ITEMS] == [
            (95, ItemStatus.OVERDUE),
            (0, ItemStatus.REOPENED),
            (100, ItemStatus.SIGNED_OFF),
            (100, ItemStatus.DONE),
            (100, ItemStatus.BASICALLY_DONE),
            (30, ItemStatus.REOPENED),
        ]
    finally:
        services.close()


def test_the_migration_goes_back(db_url: str) -> None:
    engine = create_db_engine(db_url)
    try:
        upgrade(engine)
        migrate_to(engine, "0007")
        with engine.connect() as connection:
            assert (
                connection.execute(text("SELECT count(*) FROM items WHERE status IS NULL")).scalar_one() == 0
            )
        upgrade(engine)
    finally:
        engine.dispose()
