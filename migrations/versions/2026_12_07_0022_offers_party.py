"""Indexes on the ``offers`` offering party, ``organisation_id`` and ``offering_state``:
``needSuggestions`` and a donor's offers page read one party's offers, which scanned every offer.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_offers_organisation", "offers", ["organisation_id"])
    op.create_index("ix_offers_offering_state", "offers", ["offering_state"])


def downgrade() -> None:
    op.drop_index("ix_offers_offering_state", "offers")
    op.drop_index("ix_offers_organisation", "offers")
