"""The safe_havens read model.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from projections.columns import Quantity, UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "safe_havens",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("crisis_id", sa.Uuid, nullable=False),
        sa.Column("member_state", sa.String(3), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("admin1", sa.String(8), nullable=False),
        sa.Column("admin_code", sa.String(16), nullable=False),
        sa.Column("latitude", Quantity, nullable=False),
        sa.Column("longitude", Quantity, nullable=False),
        sa.Column("capacity_day", sa.Integer, nullable=False),
        sa.Column("capacity_night", sa.Integer, nullable=False),
        sa.Column("occupancy", sa.Integer, nullable=False),
        sa.Column("services", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("designated_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("designated_position", sa.BigInteger, nullable=False, unique=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_safe_havens_crisis_id", "safe_havens", ["crisis_id"])


def downgrade() -> None:
    op.drop_table("safe_havens")
