"""The ``coverage`` read model: the dashboard's coverage sums per crisis, state and sector, kept by
its projector instead of added up over every request on each refresh. And the crisis index of
``assistance_requests`` takes the priority too, so that counting a crisis's open needs of priority 4
and 5 (the dashboard's oldest unmet needs) reads the index alone.

Its projection has no tracking row yet, so it replays the log into the new tables on its next start.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from projections.columns import Quantity, SafeString

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_assistance_requests_crisis", "assistance_requests")
    op.create_index(
        "ix_assistance_requests_crisis", "assistance_requests", ["crisis_id", "status", "priority"]
    )
    op.create_table(
        "coverage_cells",
        sa.Column("crisis_id", sa.Uuid, primary_key=True),
        sa.Column("member_state", SafeString(3), primary_key=True),
        sa.Column("sector", SafeString(8), primary_key=True),
        sa.Column("requests", sa.Integer, nullable=False),
        sa.Column("requested", Quantity, nullable=False),
        sa.Column("committed", Quantity, nullable=False),
        sa.Column("delivered", Quantity, nullable=False),
        sa.Column("places", sa.JSON, nullable=False),
    )
    op.create_table(
        "coverage_requests",
        sa.Column("request_id", sa.Uuid, primary_key=True),
        sa.Column("crisis_id", sa.Uuid, nullable=False),
        sa.Column("member_state", SafeString(3), nullable=False),
        sa.Column("sector", SafeString(8), nullable=False),
        sa.Column("quantity", Quantity, nullable=False),
        sa.Column("committed", Quantity, nullable=False),
        sa.Column("delivered", Quantity, nullable=False),
        sa.Column("live", sa.Boolean, nullable=False),
    )
    op.create_table(
        "coverage_commitments",
        sa.Column("match_id", sa.Uuid, primary_key=True),
        sa.Column("request_id", sa.Uuid, nullable=False),
        sa.Column("quantity", Quantity, nullable=False),
        sa.Column("delivered", Quantity, nullable=False),
    )


def downgrade() -> None:
    op.drop_index("ix_assistance_requests_crisis", "assistance_requests")
    op.create_index("ix_assistance_requests_crisis", "assistance_requests", ["crisis_id", "status"])
    op.drop_table("coverage_commitments")
    op.drop_table("coverage_requests")
    op.drop_table("coverage_cells")
    op.execute(sa.text("DELETE FROM projection_tracking WHERE projection = 'coverage'"))
