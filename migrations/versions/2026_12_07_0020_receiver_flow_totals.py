"""The ``receiver_flow_totals`` read model: funding sums per source, FTS status, year, receiving
member state, sector and crisis, kept by its projector, so that ``flowTotals`` grouped by member
state or sector reads cells instead of adding up every pledge and allocation on each call.

Its projection has no tracking row yet, so it replays the log into the new tables on its next start.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from projections.columns import Quantity, SafeString

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "receiver_flow_totals",
        sa.Column("cell", SafeString(160), primary_key=True),
        sa.Column("source_id", sa.Uuid, nullable=False),
        sa.Column("status", SafeString(16), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("member_state", SafeString(3)),
        sa.Column("sector", SafeString(8)),
        sa.Column("crisis_id", sa.Uuid),
        sa.Column("flows", sa.Integer, nullable=False),
        sa.Column("usd_amount", Quantity, nullable=False),
        sa.Column("usd_paid", Quantity, nullable=False),
        sa.Column("places", sa.JSON, nullable=False),
    )
    op.create_table(
        "receiver_flow_totals_flows",
        sa.Column("flow_id", sa.Uuid, primary_key=True),
        sa.Column("destination_id", sa.Uuid, nullable=False),
        sa.Column("source_id", sa.Uuid, nullable=False),
        sa.Column("status", SafeString(16), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("member_state", SafeString(3)),
        sa.Column("sector", SafeString(8)),
        sa.Column("crisis_id", sa.Uuid),
        sa.Column("amount", Quantity, nullable=False),
        sa.Column("paid", Quantity, nullable=False),
        sa.Column("usd_amount", Quantity, nullable=False),
        sa.Column("usd_paid", Quantity, nullable=False),
        sa.Column("live", sa.Boolean, nullable=False),
    )
    op.create_index(
        "ix_receiver_flow_totals_flows_destination", "receiver_flow_totals_flows", ["destination_id"]
    )
    op.create_table(
        "receiver_flow_totals_destinations",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("crisis_id", sa.Uuid, nullable=False),
        sa.Column("member_state", SafeString(3), nullable=False),
        sa.Column("sector", SafeString(8), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("receiver_flow_totals_destinations")
    op.drop_index("ix_receiver_flow_totals_flows_destination", "receiver_flow_totals_flows")
    op.drop_table("receiver_flow_totals_flows")
    op.drop_table("receiver_flow_totals")
    op.execute(sa.text("DELETE FROM projection_tracking WHERE projection = 'receiver_flow_totals'"))
