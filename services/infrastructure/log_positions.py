"""Where a recorded event sits in the log: its notification id, found by its aggregate and version.

eventsourcing 9.5 gives an event's position only to the command that inserts it. An idempotent
retry needs the first recording's position again: the receipt is the last event its command
saved, so the receipt's own position is the command's. Each store is asked with one indexed
lookup (PostgreSQL's primary key, SQLite's rowid table); any other recorder is scanned.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.popo import POPOApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier

_SCAN_PAGE = 1000


def position_of(recorder: Any, originator_id: UUID, version: int) -> int | None:
    """The log position of ``originator_id``'s event ``version``; None if it was never recorded."""
    if isinstance(recorder, PostgresApplicationRecorder):
        found: int | None = _in_postgres(recorder, originator_id, version)
        return found
    if isinstance(recorder, SQLiteApplicationRecorder):
        return _in_sqlite(recorder, originator_id, version)
    if isinstance(recorder, POPOApplicationRecorder):
        with recorder._database_lock:  # noqa: SLF001 - the in-memory store's own index
            index = recorder._stored_events_index.get(str(originator_id), {})  # noqa: SLF001
            at = index.get(version)
        return None if at is None else at + 1
    return _scanned(recorder, originator_id, version)


@retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as the recorder's own reads
def _in_postgres(recorder: PostgresApplicationRecorder, originator_id: UUID, version: int) -> int | None:
    statement = SQL(
        "SELECT notification_id FROM {table} WHERE originator_id = %s AND originator_version = %s"
    ).format(table=Identifier(recorder.datastore.schema, recorder.events_table_name))
    with recorder.datastore.get_connection() as conn, conn.cursor() as cursor:
        row = cursor.execute(statement, (originator_id, version)).fetchone()
    return None if row is None else int(row["notification_id"])


def _in_sqlite(recorder: SQLiteApplicationRecorder, originator_id: UUID, version: int) -> int | None:
    statement = (
        f"SELECT rowid FROM {recorder.events_table_name}"  # noqa: S608 - eventsourcing's own table name
        " WHERE originator_id = ? AND originator_version = ?"
    )
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(statement, (originator_id.hex, version))
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def _scanned(recorder: Any, originator_id: UUID, version: int) -> int | None:
    after = 0
    while notifications := recorder.select_notifications(after, _SCAN_PAGE, inclusive_of_start=False):
        for notification in notifications:
            if notification.originator_id == originator_id and notification.originator_version == version:
                return int(notification.id)
        after = notifications[-1].id
    return None
