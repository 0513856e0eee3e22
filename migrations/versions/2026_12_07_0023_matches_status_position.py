"""Index on the ``matches`` status and proposal order: a coordinator's waiting matches (one status,
newest first, of the state's requests) read every match of the state's requests and sorted them.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_matches_status_position", "matches", ["status", "proposed_position"])


def downgrade() -> None:
    op.drop_index("ix_matches_status_position", "matches")
