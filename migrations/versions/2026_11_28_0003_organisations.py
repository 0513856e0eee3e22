"""The organisations read model.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from projections.columns import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organisation_type", sa.String(48), nullable=False),
        sa.Column("hxl_name", sa.String(200), nullable=False),
        sa.Column("member_state", sa.String(3)),
        sa.Column("suspended", sa.Boolean, nullable=False),
        sa.Column("registered_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("registered_position", sa.BigInteger, nullable=False, unique=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_organisations_name", "organisations", ["name"])


def downgrade() -> None:
    op.drop_table("organisations")
