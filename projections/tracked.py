"""One projector and its tracking position: a batch's rows and the position in one transaction,
exactly once. The runner (``projections.runner``) hands it what it reads of the log; on its own it
catches up with the log in bulk (``catch_up``, ``rebuild``) and resets."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, cast

from eventsourcing.persistence import Notification
from sqlalchemy import Index, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from projections.batching import BatchedWrites
from projections.catchup import Page, catch_up_together
from projections.database import writer
from projections.log_reader import log_reader
from projections.progress import Progress
from projections.projector import Projector
from projections.rebuilding import analyse, bulk_connection, create_indexes, drop_indexes, write_only_indexes
from projections.tables import projection_tracking
from projections.threaded import InThread, sync_twin

log = logging.getLogger(__name__)

Decode = Callable[[Notification], Any]
Decoded = tuple[Notification, Any]  # a notification and its domain event (or why it failed to decode)


_tracking = projection_tracking.c
#: A projection's tracking row moved, guarded by the position it had: built once (every batch a
#: projection writes moves its row).
_MOVE_TRACKING = (
    update(projection_tracking)
    .where(_tracking.projection == bindparam("name"), _tracking.position == bindparam("seen"))
    .values(position=bindparam("to"), updated_at=bindparam("now"))
)


class TrackingConflict(RuntimeError):
    """Another process (or a rebuild) moved this projection's position: re-read it and go on."""


class TrackedProjection:
    """A projector with the position it reached in this process and the one its tracking row holds."""

    def __init__(
        self,
        projector: Projector,
        *,
        engine: AsyncEngine,
        recorder: Any,
        decode: Decode,
        progress: Progress | None = None,
        batch_size: int = 500,
    ) -> None:
        self.projector = projector
        self._engine = writer(engine)  # on SQLite: BEGIN IMMEDIATE, wait for the write lock
        self._reader = log_reader(recorder)
        self._decode = decode
        self._progress = progress
        self._batch_size = batch_size
        self.position = 0  # reached, in this process
        self._persisted = 0  # as the tracking row says

    async def catch_up(
        self, on_batch: Callable[[int], None] | None = None, *, batch_size: int | None = None
    ) -> int:
        """Project everything recorded so far; returns the number of notifications read.
        ``on_batch`` learns the position reached after each batch (progress for the CLI);
        ``batch_size`` (a rebuild's, larger than the live one) is events per transaction."""
        return await self._catch_up(on_batch, batch_size or self._batch_size)

    async def rebuild(
        self, on_batch: Callable[[int], None] | None = None, *, batch_size: int | None = None
    ) -> int:
        """Reset, then catch up from the start of the log; returns the notifications read.
        The projector's write-only indexes are dropped with its rows and created once the log is
        replayed, whether the replay finished or not (``concord migrate`` restores any that a
        killed rebuild left missing)."""
        deferred = write_only_indexes(self.projector)
        async with bulk_connection(self._engine) as conn:
            async with conn.begin():
                await drop_indexes(conn, deferred)
                await self._reset(conn)
            try:
                count = await self._catch_up(on_batch, batch_size or self._batch_size)
            except BaseException:
                await self._create_indexes_after_failure(deferred)
                raise
            async with conn.begin():
                await create_indexes(conn, deferred)
                await analyse(conn, [self.projector])
        return count

    async def _create_indexes_after_failure(self, indexes: list[Index]) -> None:
        """On a connection of its own: the catch-up's may be what failed."""
        try:
            async with self._engine.begin() as conn:
                await create_indexes(conn, indexes)
        except Exception:
            log.exception("%s: indexes not created again; concord migrate creates them", self.projector.name)

    async def _catch_up(self, on_batch: Callable[[int], None] | None, size: int) -> int:
        """The catch-up's batches, this projection alone (``CatchingUp``)."""
        part = self.catching_up(on_batch)
        [outcome] = await catch_up_together([part], self._reader, self._decode, size=size, at_once=False)
        if outcome is not None:
            raise outcome
        return part.read

    def catching_up(self, on_batch: Callable[[int], None] | None = None) -> CatchingUp:
        """This projection's side of a catch-up shared with others (projections.catchup)."""
        thread = InThread(sync_twin(self._engine), f"catch-up-{self.projector.name}")
        return CatchingUp(self, thread, on_batch)

    async def _restart(self) -> None:
        self.position = self._persisted = await self.load_position()
        self._report()

    def relevant(self, decoded: Sequence[Decoded], new_position: int) -> list[Decoded] | None:
        """What of a batch another reader took from the log and decoded (see ProjectionRunner) this
        projector wants past its position; None if it has already passed ``new_position``."""
        if new_position <= self.position:
            return None
        position, topics = self.position, self.projector.topics
        return [(n, e) for n, e in decoded if n.id > position and n.topic in topics]

    async def write(
        self,
        conn: AsyncConnection,
        decoded: Sequence[Decoded],
        new_position: int,
        *,
        move_tracking: bool = True,
    ) -> None:
        """Project ``decoded`` and move the tracking row to ``new_position`` in the caller's
        transaction; after it commits, the caller calls ``reached``. A notification that could not
        be decoded carries its exception, raised here. With ``move_tracking=False`` the caller
        moves the row itself in the same transaction, guarded by ``persisted`` as here."""
        writes = BatchedWrites(conn)
        through = cast(AsyncConnection, writes)  # it has what projectors call
        async with self.projector.batch(through):
            for notification, event in decoded:
                if isinstance(event, Exception):
                    raise event
                await self.projector.project(through, event, notification.id)
        await writes.flush()
        if move_tracking:
            await self._move_tracking(conn, new_position)

    def reached(self, new_position: int, *, written: bool) -> None:
        """The position reached after a batch: ``written`` if its tracking row says so too."""
        self.position = new_position
        if written:
            self._persisted = new_position
        self._report()

    @property
    def persisted(self) -> int:
        """The position the tracking row had when this runner last wrote or read it."""
        return self._persisted

    @property
    def behind_on_disk(self) -> bool:
        """The position reached is ahead of the tracking row (moved in memory only)."""
        return self._persisted != self.position

    async def restart(self) -> None:
        """Forget the position in memory and take the tracking row's (after a conflict or failure)."""
        await self._restart()

    async def move_tracking(self, conn: AsyncConnection) -> None:
        """Write the position reached in ``conn``'s transaction; the caller commits, then calls
        ``tracking_moved``. Raises TrackingConflict if another runner moved the row."""
        await self._move_tracking(conn, self.position)

    def tracking_moved(self, position: int) -> None:
        self._persisted = position

    async def apply_catch_up(
        self, conn: AsyncConnection, events: Sequence[tuple[Any, int]], new_position: int
    ) -> None:
        """A catch-up batch, decoded already (by its reader), its rows sent in bulk, in the
        caller's transaction. The tracking row moves first: before a COPY could run outside it."""
        await self._move_tracking(conn, new_position)
        writes = BatchedWrites(conn, bulk=True)
        through = cast(AsyncConnection, writes)
        async with self.projector.batch(through):
            for event, position in events:
                await self.projector.project(through, event, position)
        await writes.flush()

    async def _move_tracking(self, conn: AsyncConnection, new_position: int) -> None:
        """Guarded by the position last written, so that two runners never both apply a batch."""
        moved = await conn.execute(
            _MOVE_TRACKING,
            {
                "name": self.projector.name,
                "seen": self._persisted,
                "to": new_position,
                "now": datetime.now(UTC),
            },
        )
        if moved.rowcount != 1:
            msg = f"{self.projector.name}: position moved away from {self._persisted}"
            raise TrackingConflict(msg)

    async def load_position(self) -> int:
        """The position recorded for this projector, registering it at 0 when new."""
        async with self._engine.begin() as conn:
            return await self.read_position(conn)

    async def read_position(self, conn: AsyncConnection) -> int:
        dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        await conn.execute(
            dialect_insert(projection_tracking)
            .values(projection=self.projector.name, position=0, updated_at=datetime.now(UTC))
            .on_conflict_do_nothing(index_elements=["projection"])
        )
        name = self.projector.name
        position = await conn.scalar(
            select(projection_tracking.c.position).where(projection_tracking.c.projection == name)
        )
        return int(position or 0)

    async def reset(self) -> None:
        """Empty this projector's tables and rewind it to the start of the log, in one transaction."""
        async with self._engine.begin() as conn:
            await self._reset(conn)

    async def _reset(self, conn: AsyncConnection) -> None:
        for table in reversed(self.projector.tables):
            await conn.execute(delete(table))
        await conn.execute(
            delete(projection_tracking).where(projection_tracking.c.projection == self.projector.name)
        )
        self.position = self._persisted = 0

    def _report(self) -> None:
        if self._progress is not None:
            self._progress.advance(self.projector.name, self.position)


class CatchingUp:
    """A projection's side of a catch-up (``projections.catchup.catch_up_together``): its batches,
    each a transaction of its own on one connection, on a thread of its own (projections.threaded),
    from pages read and decoded by the catch-up for all the projections in it."""

    def __init__(
        self, tracked: TrackedProjection, conn: InThread, on_batch: Callable[[int], None] | None
    ) -> None:
        self._tracked = tracked
        self._conn = conn
        self._on_batch = on_batch
        self._opened = False
        self.read = 0

    @property
    def position(self) -> int:
        return self._tracked.position

    @property
    def topics(self) -> frozenset[str]:
        return frozenset(self._tracked.projector.topics)

    async def open(self) -> None:
        await self._conn.__aenter__()
        self._opened = True
        self._tracked.reached(await self._conn.transaction(self._tracked.read_position), written=True)

    async def take(self, page: Page) -> None:
        """What this projection wants of ``page`` and its tracking row, in one transaction."""
        tracked = self._tracked
        if page.last <= tracked.position:
            return
        events = page.events(tracked.position, tracked.projector.topics)
        if events:
            await self._conn.transaction(
                partial(tracked.apply_catch_up, events=events, new_position=page.last)
            )
        tracked.reached(page.last, written=bool(events))
        self.read += page.read
        if self._on_batch is not None:
            self._on_batch(tracked.position)

    async def finish(self) -> None:
        """The position reached, if no batch wrote it."""
        tracked = self._tracked
        if tracked.behind_on_disk:
            await self._conn.transaction(tracked.move_tracking)
            tracked.tracking_moved(tracked.position)

    async def close(self) -> None:
        if self._opened:
            self._opened = False
            await self._conn.__aexit__(None, None, None)
