"""group robots: a work group's robot on WeCom, DingTalk or Feishu (群机器人), and outbox rows addressed to one

An outbox row goes to a Telegram chat (`chat_id`) or to a robot (`robot_id`): `chat_id` may now be empty.
Rows already stored all go to Telegram chats and keep their chat.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "group_robots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "platform",
            sa.Enum("wecom", "dingtalk", "feishu", name="robot_platform", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("webhook", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failure", sa.String(length=300), nullable=True),
        sa.Column("registered_by", sa.Integer(), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["registered_by"], ["people.id"], name=op.f("fk_group_robots_registered_by_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_robots")),
        sa.UniqueConstraint("webhook", name=op.f("uq_group_robots_webhook")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("chat_id", existing_type=sa.BigInteger(), nullable=True)
        batch_op.add_column(sa.Column("robot_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_robot_id"), ["robot_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_robot_id_group_robots"), "group_robots", ["robot_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_outbox_robot_id_group_robots"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_outbox_robot_id"))
        batch_op.drop_column("robot_id")
    op.execute("DELETE FROM outbox WHERE chat_id IS NULL")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("chat_id", existing_type=sa.BigInteger(), nullable=False)
    op.drop_table("group_robots")
