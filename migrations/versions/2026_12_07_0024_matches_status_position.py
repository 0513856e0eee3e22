"""Indexes for a coordinator's waiting matches (one status, newest first, of the state's requests),
which read every match of the state's requests and sorted them: the ``matches`` status, proposal
order and request, and the requests' state by their key, so that the count reads no wide row.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A rebuild killed part-way leaves its write-only indexes dropped (migrate creates them after).
    op.drop_index("ix_matches_status_position", "matches", if_exists=True)
    op.drop_index("ix_assistance_requests_id_state", "assistance_requests", if_exists=True)
    op.create_index("ix_matches_status_position", "matches", ["status", "proposed_position", "request_id"])
    op.create_index("ix_assistance_requests_id_state", "assistance_requests", ["id", "member_state"])


def downgrade() -> None:
    op.drop_index("ix_assistance_requests_id_state", "assistance_requests")
    op.drop_index("ix_matches_status_position", "matches")
