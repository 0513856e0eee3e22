"""The ``api_keys`` read model: service-account keys by issuer, for the workbench's API keys page.

Keys issued before this revision are projected into it when the projection first runs: it starts
from the beginning of the log, having no tracking row.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from projections.columns import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("member_state", sa.String(3)),
        sa.Column("organisation_id", sa.String(36)),
        sa.Column("key_hint", sa.String(8), nullable=False),
        sa.Column("issued_by", sa.Text, nullable=False),
        sa.Column("issued_by_role", sa.String(16), nullable=False),
        sa.Column("issued_by_member_state", sa.String(3)),
        sa.Column("issued_by_organisation_id", sa.String(36)),
        sa.Column("issued_at", UTCDateTime, nullable=False),
        sa.Column("revoked_at", UTCDateTime),
        sa.Column("revoked_by", sa.Text),
        sa.Column("issued_position", sa.BigInteger, nullable=False, unique=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_index(
        "ix_api_keys_issuer",
        "api_keys",
        ["issued_by_role", "issued_by_member_state", "issued_by_organisation_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_api_keys_issuer", table_name="api_keys")
    op.drop_table("api_keys")
