"""indicators: the indicator ledger (指标台账), the plan's indicators and the values reported on them

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 05:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade() -> None:
    op.create_table(
        "indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("unit", sa.String(length=40), nullable=True),
        sa.Column("attribute", _enum("indicator_attribute", "binding", "expected"), nullable=True),
        sa.Column("direction", _enum("indicator_direction", "le", "ge"), nullable=True),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("baseline_year", sa.Integer(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("target_year", sa.Integer(), nullable=True),
        sa.Column("target_text", sa.String(length=200), nullable=True),
        sa.Column("responsible_unit_id", sa.Integer(), nullable=True),
        sa.Column("frequency", _enum("indicator_frequency", "monthly", "quarterly", "yearly"), nullable=False),
        sa.Column("aggregation", _enum("indicator_aggregation", "latest", "annual_mean"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["responsible_unit_id"], ["units.id"], name=op.f("fk_indicators_responsible_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicators")),
        sa.UniqueConstraint("name", name=op.f("uq_indicators_name")),
    )
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicators_responsible_unit_id"), ["responsible_unit_id"], unique=False)
    op.create_table(
        "indicator_readings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("reported_by", sa.String(length=100), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_indicator_readings_indicator_id_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_readings")),
    )
    with op.batch_alter_table("indicator_readings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_indicator_readings_indicator_period", ["indicator_id", "period_start"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("indicator_readings", schema=None) as batch_op:
        batch_op.drop_index("ix_indicator_readings_indicator_period")
    op.drop_table("indicator_readings")
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicators_responsible_unit_id"))
    op.drop_table("indicators")
