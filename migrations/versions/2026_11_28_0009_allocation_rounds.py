"""The matcher's read path: offers by item and availability, for matchSuggestions.

Allocation rounds themselves are read from the event store; this revision only adds the index
that lets a suggestion find the offers of one item available in time without scanning them all,
and test the rest of its filters (state served, window, crisis, withdrawn) in the index alone.

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_offers_item_available",
        "offers",
        ["item", "available_from", "available_until", "withdrawn", "crisis_id", "standby_capacity", "serves"],
    )


def downgrade() -> None:
    op.drop_index("ix_offers_item_available", table_name="offers")
