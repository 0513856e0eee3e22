"""The projects read model: projects, their milestones and their results.

Revision ID: 0008
Revises: 0006 (0007 is written in parallel; the chain is mended at merge)
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from projections.columns import Quantity, UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("crisis_id", sa.Uuid, nullable=False),
        sa.Column("member_state", sa.String(3), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("sector", sa.String(8), nullable=False),
        sa.Column("admin_code", sa.String(16), nullable=False),
        sa.Column("implementers", sa.Text, nullable=False),
        sa.Column("budget", Quantity, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("usd_rate", sa.String(40), nullable=False),
        sa.Column("usd_budget", Quantity, nullable=False),
        sa.Column("planned_start", sa.Date, nullable=False),
        sa.Column("planned_end", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_reason", sa.Text, nullable=False),
        sa.Column("started_on", sa.Date),
        sa.Column("ended_on", sa.Date),
        sa.Column("registered_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("registered_position", sa.BigInteger, nullable=False, unique=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_projects_crisis_id", "projects", ["crisis_id"])
    op.create_index("ix_projects_state_status", "projects", ["member_state", "status"])
    op.create_index("ix_projects_admin_code", "projects", ["admin_code"])
    op.create_table(
        "project_milestones",
        sa.Column("milestone_id", sa.Uuid, primary_key=True),
        sa.Column("project_id", sa.Uuid, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("achieved_on", sa.Date),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("planned_position", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_project_milestones_project_id", "project_milestones", ["project_id"])
    op.create_table(
        "project_results",
        sa.Column("result_id", sa.Uuid, primary_key=True),
        sa.Column("project_id", sa.Uuid, nullable=False),
        sa.Column("indicator", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("hxl_tag", sa.String(100), nullable=False),
        sa.Column("baseline", Quantity, nullable=False),
        sa.Column("target", Quantity, nullable=False),
        sa.Column("achieved", Quantity),
        sa.Column("measured_on", sa.Date),
        sa.Column("defined_position", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_project_results_project_id", "project_results", ["project_id"])


def downgrade() -> None:
    op.drop_table("project_results")
    op.drop_table("project_milestones")
    op.drop_table("projects")
