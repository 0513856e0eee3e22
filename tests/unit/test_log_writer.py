"""The API process's log handler: lines written from a thread of its own, in order, each with the
correlation id of the request that logged it."""

from __future__ import annotations

import io
import json
import logging
import threading
import time

from services.infrastructure import logs
from services.infrastructure.log_writer import BackgroundHandler


def _logger(handler: logging.Handler) -> logging.Logger:
    logger = logging.getLogger(f"test.log_writer.{id(handler)}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return logger


def test_lines_carry_the_correlation_id_of_the_thread_that_logged_them() -> None:
    stream = io.StringIO()
    handler = logs.handler("json", stream, background=True)
    logger = _logger(handler)

    def request(name: str) -> None:
        token = logs.correlation_id.set(name)
        try:
            logger.info("command %s: ok", name, extra={"command": name})
        finally:
            logs.correlation_id.reset(token)

    threads = [threading.Thread(target=request, args=(f"req-{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    handler.flush()

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert sorted(line["correlation_id"] for line in lines) == sorted(f"req-{i}" for i in range(8))
    assert all(line["message"] == f"command {line['command']}: ok" for line in lines)
    handler.close()


def test_lines_reach_the_stream_without_a_flush_in_order() -> None:
    stream = io.StringIO()
    handler = BackgroundHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = _logger(handler)

    for i in range(100):
        logger.info("line %d", i)
    deadline = time.monotonic() + 5
    while stream.getvalue().count("\n") < 100 and time.monotonic() < deadline:
        time.sleep(0.01)

    assert stream.getvalue().splitlines() == [f"line {i}" for i in range(100)]
    handler.close()


def test_closing_writes_what_has_queued() -> None:
    stream = io.StringIO()
    handler = BackgroundHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = _logger(handler)

    logger.info("last words")
    handler.close()

    assert stream.getvalue() == "last words\n"
    assert not handler._thread.is_alive()


def test_the_servers_life_and_warnings_are_written_at_once_after_what_queued() -> None:
    stream = io.StringIO()
    handler = BackgroundHandler(stream, at_once=("test.server",))
    handler.setFormatter(logging.Formatter("%(message)s"))
    requests = _logger(handler)
    server = logging.getLogger("test.server")
    server.propagate = False
    server.setLevel(logging.INFO)
    server.addHandler(handler)
    try:
        requests.info("GET /healthz 200")
        server.info("Shutting down")
        after_shutting_down = stream.getvalue()
        requests.info("POST /graphql 200")
        requests.warning("slow writer")
        after_warning = stream.getvalue()
    finally:
        server.removeHandler(handler)
        handler.close()

    assert after_shutting_down == "GET /healthz 200\nShutting down\n"
    assert after_warning == after_shutting_down + "POST /graphql 200\nslow writer\n"


def test_without_a_stream_of_its_own_it_writes_to_stderr_as_it_is_then_and_never_to_a_closed_one(
    monkeypatch,
) -> None:
    handler = logs.handler("text", background=True)
    logger = _logger(handler)
    try:
        first = io.StringIO()
        monkeypatch.setattr("sys.stderr", first)
        logger.warning("to the first")  # a warning is written at once
        first.close()  # as a test harness closes the stderr it lent
        logger.warning("to nobody")
        second = io.StringIO()
        monkeypatch.setattr("sys.stderr", second)
        logger.warning("to the second")
        assert "to the second" in second.getvalue()
        assert "to nobody" not in second.getvalue()
    finally:
        handler.close()
