"""A fund's ledger as a read model, paged by version, instead of every event of the fund per query.

The finance projection writes it from now on. So that funds opened before this revision get their
ledger too, the finance read models are emptied and its tracking row deleted, as ``concord rebuild
finance`` does: the projection replays the log into them on its next start.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from projections.columns import Quantity, UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_FINANCE_TABLES = ("pledges", "pledge_payments", "funds", "fund_allocations")


def upgrade() -> None:
    op.create_table(
        "fund_ledger",
        sa.Column("fund_id", sa.Uuid, primary_key=True),
        sa.Column("version", sa.BigInteger, primary_key=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("usd_amount", Quantity, nullable=False),
        sa.Column("received", Quantity, nullable=False),
        sa.Column("allocated", Quantity, nullable=False),
        sa.Column("disbursed", Quantity, nullable=False),
        sa.Column("balance", Quantity, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    for table in _FINANCE_TABLES:
        op.execute(sa.table(table).delete())
    op.execute(sa.text("DELETE FROM projection_tracking WHERE projection = 'finance'"))


def downgrade() -> None:
    op.drop_table("fund_ledger")
