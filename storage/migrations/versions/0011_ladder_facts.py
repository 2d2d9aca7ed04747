"""the ladder says only what happened: escalation facts, dispatch delivery, recorded summonses

- `escalations.facts` (JSON): the conditions that held when a level was issued, with their numbers
  (`scheduler.reasons`). Rows stored before keep NULL and are rendered from their reason key alone.
- `outbox.dispatch_id`: the dispatch an outbox row asks; a dispatch reached someone once one of its rows
  was sent. Earlier dispatch rows are linked by their key (`dsp:<item>:<day>:p<person>`), so a dispatch
  already sent still counts and one that reached nobody does not.
- `summons_records`: a 约谈 held (date, attendees, who recorded it), apart from its proposal (约谈建议).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("escalations", sa.Column("facts", sa.JSON(), nullable=True))
    op.add_column("outbox", sa.Column("dispatch_id", sa.Integer(), nullable=True))
    op.create_index("ix_outbox_dispatch_id", "outbox", ["dispatch_id"])
    outbox = sa.table(
        "outbox", sa.column("id", sa.Integer), sa.column("key", sa.String), sa.column("dispatch_id", sa.Integer)
    )
    dispatches = sa.table(
        "dispatch_requests",
        sa.column("id", sa.Integer),
        sa.column("item_id", sa.Integer),
        sa.column("asked_on", sa.Date),
    )
    bind = op.get_bind()
    found = {
        (item_id, asked_on.isoformat() if hasattr(asked_on, "isoformat") else str(asked_on)): dispatch_id
        for dispatch_id, item_id, asked_on in bind.execute(
            sa.select(dispatches.c.id, dispatches.c.item_id, dispatches.c.asked_on)
        )
    }
    for row_id, key in bind.execute(sa.select(outbox.c.id, outbox.c.key).where(outbox.c.key.like("dsp:%"))):
        _kind, item_id, day, *_rest = key.split(":")
        dispatch_id = found.get((int(item_id), day))
        if dispatch_id is not None:
            bind.execute(sa.update(outbox).where(outbox.c.id == row_id).values(dispatch_id=dispatch_id))
    op.create_table(
        "summons_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("attendees", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name="fk_summons_records_item_id_items", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["escalations.id"], name="fk_summons_records_proposal_id_escalations",
            ondelete="SET NULL",
        ),  # fmt: skip
        sa.ForeignKeyConstraint(["recorded_by"], ["people.id"], name="fk_summons_records_recorded_by_people"),
        sa.PrimaryKeyConstraint("id", name="pk_summons_records"),
    )
    op.create_index("ix_summons_records_item_id", "summons_records", ["item_id"])


def downgrade() -> None:
    op.drop_index("ix_summons_records_item_id", "summons_records")
    op.drop_table("summons_records")
    op.drop_index("ix_outbox_dispatch_id", "outbox")
    if op.get_bind().dialect.name == "sqlite":
        # In place, never by copying the table (batch mode would re-create `outbox`).
        op.execute("ALTER TABLE outbox DROP COLUMN dispatch_id")
    else:
        op.drop_column("outbox", "dispatch_id")
    op.drop_column("escalations", "facts")
