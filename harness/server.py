"""A server under test: a free port for it, its readiness timed, the production server run."""

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests  # type: ignore[import-untyped, unused-ignore]  # no stubs in the types group

from harness.prerequisites import ROOT

# How often wait_ready asks again.
POLL_SECONDS = 0.005


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Served:
    seconds: float
    body: str


def wait_ready(
    url: str,
    timeout: float = 30.0,
    body: str | None = None,
    prefix: str | None = None,
    process: subprocess.Popen[Any] | None = None,
    refused_ok: bool = True,
) -> Served:
    """Poll url every POLL_SECONDS until it serves; return how long that took and what it served.

    Served means 200 (with exactly `body`, if given), or, with `prefix`, any status whose body
    starts with it. `process` must stay alive meanwhile; with refused_ok=False a refused
    connection fails at once (for code that must keep serving while it reloads).
    """
    start = time.monotonic()
    last = "nothing"
    while time.monotonic() - start < timeout:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} served")
        try:
            response = requests.get(url, timeout=2)
        except requests.ConnectionError as exc:
            if not refused_ok:
                raise RuntimeError(f"{url} refused a connection: {exc}") from exc
            last = "a refused connection"
        except requests.RequestException as exc:  # accepted but not yet served
            last = repr(exc)
        else:
            text: str = response.text
            last = f"{response.status_code} {text[:200]!r}"
            if prefix is not None:
                if text.startswith(prefix):
                    return Served(time.monotonic() - start, text)
            elif response.status_code == 200 and (body is None or text == body):
                return Served(time.monotonic() - start, text)
        time.sleep(POLL_SECONDS)
    wanted = body or prefix or "200"
    raise TimeoutError(f"{url} did not serve {wanted!r} within {timeout} s; last: {last}")


@contextmanager
def server_process(
    *, argv: list[str] | None = None, log: Path | None = None, **settings: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The production server from this checkout on a free port, with APP_* `settings`
    (e.g. MAX_HEADERS="20"), or `argv` run the same way; its output to `log` if given; yield
    its root URL and process."""
    port = free_port()
    env = {
        **os.environ,
        "APP_PORT": str(port),
        "APP_SHUTDOWN_DRAIN_SECONDS": "0",
        **{f"APP_{name}": value for name, value in settings.items()},
    }
    command = argv or [sys.executable, "-m", "app.server"]
    with contextlib.ExitStack() as stack:
        output = stack.enter_context(log.open("w")) if log else None
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT if log else None
        )
    root = f"http://127.0.0.1:{port}"
    try:
        wait_ready(f"{root}/healthz", process=process)
        yield root, process
    finally:
        process.terminate()
        process.wait(timeout=15)
