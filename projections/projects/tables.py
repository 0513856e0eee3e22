"""The ``projects`` read model's tables: projects, their milestones and their results."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Table, Uuid

from projections.columns import Day, Quantity, SafeString, SafeText, UTCDateTime, metadata

projects = Table(
    "projects",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("crisis_id", Uuid, nullable=False, index=True),
    Column("member_state", SafeString(3), nullable=False),
    Column("title", SafeString(200), nullable=False),
    Column("description", SafeText, nullable=False),
    Column("sector", SafeString(8), nullable=False),
    Column("admin_code", SafeString(16), nullable=False),
    Column("implementers", SafeText, nullable=False),  # organisation ids, comma-separated
    Column("budget", Quantity, nullable=False),
    Column("currency", SafeString(3), nullable=False),
    Column("usd_rate", SafeString(40), nullable=False),  # exact: NUMERIC(28, 4) would round a dong's rate
    Column("usd_budget", Quantity, nullable=False),
    Column("planned_start", Day, nullable=False),
    Column("planned_end", Day, nullable=False),
    Column("status", SafeString(16), nullable=False),
    Column("status_reason", SafeText, nullable=False),
    Column("started_on", Day),
    Column("ended_on", Day),
    Column("registered_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("registered_position", BigInteger, nullable=False, unique=True),
    Column("position", BigInteger, nullable=False),
    Index("ix_projects_state_status", "member_state", "status"),
    Index("ix_projects_admin_code", "admin_code"),
)

project_milestones = Table(
    "project_milestones",
    metadata,
    Column("milestone_id", Uuid, primary_key=True),
    Column("project_id", Uuid, nullable=False, index=True),
    Column("title", SafeString(200), nullable=False),
    Column("due_date", Day, nullable=False),
    Column("achieved_on", Day),
    Column("note", SafeText, nullable=False),
    Column("planned_position", BigInteger, nullable=False),
)

project_results = Table(
    "project_results",
    metadata,
    Column("result_id", Uuid, primary_key=True),
    Column("project_id", Uuid, nullable=False, index=True),
    Column("indicator", SafeString(200), nullable=False),
    Column("unit", SafeString(32), nullable=False),
    Column("hxl_tag", SafeString(100), nullable=False),
    Column("baseline", Quantity, nullable=False),
    Column("target", Quantity, nullable=False),
    Column("achieved", Quantity),
    Column("measured_on", Day),
    Column("defined_position", BigInteger, nullable=False),
)
