"""An index for a state's security incidents a page at a time, newest report first
(``incidentsConnection``): the state and the report's position, so that a page reads its rows in
order instead of sorting all of the state's incidents.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_security_incidents_state_reported", "security_incidents", ["member_state", "reported_position"]
    )


def downgrade() -> None:
    op.drop_index("ix_security_incidents_state_reported", "security_incidents")
