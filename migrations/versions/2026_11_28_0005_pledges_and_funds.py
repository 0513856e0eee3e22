"""Read models of pledges, their payments, funds and their allocations.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from projections.columns import Quantity, UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pledges",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("organisation_id", sa.Uuid, nullable=False),
        sa.Column("destination_kind", sa.String(16), nullable=False),
        sa.Column("destination_id", sa.Uuid, nullable=False),
        sa.Column("amount", Quantity, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("usd_rate", Quantity, nullable=False),
        sa.Column("rate_date", sa.Date, nullable=False),
        sa.Column("usd_amount", Quantity, nullable=False),
        sa.Column("earmarking", sa.String(24), nullable=False),
        sa.Column("in_kind", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("paid", Quantity, nullable=False),
        sa.Column("usd_paid", Quantity, nullable=False),
        sa.Column("due_date", sa.Date),
        sa.Column("pledged_at", UTCDateTime, nullable=False),
        sa.Column("committed_at", UTCDateTime),
        sa.Column("last_paid_on", sa.Date),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("made_position", sa.BigInteger, nullable=False, unique=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_pledges_destination_id", "pledges", ["destination_id"])
    op.create_index("ix_pledges_organisation_id", "pledges", ["organisation_id"])
    op.create_table(
        "pledge_payments",
        sa.Column("payment_id", sa.Uuid, primary_key=True),
        sa.Column("pledge_id", sa.Uuid, nullable=False),
        sa.Column("amount", Quantity, nullable=False),
        sa.Column("usd_amount", Quantity, nullable=False),
        sa.Column("paid_on", sa.Date, nullable=False),
        sa.Column("refunded", Quantity, nullable=False),
        sa.Column("usd_refunded", Quantity, nullable=False),
    )
    op.create_index("ix_pledge_payments_pledge_id", "pledge_payments", ["pledge_id"])
    op.create_table(
        "funds",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("member_state", sa.String(3)),
        sa.Column("received", Quantity, nullable=False),
        sa.Column("refunded", Quantity, nullable=False),
        sa.Column("allocated", Quantity, nullable=False),
        sa.Column("disbursed", Quantity, nullable=False),
        sa.Column("opened_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("opened_position", sa.BigInteger, nullable=False, unique=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "fund_allocations",
        sa.Column("allocation_id", sa.Uuid, primary_key=True),
        sa.Column("fund_id", sa.Uuid, nullable=False),
        sa.Column("window", sa.String(16), nullable=False),
        sa.Column("destination_kind", sa.String(16), nullable=False),
        sa.Column("destination_id", sa.Uuid, nullable=False),
        sa.Column("usd_amount", Quantity, nullable=False),
        sa.Column("disbursed", Quantity, nullable=False),
        sa.Column("rationale", sa.Text, nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_fund_allocations_fund_id", "fund_allocations", ["fund_id"])


def downgrade() -> None:
    op.drop_table("fund_allocations")
    op.drop_table("funds")
    op.drop_table("pledge_payments")
    op.drop_table("pledges")
