"""An index of ``assistance_requests`` by item, requesting state and status: the needs a donor's
offers could serve (``needSuggestions``) are read item by item for the states each offer serves,
instead of every open need of a crisis being read and filtered.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_assistance_requests_item_state",
        "assistance_requests",
        ["item", "member_state", "status", "crisis_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_assistance_requests_item_state", "assistance_requests")
