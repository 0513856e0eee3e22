"""The ``match_counts`` read model: how many matches each member state's requests have in each
status, kept by its projector, so that a coordinator's waiting matches are counted from a cell a
status instead of from every match of the state.

Its projection has no tracking row yet, so it replays the log into the new tables on its next start.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from projections.columns import SafeString

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "match_counts",
        sa.Column("member_state", SafeString(3), primary_key=True),
        sa.Column("status", SafeString(16), primary_key=True),
        sa.Column("matches", sa.Integer, nullable=False),
    )
    op.create_table(
        "match_counts_requests",
        sa.Column("request_id", sa.Uuid, primary_key=True),
        sa.Column("member_state", SafeString(3), nullable=False),
    )
    op.create_table(
        "match_counts_matches",
        sa.Column("match_id", sa.Uuid, primary_key=True),
        sa.Column("member_state", SafeString(3), nullable=False),
        sa.Column("status", SafeString(16), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("match_counts_matches")
    op.drop_table("match_counts_requests")
    op.drop_table("match_counts")
