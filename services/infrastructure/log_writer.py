"""A log handler that keeps formatting and writing off the request's path: the API process's.

A request's thread only runs the handler's filters (the correlation id is read where the record is
made) and queues the record; a thread of the handler's own formats what has queued every
``BATCH_SECONDS`` and writes it in one write and one flush, instead of a write and a flush a line
(two lines a command: uvicorn's access line and the command's outcome). A line reaches the stream
at most about ``BATCH_SECONDS`` late; ``flush()`` (and ``logging.shutdown()`` at exit) writes what
has queued at once. A warning or worse, and any record of the loggers named ``at_once`` (uvicorn's
server life: started, shutting down, finished), is written at once, after what queued before it:
uvicorn ends a process stopped by SIGTERM by raising the signal again, so no ``atexit`` runs, and
its last line is one of those. A process killed outright loses what it had not written yet.

Without a stream of its own the handler writes to whatever ``sys.stderr`` is when it writes (as
``logging.lastResort`` does), so that a test harness swapping stderr never leaves it a closed one;
lines for a stream already closed are dropped, as nothing can read them.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections import deque
from typing import IO

BATCH_SECONDS = 0.02


class BackgroundHandler(logging.Handler):
    def __init__(self, stream: IO[str] | None = None, at_once: tuple[str, ...] = ("uvicorn.error",)) -> None:
        super().__init__()
        self._stream = stream
        self._at_once = frozenset(at_once)
        self._queue: deque[logging.LogRecord] = deque()
        self._queued = threading.Event()
        self._stopping = threading.Event()
        self._writing = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="concord-log-writer", daemon=True)
        self._thread.start()

    @property
    def stream(self) -> IO[str]:
        return self._stream if self._stream is not None else sys.stderr

    def handle(self, record: logging.LogRecord) -> bool:
        """Filters, then queues: no lock taken (``deque.append`` is atomic, ``Event.set`` only
        when the writer is not already woken)."""
        if not self.filter(record):
            return False
        self._queue.append(record)
        if record.levelno >= logging.WARNING or record.name in self._at_once:
            self._write()
        elif not self._queued.is_set():
            self._queued.set()
        return True

    def emit(self, record: logging.LogRecord) -> None:
        self.handle(record)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._queued.wait()
            self._stopping.wait(BATCH_SECONDS)  # let a batch gather (or stop at once when closed)
            self._queued.clear()
            self._write()

    def _write(self) -> None:
        with self._writing:
            lines = []
            while self._queue:
                record = self._queue.popleft()
                try:
                    lines.append(self.format(record))
                except Exception:
                    self.handleError(record)
            stream = self.stream
            if lines and not getattr(stream, "closed", False):
                try:
                    stream.write("\n".join(lines) + "\n")
                    stream.flush()
                except Exception:
                    self.handleError(logging.makeLogRecord({"msg": "log write failed"}))

    def flush(self) -> None:
        self._write()

    def close(self) -> None:
        self._stopping.set()
        self._queued.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self._write()
        super().close()
