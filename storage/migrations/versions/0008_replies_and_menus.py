"""a message of the bot about several items, the caption of an evidence file, the menu a person's chat shows

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row per item a message is about: the item joins the primary key (the table is rebuilt on SQLite).
    with op.batch_alter_table("bot_messages", schema=None, recreate="always") as batch_op:
        batch_op.add_column(sa.Column("position", sa.Integer(), server_default="0", nullable=False))
        batch_op.drop_constraint("pk_bot_messages", type_="primary")
        batch_op.create_primary_key("pk_bot_messages", ["chat_id", "message_id", "item_id"])
    op.add_column("evidence_files", sa.Column("caption", sa.Text(), nullable=True))
    op.add_column("people", sa.Column("menu_key", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("menu_key")
    with op.batch_alter_table("evidence_files", schema=None) as batch_op:
        batch_op.drop_column("caption")
    # Back to one item per message: the first item each message names is kept.
    op.execute(
        "DELETE FROM bot_messages WHERE position > "
        "(SELECT MIN(b.position) FROM bot_messages b "
        "WHERE b.chat_id = bot_messages.chat_id AND b.message_id = bot_messages.message_id)"
    )
    with op.batch_alter_table("bot_messages", schema=None, recreate="always") as batch_op:
        batch_op.drop_constraint("pk_bot_messages", type_="primary")
        batch_op.create_primary_key("pk_bot_messages", ["chat_id", "message_id"])
        batch_op.drop_column("position")
