"""evidence linked to targets; links survive a re-import

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 17:19:19
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_evidence_files_target_id'), ['target_id'], unique=False)
        batch_op.drop_constraint(batch_op.f('fk_evidence_files_measure_id_item_measures'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_evidence_files_target_id_item_targets'), 'item_targets', ['target_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_evidence_files_measure_id_item_measures'), 'item_measures', ['measure_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_evidence_files_measure_id_item_measures'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_evidence_files_target_id_item_targets'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_evidence_files_measure_id_item_measures'), 'item_measures', ['measure_id'], ['id'])
        batch_op.drop_index(batch_op.f('ix_evidence_files_target_id'))
        batch_op.drop_column('target_id')
