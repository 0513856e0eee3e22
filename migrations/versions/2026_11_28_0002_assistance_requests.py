"""Projection tracking, the assistance_requests read model and what is committed to each request.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from projections.columns import Quantity, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projection_tracking",
        sa.Column("projection", sa.String(64), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "assistance_requests",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("crisis_id", sa.Uuid, nullable=False),
        sa.Column("member_state", sa.String(3), nullable=False),
        sa.Column("sector", sa.String(8), nullable=False),
        sa.Column("item", sa.String(32), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("quantity", Quantity, nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("committed", Quantity, nullable=False),
        sa.Column("in_transit", Quantity, nullable=False),
        sa.Column("delivered", Quantity, nullable=False),
        sa.Column("priority", sa.SmallInteger, nullable=False),
        sa.Column("needed_by", sa.Date, nullable=False),
        sa.Column("admin_code", sa.String(16), nullable=False),
        sa.Column("transport_needed", sa.Boolean, nullable=False),
        sa.Column("escort_needed", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("cancellation_reason", sa.Text),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("posted_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("posted_position", sa.BigInteger, nullable=False, unique=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_assistance_requests_crisis", "assistance_requests", ["crisis_id", "status"])
    op.create_index(
        "ix_assistance_requests_place_item", "assistance_requests", ["member_state", "admin_code", "item"]
    )
    op.create_index("ix_assistance_requests_priority", "assistance_requests", ["priority"])
    op.create_index("ix_assistance_requests_sector", "assistance_requests", ["sector"])
    op.create_index("ix_assistance_requests_state_status", "assistance_requests", ["member_state", "status"])
    op.create_table(
        "request_commitments",
        sa.Column("match_id", sa.Uuid, primary_key=True),
        sa.Column("request_id", sa.Uuid, nullable=False),
        sa.Column("quantity", Quantity, nullable=False),
        sa.Column("organisation_id", sa.Uuid),
        sa.Column("offering_state", sa.String(3)),
        sa.Column("dispatched", Quantity, nullable=False),
        sa.Column("delivered", Quantity, nullable=False),
        sa.Column("received", sa.Boolean, nullable=False),
        sa.Column("committed_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_request_commitments_request_id", "request_commitments", ["request_id"])


def downgrade() -> None:
    op.drop_table("request_commitments")
    op.drop_table("assistance_requests")
    op.drop_table("projection_tracking")
