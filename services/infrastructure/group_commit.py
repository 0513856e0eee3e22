"""Group commit: the commands that arrive while the event store is busy share its next transaction.

Each PostgreSQL insert locks the events table for its whole transaction, so commands queue
behind one another for the lock, a round trip and a commit each. One writer thread records every
waiting command's events in one transaction instead, while each command keeps its own outcome:
commands that touch the same aggregate never share a batch, and if a batch still fails on a
version conflict, its commands are recorded one by one, so only the conflicting one fails.

A command with a deadline (services.infrastructure.deadlines) waits for its commit until then at most. One the
writer has not taken by then is dropped, unrecorded; one it has taken may still commit, as a
commit whose acknowledgement was lost: a retry with the same idempotency key finds its receipt.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import IntegrityError, Notification, Recording, StoredEvent

from services.infrastructure import deadlines
from services.infrastructure.deadlines import DatabaseTimeout

log = logging.getLogger(__name__)

Insert = Callable[[Sequence[StoredEvent]], Sequence[int] | None]
Committed = Callable[[list[Recording]], None]  # type: ignore[type-arg]


@dataclass
class Pending:
    """One command's events, waiting for the writer; ``done`` is set with its outcome."""

    events: Sequence[DomainEventProtocol[Any]]
    stored: Sequence[StoredEvent]
    deadline: float | None = None  # time.monotonic(): the command gives up waiting then
    done: threading.Event = field(default_factory=threading.Event)
    recordings: list[Recording] = field(default_factory=list)  # type: ignore[type-arg]
    error: BaseException | None = None
    taken: bool = False  # the writer is recording it
    abandoned: bool = False  # its command stopped waiting before the writer took it
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def originators(self) -> set[Any]:
        return {s.originator_id for s in self.stored}

    def record(self, notification_ids: Sequence[int]) -> None:
        self.recordings = [
            Recording(event, Notification(s.originator_id, s.originator_version, s.topic, s.state, n_id))
            for event, s, n_id in zip(self.events, self.stored, notification_ids, strict=True)
        ]

    def fail(self, error: BaseException) -> None:
        self.error = error
        self.done.set()

    def take(self) -> bool:
        """For the writer: False if its command has given up on it (it is then never recorded)."""
        with self._lock:
            self.taken = not self.abandoned
            return self.taken

    def abandon(self) -> None:
        """For the command, at its deadline: raise ``DatabaseTimeout`` unless the outcome came."""
        with self._lock:
            if self.done.is_set():
                return
            self.abandoned = not self.taken
        if self.abandoned:
            msg = "the event store did not take the command in time; it was not recorded"
        else:
            msg = "the event store did not confirm the commit in time; it may be recorded"
        raise DatabaseTimeout(msg)


_STOP = object()


class GroupCommitter:
    """One writer thread: takes every command waiting (up to ``max_batch``) and inserts them at once.

    ``window`` (seconds) lets the writer wait a little for more commands once one has arrived;
    with 0 it takes only those already waiting, which is what the lock contention gathers anyway.
    """

    def __init__(
        self, insert: Insert, *, committed: Committed, window: float = 0.0, max_batch: int = 64
    ) -> None:
        self._insert = insert
        self._committed = committed
        self._window = window
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[Pending | object] = queue.SimpleQueue()
        self._deferred: list[Pending] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    def commit(self, events: Sequence[DomainEventProtocol[Any]], stored: Sequence[StoredEvent]) -> Pending:
        """Record one command's events; blocks until they are committed or have failed, or until
        the caller's deadline (then ``DatabaseTimeout``)."""
        pending = Pending(events, stored, deadlines.deadline())
        self._ensure_started()
        self._queue.put(pending)
        if pending.deadline is None:
            pending.done.wait()
        elif not pending.done.wait(max(0.0, pending.deadline - time.monotonic())):
            pending.abandon()
        if pending.error is not None:
            raise pending.error
        return pending

    def close(self) -> None:
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._queue.put(_STOP)
            thread.join()

    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._closed:
                msg = "the application is closed"
                raise RuntimeError(msg)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="concord-group-commit", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        stopping = False
        while not stopping or self._deferred:
            arrived, stopping = self._gather(stopping)
            waiting = [pending for pending in [*self._deferred, *arrived] if not pending.abandoned]
            batch, self._deferred = self._split(waiting)
            batch = [pending for pending in batch if pending.take()]
            if batch:
                self._write(batch)

    def _gather(self, stopping: bool) -> tuple[list[Pending], bool]:
        """Whatever is waiting; block for the first one only when nothing was deferred."""
        arrived: list[Pending] = []
        block = not self._deferred and not stopping
        deadline: float | None = None
        while len(arrived) + len(self._deferred) < self._max_batch:
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                item = self._queue.get(block=block and timeout != 0.0, timeout=timeout)
            except queue.Empty:
                break
            if item is _STOP:
                stopping = True
                break
            assert isinstance(item, Pending)
            arrived.append(item)
            if deadline is None:
                block, deadline = self._window > 0, time.monotonic() + self._window
        return arrived, stopping

    @staticmethod
    def _split(waiting: list[Pending]) -> tuple[list[Pending], list[Pending]]:
        """A batch in which no two commands touch the same aggregate; the rest wait for the next."""
        batch: list[Pending] = []
        later: list[Pending] = []
        touched: set[Any] = set()
        for pending in waiting:
            originators = pending.originators
            if touched.isdisjoint(originators):
                batch.append(pending)
                touched |= originators
            else:
                later.append(pending)
        return batch, later

    def _write(self, batch: list[Pending]) -> None:
        waits = [pending.deadline for pending in batch]
        last_deadline = None if None in waits else max(w for w in waits if w is not None)
        try:
            with deadlines.until(last_deadline):  # nobody waits for the batch any longer
                ids = self._insert([s for pending in batch for s in pending.stored])
        except IntegrityError as error:
            if len(batch) == 1:
                batch[0].fail(error)
                return
            # Someone else changed one of these aggregates: find which, one command at a time.
            for pending in batch:
                self._write([pending])
            return
        except BaseException as error:  # every waiting command learns of the failure
            for pending in batch:
                pending.fail(error)
            if not isinstance(error, Exception):
                raise
            return
        assert ids is not None, "an application recorder returns the positions it gave"
        start = 0
        for pending in batch:
            end = start + len(pending.stored)
            pending.record(ids[start:end])
            start = end
        try:
            self._committed([recording for pending in batch for recording in pending.recordings])
        except Exception:
            log.exception("a listener failed after a commit")
        for pending in batch:
            pending.done.set()
