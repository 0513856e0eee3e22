"""The event store, as eventsourcing 9.5's recorders expect it (they are run with CREATE_TABLE=false).

The DDL is eventsourcing 9.5.6's own, written out so that Alembic, not the library, owns it.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_POSTGRES = [
    "CREATE TABLE concord_events ("
    " originator_id uuid NOT NULL,"
    " originator_version bigint NOT NULL,"
    " topic text,"
    " state bytea,"
    " notification_id bigserial,"
    " PRIMARY KEY (originator_id, originator_version))"
    " WITH (autovacuum_enabled = true,"
    " autovacuum_vacuum_threshold = 100000000,"
    " autovacuum_vacuum_scale_factor = 0.5,"
    " autovacuum_analyze_threshold = 1000,"
    " autovacuum_analyze_scale_factor = 0.01)",
    "CREATE UNIQUE INDEX concord_events_notification_id_idx ON concord_events (notification_id ASC)",
    "CREATE TYPE stored_event_uuid AS"
    " (originator_id uuid, originator_version bigint, topic text, state bytea)",
]

# SQLite: the rowid is the notification id; eventsourcing fixes the table name.
_SQLITE = [
    "CREATE TABLE stored_events ("
    " originator_id TEXT,"
    " originator_version INTEGER,"
    " topic TEXT,"
    " state BLOB,"
    " PRIMARY KEY (originator_id, originator_version))",
]


def upgrade() -> None:
    statements = _POSTGRES if op.get_bind().dialect.name == "postgresql" else _SQLITE
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE concord_events")
        op.execute("DROP TYPE stored_event_uuid")
    else:
        op.execute("DROP TABLE stored_events")
