"""Migration 0010 rewrites the audit log to one convention, on both databases: an official's commands,
recorded under their Telegram account, name the person as everything else they did does; a report names its
item by number as every other entry about an item does; strangers keep their account; the log stays
append-only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DatabaseError

from storage.db import create_db_engine, migrate_to, upgrade

NOW = datetime(2021, 3, 15, 2, tzinfo=UTC)
# actor, action, entity, entity id as the old code wrote them → actor, entity id after the migration
ENTRIES = (
    ("tg:3001", "set_locale", "person", "1", "person:1", "1"),  # the official's command
    ("person:1", "escalate", "item", "24.1", "person:1", "24.1"),  # the same official, by the ladder's hand
    ("tg:3001", "report", "item", "7", "person:1", "24.1"),  # a report named its item by id
    ("tg:9999", "stranger", "message", None, "tg:9999", None),  # someone not in the roster
    ("scheduler", "escalate", "item", "24.1", "scheduler", "24.1"),
    ("tg:3001", "report", "item", "99", "person:1", "99"),  # an item since deleted: left as it was
)


def _audit(connection: Connection) -> list[tuple[str, str | None]]:
    rows = connection.execute(text("SELECT actor, entity_id FROM audit_log ORDER BY id"))
    return [(row[0], row[1]) for row in rows]


def test_old_audit_entries_take_the_one_convention(db_url: str) -> None:
    engine = create_db_engine(db_url)
    try:
        migrate_to(engine, "0009")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO people (id, name, telegram_user_id, locale, active, created_at)"
                    " VALUES (1, '张伟', 3001, 'zh_CN', true, :now)"
                ),
                {"now": NOW},
            )
            connection.execute(
                text(
                    "INSERT INTO items (id, number, sort_key, title, problem, start_date, continuing, percent,"
                    " kind, created_at, updated_at) VALUES (7, '24.1', '24.1', '事项', '问题', :now, false, 0,"
                    " 'finding', :now, :now)"
                ),
                {"now": NOW},
            )
            for actor, action, entity, entity_id, *_ in ENTRIES:
                connection.execute(
                    text(
                        "INSERT INTO audit_log (at, actor, action, entity, entity_id)"
                        " VALUES (:now, :actor, :action, :entity, :entity_id)"
                    ),
                    {"now": NOW, "actor": actor, "action": action, "entity": entity, "entity_id": entity_id},
                )
        upgrade(engine)
        with engine.connect() as connection:
            assert _audit(connection) == [(actor, entity_id) for *_, actor, entity_id in ENTRIES]
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
            connection.execute(text("UPDATE audit_log SET actor = 'forged'"))

        migrate_to(engine, "0009")
        with engine.connect() as connection:
            assert [entity_id for _, entity_id in _audit(connection)] == [
                "1", "24.1", "7", None, "24.1", "99",
            ]  # fmt: skip
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_log"))
    finally:
        engine.dispose()
