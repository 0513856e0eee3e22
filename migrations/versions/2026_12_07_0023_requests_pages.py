"""Three ``assistance_requests`` indexes for the needs pages: ``(member_state, posted_position)``, a
state's needs newest first (the coordinator's needs page); ``(status, priority DESC, needed_by,
posted_position DESC)``, the needs of a status highest priority first (the secretariat's desk);
``(crisis_id, needed_by, priority DESC, posted_position DESC, status)``, a crisis's needs by date
(the dashboard's oldest unmet needs). Each page is the index's first rows instead of every
matching need sorted.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A rebuild killed part-way leaves its write-only indexes dropped (migrate creates them after).
    op.drop_index("ix_assistance_requests_state_posted", "assistance_requests", if_exists=True)
    op.drop_index("ix_assistance_requests_status_priority", "assistance_requests", if_exists=True)
    op.drop_index("ix_assistance_requests_crisis_due", "assistance_requests", if_exists=True)
    op.create_index(
        "ix_assistance_requests_state_posted", "assistance_requests", ["member_state", "posted_position"]
    )
    op.create_index(
        "ix_assistance_requests_status_priority",
        "assistance_requests",
        ["status", sa.text("priority DESC"), "needed_by", sa.text("posted_position DESC")],
    )
    op.create_index(
        "ix_assistance_requests_crisis_due",
        "assistance_requests",
        ["crisis_id", "needed_by", sa.text("priority DESC"), sa.text("posted_position DESC"), "status"],
    )


def downgrade() -> None:
    op.drop_index("ix_assistance_requests_crisis_due", "assistance_requests")
    op.drop_index("ix_assistance_requests_status_priority", "assistance_requests")
    op.drop_index("ix_assistance_requests_state_posted", "assistance_requests")
