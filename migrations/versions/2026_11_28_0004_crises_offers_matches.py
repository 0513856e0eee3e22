"""Read models of crises, offers and matches.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from projections.columns import Quantity, UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crises",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("affected_states", sa.String(64), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("phase", sa.String(24), nullable=False),
        sa.Column("opened_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("opened_position", sa.BigInteger, nullable=False, unique=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "offers",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("crisis_id", sa.Uuid, nullable=False),
        sa.Column("organisation_id", sa.Uuid),
        sa.Column("offering_state", sa.String(3)),
        sa.Column("sector", sa.String(8), nullable=False),
        sa.Column("item", sa.String(32), nullable=False),
        sa.Column("quantity", Quantity, nullable=False),
        sa.Column("allocated", Quantity, nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("available_from", sa.Date, nullable=False),
        sa.Column("available_until", sa.Date, nullable=False),
        sa.Column("serves", sa.String(64), nullable=False),
        sa.Column("delivery_mode", sa.String(16), nullable=False),
        sa.Column("standby_capacity", sa.String(100)),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("withdrawn", sa.Boolean, nullable=False),
        sa.Column("posted_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("posted_position", sa.BigInteger, nullable=False, unique=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_offers_crisis_item", "offers", ["crisis_id", "item"])
    op.create_table(
        "matches",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("crisis_id", sa.Uuid, nullable=False),
        sa.Column("request_id", sa.Uuid, nullable=False),
        sa.Column("offer_id", sa.Uuid, nullable=False),
        sa.Column("quantity", Quantity, nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("over_cover", sa.Boolean, nullable=False),
        sa.Column("dispatched", Quantity),
        sa.Column("received", Quantity),
        sa.Column("reason", sa.Text),
        sa.Column("proposed_by", sa.String(200), nullable=False),
        sa.Column("proposed_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("proposed_position", sa.BigInteger, nullable=False, unique=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_matches_crisis_status", "matches", ["crisis_id", "status"])
    op.create_index("ix_matches_offer_id", "matches", ["offer_id"])
    op.create_index("ix_matches_request_id", "matches", ["request_id"])


def downgrade() -> None:
    op.drop_table("matches")
    op.drop_table("offers")
    op.drop_table("crises")
