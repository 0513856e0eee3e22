"""Movements, displacement figures, security incidents; room reserved in safe havens.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from projections.columns import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("safe_havens", sa.Column("reserved", sa.Integer, nullable=False, server_default="0"))
    op.add_column("assistance_requests", sa.Column("safe_haven_id", sa.Uuid))
    op.create_index("ix_assistance_requests_safe_haven_id", "assistance_requests", ["safe_haven_id"])
    op.create_table(
        "haven_reservations",
        sa.Column("haven_id", sa.Uuid, primary_key=True),
        sa.Column("movement_id", sa.Uuid, primary_key=True),
        sa.Column("people", sa.Integer, nullable=False),
    )
    op.create_table(
        "movements",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("crisis_id", sa.Uuid, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("origin_country", sa.String(3), nullable=False),
        sa.Column("origin_admin_code", sa.String(16)),
        sa.Column("origin_haven_id", sa.Uuid),
        sa.Column("destination_state", sa.String(3), nullable=False),
        sa.Column("destination_admin_code", sa.String(16), nullable=False),
        sa.Column("destination_admin1", sa.String(8), nullable=False),
        sa.Column("destination_haven_id", sa.Uuid),
        sa.Column("people", sa.Integer, nullable=False),
        sa.Column("people_arrived", sa.Integer),
        sa.Column("group_counts", sa.JSON, nullable=False),
        sa.Column("vulnerable", sa.JSON, nullable=False),
        sa.Column("planned_departure", sa.Date, nullable=False),
        sa.Column("planned_arrival", sa.Date, nullable=False),
        sa.Column("departed_on", sa.Date),
        sa.Column("arrived_on", sa.Date),
        sa.Column("voluntariness_confirmed_by", sa.String(200)),
        sa.Column("voluntariness_method", sa.String(40)),
        sa.Column("voluntariness_confirmed_on", sa.Date),
        sa.Column("cleared_risk", sa.String(16)),
        sa.Column("planned_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("planned_position", sa.BigInteger, nullable=False, unique=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_movements_crisis_id", "movements", ["crisis_id"])
    op.create_index("ix_movements_status", "movements", ["status"])
    op.create_index("ix_movements_destination_state", "movements", ["destination_state"])
    op.create_table(
        "security_incidents",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("crisis_id", sa.Uuid),
        sa.Column("member_state", sa.String(3), nullable=False),
        sa.Column("admin_code", sa.String(16), nullable=False),
        sa.Column("admin1", sa.String(8), nullable=False),
        sa.Column("occurred_on", sa.Date, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("affected_organisations", sa.JSON, nullable=False),
        sa.Column("reported_at", UTCDateTime, nullable=False),
        sa.Column("closed_at", UTCDateTime),
        sa.Column("reported_position", sa.BigInteger, nullable=False, unique=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_security_incidents_crisis_id", "security_incidents", ["crisis_id"])
    op.create_index("ix_security_incidents_member_state", "security_incidents", ["member_state"])
    op.create_index("ix_security_incidents_status", "security_incidents", ["status"])
    op.create_table(
        "displacement_changes",
        sa.Column("position", sa.BigInteger, primary_key=True),
        sa.Column("area", sa.SmallInteger, primary_key=True),
        sa.Column("crisis_id", sa.Uuid, nullable=False),
        sa.Column("country", sa.String(3), nullable=False),
        sa.Column("admin_code", sa.String(16), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("displaced", sa.Integer, nullable=False),
        sa.Column("returned", sa.Integer, nullable=False),
        sa.Column("resettled", sa.Integer, nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("source_id", sa.Uuid, nullable=False),
    )
    op.create_index("ix_displacement_changes_crisis_id", "displacement_changes", ["crisis_id"])
    op.create_index("ix_displacement_changes_admin_code", "displacement_changes", ["admin_code"])


def downgrade() -> None:
    for table in ("displacement_changes", "security_incidents", "movements", "haven_reservations"):
        op.drop_table(table)
    with op.batch_alter_table("safe_havens") as batch:
        batch.drop_column("reserved")
    op.drop_index("ix_assistance_requests_safe_haven_id", "assistance_requests")
    with op.batch_alter_table("assistance_requests") as batch:
        batch.drop_column("safe_haven_id")
