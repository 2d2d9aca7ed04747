"""progress reports: albums (media_group_id) and the bot's messages about items (replies are reports)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 14:22:52.848534
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bot_messages",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_bot_messages_item_id_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("chat_id", "message_id", name=op.f("pk_bot_messages")),
    )
    with op.batch_alter_table("bot_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bot_messages_item_id"), ["item_id"], unique=False)

    # A new nullable column and an index: no table rebuild on SQLite.
    op.add_column("progress_reports", sa.Column("media_group_id", sa.String(length=64), nullable=True))
    op.create_index(
        op.f("ix_progress_reports_media_group_id"), "progress_reports", ["media_group_id"], unique=True
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_progress_reports_media_group_id"), table_name="progress_reports")
    with op.batch_alter_table("progress_reports", schema=None) as batch_op:
        batch_op.drop_column("media_group_id")

    with op.batch_alter_table("bot_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bot_messages_item_id"))

    op.drop_table("bot_messages")
