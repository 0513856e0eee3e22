"""The ``assistance_requests`` priority index on ``(priority, needed_by, id)`` (was ``(priority)``):
``needSuggestions`` reads a donor's servable needs a priority at a time in needed-by order, and
stops once the best found beat what any unread need could score.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A rebuild killed part-way leaves its write-only indexes dropped (migrate creates them after).
    op.drop_index("ix_assistance_requests_priority", "assistance_requests", if_exists=True)
    op.create_index("ix_assistance_requests_priority", "assistance_requests", ["priority", "needed_by", "id"])


def downgrade() -> None:
    op.drop_index("ix_assistance_requests_priority", "assistance_requests")
    op.create_index("ix_assistance_requests_priority", "assistance_requests", ["priority"])
