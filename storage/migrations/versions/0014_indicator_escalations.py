"""indicator escalations: the levels of an indicator's ladder (督办提醒, 预警, 通报), one per period judged bad

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 08:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "indicator_escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_indicator_escalations_indicator_id_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_escalations")),
        sa.UniqueConstraint("indicator_id", "period_start", name=op.f("uq_indicator_escalations_indicator_id")),
    )
    with op.batch_alter_table("indicator_escalations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_indicator_escalations_indicator_id"), ["indicator_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("indicator_escalations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_escalations_indicator_id"))
    op.drop_table("indicator_escalations")
