"""closing loop: sign-off, extensions, spot-checks, complaints, group chats

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 14:57:50.030208
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('complaints',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('complaint_number', sa.String(length=50), nullable=False),
    sa.Column('reported', sa.Text(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('repeat_of_item_id', sa.Integer(), nullable=True),
    sa.Column('repeats', sa.Integer(), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=True),
    sa.Column('leader_assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_complaints_item_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['leader_id'], ['people.id'], name=op.f('fk_complaints_leader_id_people')),
    sa.ForeignKeyConstraint(['repeat_of_item_id'], ['items.id'], name=op.f('fk_complaints_repeat_of_item_id_items')),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_complaints')),
    sa.UniqueConstraint('complaint_number', name=op.f('uq_complaints_complaint_number'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_repeat_of_item_id'), ['repeat_of_item_id'], unique=False)

    op.create_table('deadline_extensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=False),
    sa.Column('old_deadline', sa.Date(), nullable=False),
    sa.Column('new_deadline', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'refused', name='extension_status', native_enum=False, length=20), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by'], ['people.id'], name=op.f('fk_deadline_extensions_decided_by_people')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_deadline_extensions_item_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by'], ['people.id'], name=op.f('fk_deadline_extensions_requested_by_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_extensions'))
    )
    with op.batch_alter_table('deadline_extensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_extensions_item_id'), ['item_id'], unique=False)

    op.create_table('group_chats',
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('registered_by', sa.Integer(), nullable=True),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registered_by'], ['people.id'], name=op.f('fk_group_chats_registered_by_people')),
    sa.PrimaryKeyConstraint('chat_id', name=op.f('pk_group_chats'))
    )
    op.create_table('signoff_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('awaiting_leader', 'under_review', 'approved', 'returned', 'withdrawn', name='signoff_status', native_enum=False, length=20), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=True),
    sa.Column('leader_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_signoff_requests_item_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['leader_id'], ['people.id'], name=op.f('fk_signoff_requests_leader_id_people')),
    sa.ForeignKeyConstraint(['requested_by'], ['people.id'], name=op.f('fk_signoff_requests_requested_by_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signoff_requests'))
    )
    with op.batch_alter_table('signoff_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signoff_requests_item_id'), ['item_id'], unique=False)
        batch_op.create_index('ix_signoff_requests_status', ['status'], unique=False)

    op.create_table('spot_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('due', 'confirmed', 'reopened', name='spot_check_status', native_enum=False, length=20), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('new_deadline', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by'], ['people.id'], name=op.f('fk_spot_checks_decided_by_people')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_spot_checks_item_id_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spot_checks')),
    sa.UniqueConstraint('item_id', 'due_on', name='item_due_on')
    )
    with op.batch_alter_table('spot_checks', schema=None) as batch_op:
        batch_op.create_index('ix_spot_checks_due', ['status', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_spot_checks_item_id'), ['item_id'], unique=False)

    op.create_table('signoff_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Enum('approve', 'return', 'inspect', name='review_decision', native_enum=False, length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('inspect_on', sa.Date(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['signoff_requests.id'], name=op.f('fk_signoff_reviews_request_id_signoff_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['people.id'], name=op.f('fk_signoff_reviews_reviewer_id_people')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_signoff_reviews_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signoff_reviews'))
    )
    with op.batch_alter_table('signoff_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signoff_reviews_request_id'), ['request_id'], unique=False)

    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('measure_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_evidence_files_measure_id'), ['measure_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_evidence_files_measure_id_item_measures'), 'item_measures', ['measure_id'], ['id'])

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), server_default='finding', nullable=False))
        batch_op.add_column(sa.Column('signed_off_at', sa.DateTime(timezone=True), nullable=True))




def downgrade() -> None:

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('signed_off_at')
        batch_op.drop_column('kind')

    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_evidence_files_measure_id_item_measures'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_evidence_files_measure_id'))
        batch_op.drop_column('measure_id')

    with op.batch_alter_table('signoff_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signoff_reviews_request_id'))

    op.drop_table('signoff_reviews')
    with op.batch_alter_table('spot_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spot_checks_item_id'))
        batch_op.drop_index('ix_spot_checks_due')

    op.drop_table('spot_checks')
    with op.batch_alter_table('signoff_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_signoff_requests_status')
        batch_op.drop_index(batch_op.f('ix_signoff_requests_item_id'))

    op.drop_table('signoff_requests')
    op.drop_table('group_chats')
    with op.batch_alter_table('deadline_extensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadline_extensions_item_id'))

    op.drop_table('deadline_extensions')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_repeat_of_item_id'))

    op.drop_table('complaints')

