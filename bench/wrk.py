"""Drive the API with wrk, a C load generator, so the client does not take the server's cores.

On a 2-core machine the Python client (bench.http_load) spends about a third of the CPU the server
needs; wrk spends a small fraction of that. A generated Lua script sends one request (postRequest's
body and headers, a read operation's, or a bare REST GET), checks every response (status 200; for
GraphQL no ``"errors"`` and a ``"data"`` object; the payload the request asks for, such as
postRequest's ``"position"``) and prints the counts, summed over wrk's threads, with the latency
percentiles. The result has the shape of ``http_load.command_level``'s (``read_level``: of
``http_load.level``'s), so bench.report's table and bench.reads are unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from bench import http_load
from bench.stats import rate

NAME = "wrk"
PREFIX = "concord-wrk "
PERCENTILES = (50, 90, 99)
TIMEOUT_S = 30  # wrk's default (2 s) would count slow answers as errors and again as responses
STALE_RETRIES = 6
COUNTERS = ("ok", "non200", "graphql_errors", "bad_payload")
SOCKET_ERRORS = ("connect", "read", "write", "timeout")

#: A Lua pattern found in every good postRequest answer.
POSITION = '"position":%s*%d'
#: A Lua pattern found in a GraphQL answer with data: ``"data"`` an object, not null or absent.
GRAPHQL_DATA = '"data":%s*{'

_LUA_CHECKS = """
ok, non200, graphql_errors, bad_payload, sample = 0, 0, 0, 0, nil

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
    sample = sample or ("HTTP " .. status .. ": " .. string.sub(body, 1, 300))
  elseif graphql and string.find(body, '"errors"', 1, true) then
    graphql_errors = graphql_errors + 1
    sample = sample or ("GraphQL errors: " .. string.sub(body, 1, 300))
  elseif graphql and not string.find(body, graphql_data) then
    bad_payload = bad_payload + 1
    sample = sample or ("no GraphQL data: " .. string.sub(body, 1, 300))
  elseif not string.find(body, expected) then
    bad_payload = bad_payload + 1
    sample = sample or (expected_label .. string.sub(body, 1, 300))
  else
    ok = ok + 1
  end
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local totals = {ok = 0, non200 = 0, graphql_errors = 0, bad_payload = 0}
  local first = nil
  for _, thread in ipairs(threads) do
    for name, value in pairs(totals) do
      totals[name] = value + thread:get(name)
    end
    first = first or thread:get("sample")
  end
  local out = "concord-wrk "
  io.write(out, "threads=", #threads, "\\n")
  io.write(out, "requests=", summary.requests, "\\n")
  io.write(out, "duration_us=", summary.duration, "\\n")
  for name, value in pairs(summary.errors) do
    io.write(out, "socket_", name, "=", value, "\\n")
  end
  for name, value in pairs(totals) do
    io.write(out, name, "=", value, "\\n")
  end
  for _, p in ipairs({PERCENTILES}) do
    io.write(out, "latency_p", p, "_us=", latency:percentile(p), "\\n")
  end
  io.write(out, "latency_mean_us=", latency.mean, "\\n")
  io.write(out, "latency_max_us=", latency.max, "\\n")
  if first then
    io.write(out, "sample=", (string.gsub(first, "[\\r\\n]", " ")), "\\n")
  end
end
"""


class WrkError(Exception):
    """wrk failed, or printed no result this module can read."""


def available() -> bool:
    return shutil.which(NAME) is not None


def lua_string(text: str) -> str:
    """A Lua string literal for ``text``: printable ASCII as is, every other byte as ``\\ddd``."""
    out = []
    for byte in text.encode():
        char = chr(byte)
        if char in '\\"':
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def script(
    body: Mapping[str, Any] | None,
    headers: Mapping[str, str],
    expected: str = POSITION,
    label: str = "postRequest",
    graphql: bool = True,
) -> str:
    """The Lua script: the request, then the response checks and the summary printed by ``done()``.

    ``body`` is POSTed as JSON; None sends a GET. Every answer must have status 200 and contain
    ``expected`` (a Lua pattern); a ``graphql`` answer must also carry no ``"errors"`` and a
    ``"data"`` object. ``label`` names the payload in the sample of a response without ``expected``.
    """
    if body is None:
        lines = ['wrk.method = "GET"']
    else:
        lines = ['wrk.method = "POST"', f"wrk.body = {lua_string(json.dumps(body))}"]
    lines += [f"wrk.headers[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items()]
    lines += [
        f"graphql = {'true' if graphql else 'false'}",
        f"graphql_data = {lua_string(GRAPHQL_DATA)}",
        f"expected = {lua_string(expected)}",
        f"expected_label = {lua_string(f'unexpected {label} payload: ')}",
    ]
    checks = _LUA_CHECKS.replace("PERCENTILES", ", ".join(str(p) for p in PERCENTILES))
    return "\n".join(lines) + "\n" + checks


def parse(output: str) -> dict[str, Any]:
    """The ``concord-wrk key=value`` lines that ``done()`` prints; numbers as numbers."""
    values: dict[str, Any] = {}
    for line in output.splitlines():
        if not line.startswith(PREFIX):
            continue
        key, _, value = line[len(PREFIX) :].partition("=")
        values[key] = value if key == "sample" else float(value)
    missing = [k for k in ("requests", "duration_us", *COUNTERS) if k not in values]
    if missing:
        tail = "\n".join(output.splitlines()[-15:])
        raise WrkError(f"wrk printed no {', '.join(missing)}; output tail:\n{tail}")
    return values


def shape(
    values: Mapping[str, Any], concurrency: int, server_cpu_s: float | None, client_cpu_s: float
) -> dict[str, Any]:
    """``parse``'s values as ``http_load.command_level`` reports a level."""
    requests = int(values["requests"])
    elapsed = values["duration_us"] / 1e6
    failures = {k: int(values[k]) for k in COUNTERS[1:]}
    failures.update({k: int(values.get(f"socket_{k}", 0)) for k in SOCKET_ERRORS})
    ok = int(values["ok"])
    errors = sum(failures.values())
    samples = [values["sample"]] if "sample" in values else []
    if ok + failures["non200"] + failures["graphql_errors"] + failures["bad_payload"] != requests:
        errors += 1
        samples.append(f"wrk counted {requests} responses, the script checked a different number")
    latency = {f"p{p}_ms": values[f"latency_p{p}_us"] / 1000 for p in PERCENTILES}
    latency.update(mean_ms=values["latency_mean_us"] / 1000, max_ms=values["latency_max_us"] / 1000)
    return {
        "load_generator": NAME,
        "concurrency": concurrency,
        "threads": int(values.get("threads", 1)),
        "requests": requests,
        "ok": ok,
        "elapsed_s": elapsed,
        "commands_per_s": rate(ok, elapsed),
        "latency": latency,
        "server_cpu_s": server_cpu_s,
        "server_cpu_ms_per_command": server_cpu_s / ok * 1000 if server_cpu_s is not None and ok else None,
        "client_cpu_s": client_cpu_s,
        "errors": errors,
        "failures": failures,
        "error_samples": samples,
    }


def command(url: str, seconds: int, concurrency: int, script_path: str) -> list[str]:
    threads = min(2, concurrency)
    return [
        NAME,
        f"-t{threads}",
        f"-c{concurrency}",
        f"-d{seconds}s",
        f"--timeout={TIMEOUT_S}s",
        "--latency",
        "-s",
        script_path,
        url,
    ]


async def run(url: str, seconds: int, concurrency: int, script_path: str) -> tuple[dict[str, Any], float]:
    """One wrk run: its parsed values and the CPU seconds wrk used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = await asyncio.create_subprocess_exec(
        *command(url, seconds, concurrency, script_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    stdout, _ = await asyncio.wait_for(process.communicate(), timeout=seconds + TIMEOUT_S + 30)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = stdout.decode(errors="replace")
    if process.returncode != 0:
        raise WrkError(f"wrk exited with {process.returncode}:\n{output[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return parse(output), cpu


def unrecorded(before: int, after: int, acknowledged: int) -> str | None:
    """Why the server's count falls short of the commands wrk saw acknowledged; None when it does not.

    ``before`` and ``after`` are ``recorded_requests`` around the run; ``after`` includes its own
    marker. The server may have recorded more than wrk counted (requests in flight when wrk stopped).
    """
    recorded = after - before - 1
    if recorded >= acknowledged:
        return None
    return f"the server recorded {recorded} requests during the run; wrk counted {acknowledged} acknowledged"


async def recorded_requests(base_url: str) -> int:
    """Post a marker request, then count the requests as of its position (Concord-Consistent-With).

    Every command acknowledged before the marker was posted is in that count. The read models may
    still be projecting the run's last commands (STALE_READ after the server's wait): asked again,
    up to ``STALE_RETRIES`` times.
    """
    async with http_load.new_client(1) as client:
        position = await http_load.post_request(client, base_url)
        for _ in range(STALE_RETRIES):
            try:
                return await http_load.count_requests(client, base_url, consistent_with=position)
            except http_load.ResponseError as error:
                if "STALE_READ" not in str(error):
                    raise
        return await http_load.count_requests(client, base_url, consistent_with=position)


@contextlib.contextmanager
def _script_file(text: str) -> Iterator[str]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="concord_wrk_") as lua:
        lua.write(text)
        lua.flush()
        yield lua.name


async def _warm(url: str, seconds: int, concurrency: int, script_path: str) -> dict[str, Any] | None:
    if not seconds:
        return None
    values, _ = await run(url, seconds, concurrency, script_path)
    warm = shape(values, concurrency, None, 0.0)
    return {k: warm[k] for k in ("elapsed_s", "requests", "ok", "errors", "error_samples")}


async def _measured(
    url: str, seconds: int, concurrency: int, script_path: str, server_cpu: Callable[[], float | None]
) -> dict[str, Any]:
    """One wrk run with the server's CPU (``server_cpu``, seconds) read around it."""
    server_before = server_cpu()
    values, client_cpu = await run(url, seconds, concurrency, script_path)
    server_after = server_cpu()
    server_cpu_s = (
        server_after - server_before if server_after is not None and server_before is not None else None
    )
    return shape(values, concurrency, server_cpu_s, client_cpu)


async def command_level(
    base_url: str,
    seconds: int,
    concurrency: int,
    server_cpu: Callable[[], float | None] = lambda: None,
    warmup_seconds: int = 0,
) -> dict[str, Any]:
    """postRequest from wrk for ``seconds`` at ``concurrency``, after a warm-up at the same concurrency.

    Then checks that the server recorded at least the commands wrk saw acknowledged.
    """
    url = f"{base_url}/graphql"
    with _script_file(script(http_load.POST_BODY, http_load.HEADERS)) as path:
        warm = await _warm(url, warmup_seconds, concurrency, path)
        before = await recorded_requests(base_url)
        result = await _measured(url, seconds, concurrency, path, server_cpu)
        after = await recorded_requests(base_url)
    result["recorded"] = {"before": before, "after": after, "during_run": after - before - 1}
    shortfall = unrecorded(before, after, result["ok"])
    if shortfall:
        result["errors"] += 1
        result["error_samples"].append(shortfall)
    if warm is not None:
        result["warmup"] = warm
    return result


async def read_level(
    url: str,
    lua: str,
    seconds: int,
    concurrency: int,
    server_cpu: Callable[[], float | None] = lambda: None,
    warmup_seconds: int = 0,
) -> dict[str, Any]:
    """A read (``lua``, from ``script``) from wrk for ``seconds`` at ``concurrency``, after a warm-up.

    Shaped as ``http_load.level``'s result (``per_s``: the good answers a second), with wrk's counts.
    """
    with _script_file(lua) as path:
        warm = await _warm(url, warmup_seconds, concurrency, path)
        result = await _measured(url, seconds, concurrency, path, server_cpu)
    result["per_s"] = result.pop("commands_per_s")
    result["server_cpu_ms_per_read"] = result.pop("server_cpu_ms_per_command")
    if warm is not None:
        result["warmup"] = warm
    return result
