"""The ``allocation_rounds`` read model: the rounds run, for the secretariat to list and open one.

Its projection has no tracking row yet, so it replays the log into the new table on its next start.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from projections.columns import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "allocation_rounds",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("crisis_id", sa.Uuid),
        sa.Column("ran_at", UTCDateTime, nullable=False),
        sa.Column("ran_by", sa.String(200), nullable=False),
        sa.Column("method", sa.String(100), nullable=False),
        sa.Column("need_count", sa.Integer, nullable=False),
        sa.Column("offer_count", sa.Integer, nullable=False),
        sa.Column("proposal_count", sa.Integer, nullable=False),
        sa.Column("skipped_count", sa.Integer, nullable=False),
        sa.Column("min_state_coverage", sa.Float, nullable=False),
        sa.Column("weighted_coverage", sa.Float, nullable=False),
        sa.Column("greedy_min_state_coverage", sa.Float, nullable=False),
        sa.Column("greedy_weighted_coverage", sa.Float, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False, unique=True),
    )
    op.create_index("ix_allocation_rounds_crisis_position", "allocation_rounds", ["crisis_id", "position"])


def downgrade() -> None:
    op.drop_table("allocation_rounds")
    op.execute(sa.text("DELETE FROM projection_tracking WHERE projection = 'allocation_rounds'"))
