"""statuses derived from facts: items.status goes, items.reopened_at comes

An item's status is no longer stored (it went stale between the morning ticks, and each writer set it
its own way): `ledger.status.item_status` decides it from the item's facts whenever it is shown or
counted. The one fact that was only in the status column, that the item was reopened after its sign-off
(重新纳入整改), moves to `reopened_at`. A reopening now resets the percent (the rectification starts
again): a reopened row still at 100 % had no report since and is set to 0. A signed-off row without
`signed_off_at` gets its last change as that instant.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_STATUSES = (
    "not_started", "in_progress", "on_schedule", "behind", "basically_done", "done", "signed_off", "reopened",
)  # fmt: skip


def _drop_column(table: str, column: str) -> None:
    # In place, never by copying the table (Alembic's batch mode on SQLite): dropping and re-creating
    # `items` with foreign keys on would cascade-delete every report, file and request of every item.
    # SQLite drops a column itself since 3.35.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        op.drop_column(table, column)


def upgrade() -> None:
    op.add_column("items", sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE items SET reopened_at = updated_at WHERE status = 'reopened'")
    op.execute("UPDATE items SET percent = 0 WHERE status = 'reopened' AND percent = 100")
    op.execute("UPDATE items SET signed_off_at = updated_at WHERE status = 'signed_off' AND signed_off_at IS NULL")
    op.drop_index(op.f("ix_items_status"), table_name="items")
    _drop_column("items", "status")


def downgrade() -> None:
    # Added with a default, as a column can be added in place on both databases (see `_drop_column`).
    op.add_column(
        "items",
        sa.Column(
            "status",
            sa.Enum(*_STATUSES, name="item_status", native_enum=False, length=20),
            nullable=False,
            server_default="not_started",
        ),
    )
    # The statuses the old tick and writers would have set, as near as the facts allow.
    op.execute(
        "UPDATE items SET status = CASE"
        " WHEN signed_off_at IS NOT NULL THEN 'signed_off'"
        " WHEN id IN (SELECT item_id FROM signoff_requests"
        "   WHERE status IN ('awaiting_leader', 'under_review')) THEN 'done'"
        " WHEN percent = 100 THEN 'basically_done'"
        " WHEN reopened_at IS NOT NULL THEN 'reopened'"
        " WHEN percent > 0 THEN 'in_progress'"
        " ELSE 'not_started' END"
    )
    op.create_index(op.f("ix_items_status"), "items", ["status"], unique=False)
    _drop_column("items", "reopened_at")
