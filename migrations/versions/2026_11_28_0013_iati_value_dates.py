"""What the IATI export and the fund's chart need to be true to the dates money moved: each fund
ledger entry gains its value date (a contribution's payment date), the allocation it is of and, for
a disbursement, its id; each organisation gains its IATI organisation identifier.

Rows already projected cannot say when their money moved, so the finance read models are emptied
and its tracking row deleted, as ``concord rebuild finance`` does: the projection replays the log
into them on its next start (as revision 0012 did). Organisations registered so far have no IATI
identifier, so their rows stay as they are.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from projections.columns import Day

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_FINANCE_TABLES = ("pledges", "pledge_payments", "funds", "fund_allocations", "fund_ledger")


def _replay_finance() -> None:
    for table in _FINANCE_TABLES:
        op.execute(sa.table(table).delete())
    op.execute(sa.text("DELETE FROM projection_tracking WHERE projection = 'finance'"))


def upgrade() -> None:
    _replay_finance()
    with op.batch_alter_table("fund_ledger") as batch:
        batch.add_column(sa.Column("value_date", Day, nullable=False))
        batch.add_column(sa.Column("allocation_id", sa.Uuid))
        batch.add_column(sa.Column("disbursement_id", sa.Uuid))
    op.add_column("organisations", sa.Column("iati_identifier", sa.String(100)))


def downgrade() -> None:
    _replay_finance()
    op.drop_column("organisations", "iati_identifier")
    with op.batch_alter_table("fund_ledger") as batch:
        batch.drop_column("disbursement_id")
        batch.drop_column("allocation_id")
        batch.drop_column("value_date")
