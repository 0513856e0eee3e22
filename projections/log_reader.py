"""Pages of the event log for projections, read with our own SQL and filtered by topic in it.

A page is what eventsourcing's ``select_notifications(after, size)`` returns, the next ``size``
notifications in position order, except that only those of the wanted topics come back: the
others' rows never leave the database, yet the page still ends at the last notification read, so
the position moves over the whole log. Both happen in one statement (one snapshot): the page's
notifications as a subquery, its wanted rows plus one row of its last position and count.

Stopping at the last notification visible, never at a position computed in advance, is what keeps
a writer still in its transaction from being passed over: eventsourcing's PostgreSQL insert holds
a table lock from drawing its positions until it commits, so every position below a visible one is
either visible too or never will be (a rolled-back insert leaves a gap), and SQLite has one writer
at a time. Rows come as plain tuples over psycopg's binary protocol (or sqlite3's), without
eventsourcing's dict rows: about a quarter of the cost of ``select_notifications`` per event.

Recorders of other kinds (eventsourcing's in-memory one, or a wrapper in a test) are read through
``select_notifications`` and filtered here, with the same result.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from eventsourcing.persistence import InterfaceError, Notification, OperationalError
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import retry
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composed, Identifier


@dataclass(frozen=True)
class LogPage:
    notifications: list[Notification]  # those of the topics asked for, in position order
    last: int  # the position of the page's last notification, of whatever topic
    read: int  # notifications in the page, of any topic


class LogReader(Protocol):
    def read(self, after: int, size: int, topics: Collection[str]) -> LogPage | None:
        """The ``size`` notifications after position ``after``, keeping those of ``topics``;
        None when there are none (the end of the log)."""


def log_reader(recorder: Any) -> LogReader:
    """The cheapest reader the recorder's store allows."""
    if isinstance(recorder, PostgresApplicationRecorder):
        return PostgresLogReader(recorder)
    if isinstance(recorder, SQLiteApplicationRecorder):
        return SQLiteLogReader(recorder)
    return RecorderLogReader(recorder)


class RecorderLogReader:
    """Through ``select_notifications``, for any recorder."""

    def __init__(self, recorder: Any) -> None:
        self._recorder = recorder

    def read(self, after: int, size: int, topics: Collection[str]) -> LogPage | None:
        notifications: Sequence[Notification] = self._recorder.select_notifications(
            after, size, inclusive_of_start=False
        )
        if not notifications:
            return None
        kept = [n for n in notifications if n.topic in topics]
        return LogPage(kept, notifications[-1].id, len(notifications))


def _page(rows: list[tuple[Any, ...]], convert_id: Callable[[Any], Any] | None = None) -> LogPage | None:
    """The statement's rows, in position order: the wanted notifications, and the one row whose
    topic is NULL (no wanted notification's is) with the page's last position and count; it sorts
    last, or just before a wanted notification at that same position."""
    summary = rows.pop() if rows[-1][3] is None else rows.pop(-2)
    last, _, read, topic, _ = summary
    assert topic is None, summary
    if not read:
        return None
    if convert_id is None:
        notifications = [Notification(o, v, t, s, i) for i, o, v, t, s in rows]
    else:
        notifications = [Notification(convert_id(o), v, t, s, i) for i, o, v, t, s in rows]
    return LogPage(notifications, last, read)


@retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as select_notifications
def _retrying(read: Callable[..., Any], *args: Any) -> Any:
    return read(*args)


class PostgresLogReader:
    def __init__(self, recorder: PostgresApplicationRecorder) -> None:
        self._datastore = recorder.datastore
        self._statement: Composed = SQL(
            "WITH page AS ("
            " SELECT notification_id, originator_id, originator_version, topic, state FROM {table}"
            " WHERE notification_id > %s ORDER BY notification_id LIMIT %s)"
            " SELECT notification_id, originator_id, originator_version, topic, state FROM page"
            " WHERE topic = ANY(%s)"
            " UNION ALL"
            " SELECT max(notification_id), NULL, count(*), NULL, NULL FROM page"
            " ORDER BY 1"
        ).format(table=Identifier(recorder.datastore.schema, recorder.events_table_name))

    def read(self, after: int, size: int, topics: Collection[str]) -> LogPage | None:
        page: LogPage | None = _retrying(self._read, after, size, topics)
        return page

    def _read(self, after: int, size: int, topics: Collection[str]) -> LogPage | None:
        with (
            self._datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row, binary=True) as cursor,
        ):
            cursor.execute(self._statement, (after, size, list(topics)), prepare=True)
            return _page(cursor.fetchall())


class SQLiteLogReader:
    def __init__(self, recorder: SQLiteApplicationRecorder) -> None:
        self._datastore = recorder.datastore
        self._convert_id = recorder.convert_originator_id
        self._table = recorder.events_table_name
        self._statements: dict[int, str] = {}  # by number of topics

    def read(self, after: int, size: int, topics: Collection[str]) -> LogPage | None:
        with self._datastore.transaction(commit=False) as cursor:
            raw = cursor.sqlite_cursor
            raw.row_factory = None  # tuples, not the connection's sqlite3.Row
            raw.execute(self._statement(len(topics)), (after, size, *topics))
            rows = raw.fetchall()
        return _page(rows, self._convert_id)

    def _statement(self, topics: int) -> str:
        try:
            return self._statements[topics]
        except KeyError:
            statement = self._statements[topics] = (
                "WITH page AS MATERIALIZED ("  # noqa: S608 - the table is eventsourcing's own name
                f" SELECT rowid AS id, originator_id, originator_version, topic, state FROM {self._table}"
                " WHERE rowid > ? ORDER BY rowid LIMIT ?)"
                " SELECT id, originator_id, originator_version, topic, state FROM page"
                f" WHERE topic IN ({', '.join('?' * topics)})"
                " UNION ALL"
                " SELECT max(id), NULL, count(*), NULL, NULL FROM page"
                " ORDER BY 1"
            )
            return statement
