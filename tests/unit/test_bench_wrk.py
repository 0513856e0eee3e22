"""bench.wrk: the Lua script's printed summary is read and shaped as bench.http_load reports a level."""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from bench import http_load, reads, report, wrk

# What the generated script's done() printed after a wrk -t2 -c16 run (wrk's own lines kept).
SAMPLE = """\
Running 10s test @ http://127.0.0.1:41234/graphql
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    47.12ms   21.40ms 212.51ms   71.33%
    Req/Sec   170.21     31.08   250.00     69.50%
  Latency Distribution
     50%   44.03ms
     75%   57.89ms
     90%   73.10ms
     99%  128.77ms
  3392 requests in 10.01s, 1.52MB read
  Non-2xx or 3xx responses: 2
Requests/sec:    338.86
Transfer/sec:    155.68KB
concord-wrk threads=2
concord-wrk requests=3392
concord-wrk duration_us=10010123
concord-wrk socket_connect=0
concord-wrk socket_read=0
concord-wrk socket_write=0
concord-wrk socket_status=2
concord-wrk socket_timeout=0
concord-wrk ok=3389
concord-wrk non200=2
concord-wrk graphql_errors=1
concord-wrk bad_payload=0
concord-wrk latency_p50_us=44031
concord-wrk latency_p90_us=73102
concord-wrk latency_p99_us=128770
concord-wrk latency_mean_us=47120.5
concord-wrk latency_max_us=212510
concord-wrk sample=HTTP 500: {"detail": "boom"} second line
"""


def test_parse_reads_the_summary_lines_and_ignores_wrks_own_report() -> None:
    values = wrk.parse(SAMPLE)

    assert values["requests"] == 3392
    assert values["duration_us"] == 10010123
    assert values["latency_p99_us"] == 128770
    assert values["sample"] == 'HTTP 500: {"detail": "boom"} second line'
    assert "Requests/sec" not in " ".join(values)


def test_shape_gives_the_level_http_load_reports() -> None:
    level = wrk.shape(wrk.parse(SAMPLE), concurrency=16, server_cpu_s=9.16, client_cpu_s=0.8)

    assert level["load_generator"] == "wrk"
    assert level["concurrency"] == 16
    assert level["requests"] == 3392
    assert level["elapsed_s"] == pytest.approx(10.010123)
    assert level["commands_per_s"] == pytest.approx(3389 / 10.010123)  # acknowledged ones only
    assert level["latency"]["p50_ms"] == pytest.approx(44.031)
    assert level["latency"]["p90_ms"] == pytest.approx(73.102)
    assert level["latency"]["p99_ms"] == pytest.approx(128.77)
    assert level["server_cpu_ms_per_command"] == pytest.approx(9.16 / 3389 * 1000)
    # The 2 statuses > 399 that wrk counts are the script's non200: not counted twice.
    assert level["errors"] == 3
    assert level["failures"]["non200"] == 2
    assert level["failures"]["graphql_errors"] == 1
    assert level["error_samples"] == ['HTTP 500: {"detail": "boom"} second line']


def test_report_table_takes_a_wrk_level_unchanged() -> None:
    level = wrk.shape(wrk.parse(SAMPLE), concurrency=16, server_cpu_s=None, client_cpu_s=0.8)
    table = report.table({"postgresql": {"http": {"c16": level}}})

    assert "339" in table
    assert "44.0 / 128.8" in table


def test_socket_errors_and_uncounted_responses_are_errors() -> None:
    values = wrk.parse(SAMPLE.replace("socket_timeout=0", "socket_timeout=4").replace("ok=3389", "ok=3380"))
    level = wrk.shape(values, concurrency=16, server_cpu_s=None, client_cpu_s=0.0)

    assert level["failures"]["timeout"] == 4
    assert level["errors"] == 3 + 4 + 1
    assert "different number" in level["error_samples"][-1]


def test_parse_without_the_summary_says_what_wrk_printed() -> None:
    with pytest.raises(wrk.WrkError, match="unable to connect"):
        wrk.parse("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_a_server_that_recorded_fewer_commands_than_acknowledged_is_reported() -> None:
    assert wrk.unrecorded(before=100, after=1101, acknowledged=1000) is None
    assert wrk.unrecorded(before=100, after=1105, acknowledged=1000) is None  # in flight at the end
    assert "recorded 999" in (wrk.unrecorded(before=100, after=1100, acknowledged=1000) or "")


def test_script_carries_body_and_headers_as_lua_strings() -> None:
    lua = wrk.script({"query": 'say "hé"\n'}, {"authorization": "Bearer a.b"})

    assert 'wrk.method = "POST"' in lua
    assert 'wrk.headers["authorization"] = "Bearer a.b"' in lua
    assert r'wrk.body = "{\"query\": \"say \\\"h\\u00e9\\\"\\n\"}"' in lua
    assert wrk.lua_string("é\n") == r'"\195\169\010"'
    assert "thread:get(name)" in lua
    assert "latency:percentile(p)" in lua


# Real wrk runs against a small server that answers like /graphql.
BODY = {"query": "mutation { postRequest { position } }", "variables": {"n": "é"}}
HEADERS = {"content-type": "application/json", "authorization": "Bearer test-token"}
needs_wrk = pytest.mark.skipif(
    shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)"
)


class StubHandler(BaseHTTPRequestHandler):
    """A stub server's handler: JSON answers, and no log line per request."""

    def send_json(self, status: int, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        return


class FakeGraphQL(StubHandler):
    """Answers postRequest (some with a 500 or GraphQL errors when ``flaky``) and the requests count."""

    protocol_version = "HTTP/1.1"  # keep-alive, as wrk expects
    wbufsize = 1 << 16  # headers and body in one write: no Nagle / delayed-ACK stall per answer
    answered: ClassVar[Counter[str]] = Counter()
    flaky = True
    loses_every_other = False  # acknowledges every command, records half of them
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        with self.lock:
            kind, status, payload = self._answer(body, sum(self.answered.values()))
            self.answered[kind] += 1
        self.send_json(status, payload)

    def _answer(self, body: dict[str, object], n: int) -> tuple[str, int, bytes]:
        if self.headers["authorization"] != HEADERS["authorization"]:
            return "mismatch", 401, b'{"detail": "no token"}'
        if "totalCount" in str(body.get("query")):
            return self._count()
        if body != BODY:
            return "mismatch", 400, b'{"detail": "not the bench body"}'
        if self.flaky and n % 7 == 3:
            return "non200", 500, b'{"detail": "boom"}'
        if self.flaky and n % 5 == 4:
            return "graphql_errors", 200, b'{"data": null, "errors": [{"message": "x"}]}'
        return "ok", 200, b'{"data": {"postRequest": {"position": %d, "request": {"id": "r"}}}}' % n

    def _count(self) -> tuple[str, int, bytes]:
        if not self.headers.get(http_load.CONSISTENT_WITH):
            return "mismatch", 400, b'{"detail": "count without Concord-Consistent-With"}'
        recorded = self.answered["ok"] // 2 if self.loses_every_other else self.answered["ok"]
        return "count", 200, b'{"data": {"requests": {"totalCount": %d}}}' % recorded


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """The stub handler served on a port of its own, on threads, for the test's duration."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def fake_server() -> Iterator[str]:
    FakeGraphQL.answered = Counter()
    with serving(FakeGraphQL) as base:
        yield base


@needs_wrk
def test_real_wrk_counts_every_kind_of_answer_across_threads(
    fake_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(FakeGraphQL, "flaky", True)
    lua = tmp_path / "post.lua"
    lua.write_text(wrk.script(BODY, HEADERS))

    run = wrk.run(f"{fake_server}/graphql", seconds=1, concurrency=4, script_path=str(lua))
    values, client_cpu = asyncio.run(run)
    level = wrk.shape(values, concurrency=4, server_cpu_s=None, client_cpu_s=client_cpu)

    answered = FakeGraphQL.answered
    assert answered["mismatch"] == 0
    assert level["threads"] == 2
    assert level["requests"] > 50
    # Whatever was still in flight when wrk stopped was answered but not counted.
    assert 0 <= answered.total() - level["requests"] <= 4
    assert 0 < level["failures"]["non200"] <= answered["non200"]
    assert 0 < level["failures"]["graphql_errors"] <= answered["graphql_errors"]
    assert level["failures"]["bad_payload"] == 0
    assert (
        level["ok"] == level["requests"] - level["failures"]["non200"] - level["failures"]["graphql_errors"]
    )
    assert level["errors"] == level["failures"]["non200"] + level["failures"]["graphql_errors"]
    assert level["latency"]["p50_ms"] <= level["latency"]["p90_ms"] <= level["latency"]["p99_ms"]
    assert level["error_samples"]


@needs_wrk
@pytest.mark.parametrize("loses_commands", [False, True])
def test_command_level_checks_that_the_server_recorded_what_wrk_saw_acknowledged(
    fake_server: str, monkeypatch: pytest.MonkeyPatch, loses_commands: bool
) -> None:
    monkeypatch.setattr(FakeGraphQL, "flaky", False)
    monkeypatch.setattr(FakeGraphQL, "loses_every_other", loses_commands)
    monkeypatch.setattr(http_load, "POST_BODY", BODY)
    monkeypatch.setattr(http_load, "HEADERS", HEADERS)
    cpu = iter([1.0, 1.5])

    level = asyncio.run(wrk.command_level(fake_server, 1, 2, lambda: next(cpu)))

    assert FakeGraphQL.answered["mismatch"] == 0
    assert level["ok"] > 50
    assert level["server_cpu_s"] == 0.5
    if loses_commands:
        assert level["errors"] == 1
        assert "wrk counted" in level["error_samples"][0]
    else:
        assert level["errors"] == 0
        assert level["ok"] <= level["recorded"]["during_run"] <= level["ok"] + 2


def test_a_read_script_gets_without_a_body_or_posts_the_operation() -> None:
    coverage = reads._pairs("http://g", "http://r")["Coverage"]

    get = reads.rest_script(coverage, "Coverage")
    assert 'wrk.method = "GET"' in get
    assert "wrk.body" not in get
    assert "graphql = false" in get
    post = reads.graphql_script(coverage, "Coverage")
    assert 'wrk.method = "POST"' in post
    assert "graphql = true" in post
    assert wrk.lua_string(json.dumps(reads.COVERAGE)) in post
    assert 'wrk.headers["content-type"] = "application/json"' in post


class FakeReads(StubHandler):
    """Answers one read with each of ``answers`` in turn: (kind, status, body)."""

    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16
    answers: ClassVar[list[tuple[str, int, bytes]]] = []
    answered: ClassVar[Counter[str]] = Counter()
    lock = threading.Lock()

    def do_GET(self) -> None:
        self._reply("/coverage")

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        self._reply("/graphql", body == reads.COVERAGE and self.headers["authorization"] == "Bearer t")

    def _reply(self, path: str, request_ok: bool = True) -> None:
        with self.lock:
            if self.path != path or not request_ok:
                kind, status, payload = "mismatch", 400, b'{"detail": "not the read"}'
            else:
                kind, status, payload = self.answers[sum(self.answered.values()) % len(self.answers)]
            self.answered[kind] += 1
        self.send_json(status, payload)


@pytest.fixture
def reads_server() -> Iterator[str]:
    FakeReads.answered = Counter()
    with serving(FakeReads) as base:
        yield base


def _counted_as_answered(level: dict[str, object], kinds: dict[str, str]) -> None:
    """Each kind of answer counted under its failure (or ok), give or take what was in flight."""
    answered = FakeReads.answered
    assert answered["mismatch"] == 0
    counts: Counter[str] = Counter()
    for kind, counter in kinds.items():
        counts[counter] += answered[kind]
    failures = level["failures"]
    assert isinstance(failures, dict)
    for counter, expected in counts.items():
        counted = level["ok"] if counter == "ok" else failures[counter]
        assert isinstance(counted, int)
        assert 0 < counted <= expected
        assert counted >= expected - 4  # answered while wrk stopped, not counted


@needs_wrk
def test_real_wrk_counts_graphql_read_errors_and_answers_without_data(
    reads_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        http_load, "HEADERS", {"content-type": "application/json", "authorization": "Bearer t"}
    )
    monkeypatch.setattr(
        FakeReads,
        "answers",
        [
            ("ok", 200, b'{"data":{"coverage":[{"memberState":"PHL","sector":"SHL"}]}}'),
            ("status", 500, b'{"detail":"boom"}'),
            ("errors", 200, b'{"data":null,"errors":[{"message":"x"}]}'),
            ("null_data", 200, b'{"data":null}'),
            # rows outside "data" are no answer
            ("rows_outside_data", 200, b'{"data":null,"extensions":{"coverage":[{"memberState":"PHL"}]}}'),
            ("no_data", 200, b'{"extensions":{}}'),
            ("spaced", 200, b'{"data": {"coverage": [ {"memberState": "PHL"}]}}'),
            ("empty", 200, b'{"data":{"coverage":[]}}'),
        ],
    )
    coverage = reads._pairs(reads_server, reads_server)["Coverage"]
    cpu = iter([2.0, 2.25])

    lua = reads.graphql_script(coverage, "Coverage")
    level = asyncio.run(wrk.read_level(f"{reads_server}/graphql", lua, 1, 4, lambda: next(cpu)))

    kinds = {"ok": "ok", "spaced": "ok", "status": "non200", "errors": "graphql_errors"}
    kinds |= dict.fromkeys(("null_data", "rows_outside_data", "no_data", "empty"), "bad_payload")
    _counted_as_answered(level, kinds)
    assert level["errors"] == level["requests"] - level["ok"]
    assert level["per_s"] == pytest.approx(level["ok"] / level["elapsed_s"])
    assert level["server_cpu_s"] == 0.25
    assert level["server_cpu_ms_per_read"] == pytest.approx(250 / level["ok"])
    assert level["error_samples"]


@needs_wrk
def test_real_wrk_counts_bare_rest_reads_by_status_and_rows(
    reads_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        FakeReads,
        "answers",
        [
            ("ok", 200, b'[{"memberState":"PHL","errors":0}]'),  # no GraphQL check on REST
            ("status", 503, b"busy"),
            ("empty", 200, b"[]"),
        ],
    )
    coverage = reads._pairs(reads_server, reads_server)["Coverage"]

    lua = reads.rest_script(coverage, "Coverage")
    level = asyncio.run(wrk.read_level(f"{reads_server}{coverage.rest_path}", lua, 1, 4))

    _counted_as_answered(level, {"ok": "ok", "status": "non200", "empty": "bad_payload"})
    assert level["failures"]["graphql_errors"] == 0
    assert level["server_cpu_s"] is None
    assert level["error_samples"][0] in ("HTTP 503: busy", "unexpected REST Coverage payload: []")


def test_the_bench_sends_the_workbenchs_named_operation_or_the_same_text_unknown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(http_load, "POST_BODY", http_load.POST_BODY)
    named = (Path(__file__).parents[2] / "graphql" / "operations" / "PostRequest.graphql").read_text()

    http_load.use_document("named")
    sent = http_load.POST_BODY
    assert sent["query"] == named
    assert sent["operationName"] == "PostRequest"
    assert sent["variables"]["input"] is http_load.POST_VARIABLES["i"]  # the crisis set later is sent
    http_load.use_document("general")
    assert http_load.POST_BODY["query"] != named
    assert http_load.POST_BODY["query"].startswith(named)
    http_load.use_document("minimal")
    assert http_load.POST_BODY["query"] == http_load.POST_REQUEST
    with pytest.raises(ValueError, match="one of"):
        http_load.use_document("other")
