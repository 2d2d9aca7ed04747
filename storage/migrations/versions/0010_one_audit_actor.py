"""one audit convention: a person is `person:<id>`, an item is named by its number

Until now the audit log named one official two ways: `person:1` for what the ladder and the reminders
recorded, `tg:3001` (their Telegram account) for their commands; and a progress report named its item by
database id where every other entry names it by number. Old rows are rewritten to the one convention
(`ledger.actor.Actor`, `services.audit`): `tg:<user id>` becomes `person:<id>` of the person bound to that
account now (an account once bound to someone else is credited to its present holder: Duban never rebinds
an account, so this does not happen in its own data), and a report's item id becomes the item's number.
Accounts of no person (strangers) stay `tg:`.

The log is append-only by trigger; the rewrite lifts the trigger for its own statements only. Downgrade
gives reports their ids back; actors stay `person:` (the older code reads both forms).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The triggers as migration 0001 created them.
_SQLITE_TRIGGERS = {
    "audit_log_no_update": "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    "audit_log_no_delete": "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
}

_PERSON_ACTORS = (
    "UPDATE audit_log SET actor = (SELECT 'person:' || CAST(people.id AS VARCHAR) FROM people "
    "WHERE 'tg:' || CAST(people.telegram_user_id AS VARCHAR) = audit_log.actor) "
    "WHERE actor LIKE 'tg:%' AND EXISTS (SELECT 1 FROM people "
    "WHERE 'tg:' || CAST(people.telegram_user_id AS VARCHAR) = audit_log.actor)"
)
_REPORTS_BY_NUMBER = (
    "UPDATE audit_log SET entity_id = (SELECT items.number FROM items "
    "WHERE CAST(items.id AS VARCHAR) = audit_log.entity_id) "
    "WHERE entity = 'item' AND action = 'report' AND EXISTS (SELECT 1 FROM items "
    "WHERE CAST(items.id AS VARCHAR) = audit_log.entity_id)"
)
_REPORTS_BY_ID = (
    "UPDATE audit_log SET entity_id = (SELECT CAST(items.id AS VARCHAR) FROM items "
    "WHERE items.number = audit_log.entity_id) "
    "WHERE entity = 'item' AND action = 'report' AND EXISTS (SELECT 1 FROM items "
    "WHERE items.number = audit_log.entity_id)"
)


@contextmanager
def _rewriting_audit_log() -> Iterator[None]:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
    yield
    if dialect == "sqlite":
        for statement in _SQLITE_TRIGGERS.values():
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change")


def upgrade() -> None:
    with _rewriting_audit_log():
        op.execute(_PERSON_ACTORS)
        op.execute(_REPORTS_BY_NUMBER)


def downgrade() -> None:
    with _rewriting_audit_log():
        op.execute(_REPORTS_BY_ID)
