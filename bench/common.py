"""Shared pieces: statistics, pinned processes, readiness, wrk, editing files."""

import os
import re
import shutil
import statistics
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.live_edit import PATH, LiveEdit
from harness.prerequisites import ROOT
from harness.server import wait_ready

SERVER_CORE, LOAD_CORE = "0", "1"


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median": statistics.median(ordered),
        "p90": ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))],
        "min": ordered[0],
        "max": ordered[-1],
        "n": len(ordered),
    }


def pinned(core: str, argv: list[str]) -> list[str]:
    """argv run on one CPU core (taskset), when the machine has taskset and two cores."""
    if shutil.which("taskset") and (os.cpu_count() or 1) > 1:
        return ["taskset", "-c", core, *argv]
    return argv


@contextmanager
def server(argv: list[str], url: str, cwd: Path = ROOT, env: dict | None = None) -> Iterator[int]:
    """Run a server pinned to the server core until url answers; yield its pid."""
    log = open(os.devnull, "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        pinned(SERVER_CORE, argv),
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=log,
        stderr=log,
    )
    try:
        wait_ready(url)
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def wrk(url: str, seconds: int = 8, connections: int = 32) -> float:
    """Requests per second from wrk, pinned to the load core."""
    result = subprocess.run(
        pinned(LOAD_CORE, ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", url]),
        capture_output=True,
        text=True,
        check=True,
    )
    return float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))


def rss_mb(pid: int) -> float:
    """Resident set size of pid and its children, in MB."""
    total = 0
    for candidate in [pid, *_children(pid)]:
        status = Path(f"/proc/{candidate}/status").read_text()
        total += int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
    return total / 1024


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def time_edits(live: LiveEdit, root: str, edits: int, settle: float = 0.3) -> list[float]:
    """Seconds from each save until the service at root serves the new body."""
    url = root + PATH
    samples = []
    for _ in range(edits):
        time.sleep(settle)
        expected = live.edit()
        samples.append(wait_ready(url, timeout=300, body=expected).seconds)
    return samples
