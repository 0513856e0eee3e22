"""A fund's allocations paged from the read model, in the order they were approved: each row gains
the fund's version after its approval, the key of the pages (as the fund's ledger has).

Rows already projected have no version to give, so the finance read models are emptied and its
tracking row deleted, as ``concord rebuild finance`` does: the projection replays the log into them
on its next start (as revision 0011 did).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_FINANCE_TABLES = ("pledges", "pledge_payments", "funds", "fund_allocations", "fund_ledger")


def _replay_finance() -> None:
    for table in _FINANCE_TABLES:
        op.execute(sa.table(table).delete())
    op.execute(sa.text("DELETE FROM projection_tracking WHERE projection = 'finance'"))


def upgrade() -> None:
    _replay_finance()
    with op.batch_alter_table("fund_allocations") as batch:
        batch.drop_index("ix_fund_allocations_fund_id")
        batch.add_column(sa.Column("version", sa.BigInteger, nullable=False))
        batch.create_index("ix_fund_allocations_fund_version", ["fund_id", "version"], unique=True)


def downgrade() -> None:
    _replay_finance()
    with op.batch_alter_table("fund_allocations") as batch:
        batch.drop_index("ix_fund_allocations_fund_version")
        batch.drop_column("version")
        batch.create_index("ix_fund_allocations_fund_id", ["fund_id"])
