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

import threading
import weakref
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

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
    """The cheapest reader the recorder's store allows, its reads counted (``reads_finished``)."""
    reader: LogReader
    if isinstance(recorder, PostgresApplicationRecorder):
        reader = PostgresLogReader(recorder)
    elif isinstance(recorder, SQLiteApplicationRecorder):
        reader = SQLiteLogReader(recorder)
    else:
        reader = RecorderLogReader(recorder)
    return Counted(reader, _reads_of(recorder))


class _Reads:
    """The reads of one store's log under way, each in a thread of its own: a read that its
    caller stopped waiting for (a cancelled catch-up's read ahead) goes on in its thread, and the
    store must not be closed under it (SQLite's connection, closed while a thread reads through
    it, crashed the process)."""

    def __init__(self) -> None:
        self._under_way = 0
        self._changed = threading.Condition()

    def __enter__(self) -> None:
        with self._changed:
            self._under_way += 1

    def __exit__(self, *_exc: object) -> None:
        with self._changed:
            self._under_way -= 1
            self._changed.notify_all()

    def finished(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._under_way == 0, timeout)


_reads: weakref.WeakKeyDictionary[Any, _Reads] = weakref.WeakKeyDictionary()
_reads_lock = threading.Lock()


def _reads_of(recorder: Any) -> _Reads:
    with _reads_lock:
        reads = _reads.get(recorder)
        if reads is None:
            reads = _reads[recorder] = _Reads()
        return reads


def reads_finished(recorder: Any, timeout: float) -> bool:
    """Wait (in a thread) until no read of the recorder's log is under way, for at most
    ``timeout`` seconds; whether none is. Call before closing the store."""
    return _reads_of(recorder).finished(timeout)


class Counted:
    """A reader whose reads are counted for ``reads_finished``."""

    def __init__(self, reader: LogReader, reads: _Reads) -> None:
        self.reader, self._reads = reader, reads

    def read(self, after: int, size: int, topics: Collection[str]) -> LogPage | None:
        with self._reads:
            return self.reader.read(after, size, topics)


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


def _notifications(
    rows: list[tuple[Any, ...]], convert_id: Callable[[Any], Any] | None
) -> list[Notification]:
    if convert_id is None:
        return [Notification(o, v, t, s, i) for i, o, v, t, s in rows]
    return [Notification(convert_id(o), v, t, s, i) for i, o, v, t, s in rows]


@retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as select_notifications
def _retrying(read: Callable[..., Any], *args: Any) -> Any:
    return read(*args)


class PostgresLogReader:
    """One statement: the page's last position and count from the positions alone (an index-only
    scan), and the wanted rows up to that position; no row of the page is held or sorted there."""

    def __init__(self, recorder: PostgresApplicationRecorder) -> None:
        self._datastore = recorder.datastore
        # The bound is a scalar subquery so that it is an index condition even in a generic plan
        # (a join with the page would let a scan of sparse topics run on to the end of the log).
        self._statement: Composed = SQL(
            "WITH page AS ("
            " SELECT notification_id FROM {table} WHERE notification_id > %(after)s"
            " ORDER BY notification_id LIMIT %(size)s)"
            " SELECT notification_id, originator_id, originator_version, topic, state FROM {table}"
            " WHERE notification_id > %(after)s"
            " AND notification_id <= (SELECT max(notification_id) FROM page)"
            " AND topic = ANY(%(topics)s)"
            " UNION ALL"
            " SELECT max(notification_id), NULL, count(*), NULL, NULL FROM page"
        ).format(table=Identifier(recorder.datastore.schema, recorder.events_table_name))

    def read(self, after: int, size: int, topics: Collection[str]) -> LogPage | None:
        page: LogPage | None = _retrying(self._read, after, size, topics)
        return page

    def _read(self, after: int, size: int, topics: Collection[str]) -> LogPage | None:
        with (
            self._datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row, binary=True) as cursor,
        ):
            parameters = {"after": after, "size": size, "topics": list(topics)}
            cursor.execute(self._statement, parameters, prepare=True)
            rows = cursor.fetchall()
        # The one row with no topic (no wanted notification's is NULL) is the page's last position
        # and count; the others come in the order of the table, sorted here, not in the database.
        at = len(rows) - 1 if rows[-1][3] is None else next(i for i, row in enumerate(rows) if row[3] is None)
        last, _, read, _, _ = rows.pop(at)
        if not read:
            return None
        rows.sort()  # by position, unique: no tuple is compared past it
        return LogPage(_notifications(rows, None), last, read)


class SQLiteLogReader:
    """Two statements in one read transaction (one snapshot): the page's last position and count,
    then the wanted rows up to it, in rowid order."""

    def __init__(self, recorder: SQLiteApplicationRecorder) -> None:
        self._datastore = recorder.datastore
        # As recorder.convert_originator_id, without looking up the setting for every row.
        self._convert_id = UUID if recorder.datastore.originator_id_type == "uuid" else None
        table = recorder.events_table_name
        self._bounds = (
            f"SELECT max(rowid), count(*) FROM (SELECT rowid FROM {table} WHERE rowid > ?"  # noqa: S608 - eventsourcing's own table name
            " ORDER BY rowid LIMIT ?)"
        )
        self._rows = (
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {table}"  # noqa: S608 - as above
            " WHERE rowid > ? AND rowid <= ? AND topic IN ({}) ORDER BY rowid"
        )
        self._statements: dict[int, str] = {}  # the rows' statement by number of topics

    def read(self, after: int, size: int, topics: Collection[str]) -> LogPage | None:
        with self._datastore.transaction(commit=False) as cursor:
            raw = cursor.sqlite_cursor
            raw.row_factory = None  # tuples, not the connection's sqlite3.Row
            last, read = raw.execute(self._bounds, (after, size)).fetchone()
            if not read:
                return None
            rows = raw.execute(self._statement(len(topics)), (after, last, *topics)).fetchall()
        return LogPage(_notifications(rows, self._convert_id), last, read)

    def _statement(self, topics: int) -> str:
        try:
            return self._statements[topics]
        except KeyError:
            statement = self._statements[topics] = self._rows.format(", ".join("?" * topics))
            return statement
