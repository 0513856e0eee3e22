"""The ``flow_totals`` read model: the dashboard's funding sums per source, FTS status, year and
crisis, kept by its projector instead of added up over every pledge and allocation on each refresh.

Its projection has no tracking row yet, so it replays the log into the new tables on its next start.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from projections.columns import Quantity, SafeString

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "flow_totals",
        sa.Column("cell", SafeString(120), primary_key=True),
        sa.Column("source_id", sa.Uuid, nullable=False),
        sa.Column("status", SafeString(16), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("crisis_id", sa.Uuid),
        sa.Column("flows", sa.Integer, nullable=False),
        sa.Column("usd_amount", Quantity, nullable=False),
        sa.Column("usd_paid", Quantity, nullable=False),
        sa.Column("places", sa.JSON, nullable=False),
    )
    op.create_table(
        "flow_totals_flows",
        sa.Column("flow_id", sa.Uuid, primary_key=True),
        sa.Column("source_id", sa.Uuid, nullable=False),
        sa.Column("status", SafeString(16), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("crisis_id", sa.Uuid),
        sa.Column("amount", Quantity, nullable=False),
        sa.Column("paid", Quantity, nullable=False),
        sa.Column("usd_amount", Quantity, nullable=False),
        sa.Column("usd_paid", Quantity, nullable=False),
        sa.Column("live", sa.Boolean, nullable=False),
    )
    op.create_table(
        "flow_totals_destinations",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("crisis_id", sa.Uuid, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("flow_totals_destinations")
    op.drop_table("flow_totals_flows")
    op.drop_table("flow_totals")
    op.execute(sa.text("DELETE FROM projection_tracking WHERE projection = 'flow_totals'"))
