"""Run ``concord migrate`` and ``concord serve`` as subprocesses, as an operator would."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.backends import Backend

CONCORD = Path(sys.executable).parent / "concord"
ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 60.0
STOP_GRACE = 5.0


class ServerFailedError(Exception):
    """``concord migrate`` or ``concord serve`` did not come up."""


@dataclass(frozen=True)
class Server:
    base_url: str
    log_path: Path
    process: subprocess.Popen[bytes]


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc); None where unavailable."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The processes ``pid`` started (Linux /proc), e.g. the API processes of ``serve --workers``."""
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def tree_cpu_seconds(pid: int) -> float | None:
    """CPU time of a process and the processes it started (what a supervisor's workers used)."""
    own = cpu_seconds(pid)
    if own is None:
        return None
    return own + sum(cpu_seconds(child) or 0.0 for child in children(pid))


def tree_rss_mb(pid: int) -> float | None:
    """The largest resident set among a process and the processes it started."""
    sizes = [size for p in (pid, *children(pid)) if (size := rss_mb(p)) is not None]
    return max(sizes, default=None)


def rss_mb(pid: int) -> float | None:
    """Resident set size of a process, in MB (Linux /proc); None where unavailable."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(backend: Backend, port: int | None = None) -> dict[str, str]:
    # Start from the caller's environment without any CONCORD_* setting that could leak in.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCORD_")}
    env.update(backend.server_env())
    env["CONCORD_HOST"] = "127.0.0.1"
    if port is not None:
        env["CONCORD_PORT"] = str(port)
    return env


def tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as error:
        return f"(no log: {error})"
    return "\n".join(text.splitlines()[-lines:])


def migrate(backend: Backend) -> None:
    done = subprocess.run(
        [str(CONCORD), "migrate"],
        env=_env(backend),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        output = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
        raise ServerFailedError(f"concord migrate failed (exit {done.returncode}):\n{output}")


REST_BASELINE = [sys.executable, "-m", "bench.rest_server"]


@contextmanager
def running_server(backend: Backend, argv: list[str] | None = None) -> Iterator[Server]:
    """``concord serve`` (or ``argv``) on a free port, until healthy; terminated (then killed) afterwards."""
    port = free_port()
    log_dir = Path(tempfile.mkdtemp(prefix="concord_bench_log_"))
    log_path = log_dir / f"serve-{backend.name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            argv or [str(CONCORD), "serve"],
            env=_env(backend, port),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    server = Server(f"http://127.0.0.1:{port}", log_path, process)
    try:
        _wait_healthy(server)
        yield server
    finally:
        stop(process)
    # Only a clean run gets here: keep the log of a failed one for inspection.
    shutil.rmtree(log_dir, ignore_errors=True)


def _wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last = "no answer yet"
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            code = server.process.poll()
            if code is not None:
                raise ServerFailedError(
                    f"concord serve exited with {code} during startup; log tail "
                    f"({server.log_path}):\n{tail(server.log_path)}"
                )
            try:
                response = client.get(f"{server.base_url}/healthz")
            except httpx.HTTPError as error:
                last = repr(error)
            else:
                if response.status_code == 200:
                    return
                last = f"HTTP {response.status_code}"
            time.sleep(0.1)
    raise ServerFailedError(
        f"concord serve not healthy after {STARTUP_TIMEOUT:g} s ({last}); log tail "
        f"({server.log_path}):\n{tail(server.log_path)}"
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_GRACE)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
