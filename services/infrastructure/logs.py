"""Structured logs: one JSON object a line, carrying the correlation id of the request at hand.

The API sets the correlation id (``X-Correlation-ID``, else ``X-Request-ID``, else a new one) for
each request; commands record the same id in their events' actor, so a log line and the events
it speaks of can be joined.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

import orjson

from services.infrastructure.log_writer import BackgroundHandler

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)

#: Attributes every LogRecord has; anything else on a record was passed as ``extra=``.
#: uvicorn's ``color_message`` repeats the message with terminal colours.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",
}


class CorrelationFilter(logging.Filter):
    """Stamps each record with the correlation id where it is logged (threads inherit it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "correlation_id", None) is None:
            record.correlation_id = correlation_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": getattr(record, "correlation_id", None),
        }
        entry.update(
            (key, value)
            for key, value in vars(record).items()
            if key not in _STANDARD and key not in entry and not key.startswith("_")
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        # orjson: two log lines a command (access and outcome) made the stdlib encoder show up.
        return orjson.dumps(entry, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


def handler(
    log_format: str = "json", stream: IO[str] | None = None, *, background: bool = False
) -> logging.Handler:
    """A handler writing ``log_format`` lines to ``stream`` (stderr by default); ``background``: from
    a thread of its own, in batches (services.infrastructure.log_writer), as the API process does."""
    # In the background, without a stream of its own: stderr as it is at each write.
    chosen: logging.Handler = (
        BackgroundHandler(stream) if background else logging.StreamHandler(stream or sys.stderr)
    )
    chosen.addFilter(CorrelationFilter())
    if log_format == "json":
        chosen.setFormatter(JsonFormatter())
    else:
        chosen.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s")
        )
    return chosen


def configure(log_format: str = "json", level: str = "INFO", *, background: bool = False) -> None:
    """Send every logger (uvicorn's included) through one handler on the root logger.

    No record looks up the file and line it was logged from (the logging HOWTO's
    ``logging._srcfile = None``), nor its thread's or process's name: no line shows them.
    """
    logging._srcfile = None  # noqa: SLF001 - the documented switch
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
        existing.close()
    root.addHandler(handler(log_format, background=background))
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
