"""Snapshots of long aggregates, as eventsourcing 9.5's snapshot recorders expect them.

The DDL is eventsourcing 9.5.6's own for a recorder with purpose "snapshots" (run, like the event
store's, with CREATE_TABLE=false): ``concord_snapshots`` on PostgreSQL, ``stored_snapshots`` on
SQLite, where the table name is fixed. Rows may be deleted at any time: reads then replay events.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_POSTGRES = (
    "CREATE TABLE concord_snapshots ("
    " originator_id uuid NOT NULL,"
    " originator_version bigint NOT NULL,"
    " topic text,"
    " state bytea,"
    " PRIMARY KEY (originator_id, originator_version))"
    " WITH (autovacuum_enabled = true,"
    " autovacuum_vacuum_threshold = 100000000,"
    " autovacuum_vacuum_scale_factor = 0.5,"
    " autovacuum_analyze_threshold = 1000,"
    " autovacuum_analyze_scale_factor = 0.01)"
)

_SQLITE = (
    "CREATE TABLE stored_snapshots ("
    " originator_id TEXT,"
    " originator_version INTEGER,"
    " topic TEXT,"
    " state BLOB,"
    " PRIMARY KEY (originator_id, originator_version))"
    " WITHOUT ROWID"
)


def upgrade() -> None:
    op.execute(_POSTGRES if op.get_bind().dialect.name == "postgresql" else _SQLITE)


def downgrade() -> None:
    table = "concord_snapshots" if op.get_bind().dialect.name == "postgresql" else "stored_snapshots"
    op.execute(f"DROP TABLE {table}")
