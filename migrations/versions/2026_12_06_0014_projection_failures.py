"""A projection's failure on the tracking row: the error, since when, and how many times it failed.

Any process (another API process, ``concord status``) sees a failing projection at once, not only
once its lag passes the readiness threshold.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from projections.columns import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projection_tracking") as batch:
        batch.add_column(sa.Column("error", sa.Text, nullable=True))
        batch.add_column(sa.Column("failing_since", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("failures", sa.BigInteger, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("projection_tracking") as batch:
        batch.drop_column("failures")
        batch.drop_column("failing_since")
        batch.drop_column("error")
