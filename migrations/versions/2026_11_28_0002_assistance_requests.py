"""Projection tracking and the assistance_requests read model.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from projections.tables import Quantity

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projection_tracking",
        sa.Column("projection", sa.String(64), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "assistance_requests",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("member_state", sa.String(3), nullable=False),
        sa.Column("sector", sa.String(8), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("quantity", Quantity, nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("priority", sa.SmallInteger, nullable=False),
        sa.Column("needed_by", sa.Date, nullable=False),
        sa.Column("admin_code", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("cancellation_reason", sa.Text),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_position", sa.BigInteger, nullable=False, unique=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_assistance_requests_state_status", "assistance_requests", ["member_state", "status"])
    op.create_index("ix_assistance_requests_sector", "assistance_requests", ["sector"])
    op.create_index("ix_assistance_requests_priority", "assistance_requests", ["priority"])


def downgrade() -> None:
    op.drop_table("assistance_requests")
    op.drop_table("projection_tracking")
