"""a reviewer's opinion (验收意见) with an approval of a sign-off request

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("signoff_reviews", sa.Column("opinion", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("signoff_reviews", schema=None) as batch_op:
        batch_op.drop_column("opinion")
