"""outbox: claims with an owner and a lease, possible repeats on record, texts in parts, attachments

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column('resent_after_crash', new_column_name='possible_repeat', existing_type=sa.Boolean(), existing_nullable=False)
        batch_op.add_column(sa.Column('parts_sent', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('attachment', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('attachment_name', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('attachment_name')
        batch_op.drop_column('attachment')
        batch_op.drop_column('parts_sent')
        batch_op.alter_column('possible_repeat', new_column_name='resent_after_crash', existing_type=sa.Boolean(), existing_nullable=False)
        batch_op.drop_column('lease_until')
        batch_op.drop_column('claimed_by')
