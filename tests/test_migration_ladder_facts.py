"""Migration 0011 on both databases: a dispatch whose message already went out before the upgrade is linked
to it (it reached someone and still counts); an escalation stored without facts still reads, by its key."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import text

from storage.db import create_db_engine, migrate_to, upgrade

NOW = datetime(2021, 1, 20, 2, tzinfo=UTC)


def test_dispatch_messages_already_sent_are_linked_to_their_dispatch(db_url: str) -> None:
    engine = create_db_engine(db_url)
    try:
        migrate_to(engine, "0010")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO items (id, number, sort_key, title, problem, start_date, deadline, continuing,"
                    " percent, kind, created_at, updated_at) VALUES (1, '39', '39', '事项', '问题', :start, NULL,"
                    " false, 0, 'finding', :now, :now)"
                ),
                {"start": date(2020, 12, 16), "now": NOW},
            )
            connection.execute(
                text(
                    "INSERT INTO dispatch_requests (id, item_id, asked_on, due_on, missed) VALUES"
                    " (7, 1, :asked, :due, false)"
                ),
                {"asked": date(2021, 1, 4), "due": date(2021, 1, 7)},
            )
            for row_id, key in ((1, "dsp:1:2021-01-04:p3"), (2, "rem:1:item:2021-01-31:7:p3")):
                connection.execute(
                    text(
                        "INSERT INTO outbox (id, key, chat_id, kind, text, urgent, not_before, status, attempts,"
                        " created_at, possible_repeat, parts_sent) VALUES (:id, :key, 100, 'dispatch', '…', false,"
                        " :now, 'sent', 1, :now, false, 0)"
                    ),
                    {"id": row_id, "key": key, "now": NOW},
                )
            connection.execute(
                text(
                    "INSERT INTO escalations (id, item_id, level, reason, issued_at) VALUES"
                    " (1, 1, 2, 'unanswered_dispatches', :now)"
                ),
                {"now": NOW},
            )
        upgrade(engine)
        with engine.connect() as connection:
            linked: dict[int, int | None] = dict(
                connection.execute(text("SELECT id, dispatch_id FROM outbox")).all()
            )
            facts = connection.execute(text("SELECT facts FROM escalations")).scalar_one()
        assert linked == {1: 7, 2: None}
        assert facts is None  # rendered from its key alone (`why` falls back to the reason)
    finally:
        engine.dispose()
