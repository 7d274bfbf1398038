"""Where the service under test is: FASTAPI_ROOT, or a local server started for the session.

Needs nothing but the standard library and requests: this suite also runs inside the
image's helm test pod, in compose, in skaffold verify and from a Tilt button.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, timeout: float = 15.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            requests.get(url, timeout=1)
        except requests.ConnectionError:
            time.sleep(0.05)
        else:
            return
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextmanager
def local_service() -> Iterator[str]:
    """Run the production server from this checkout on a free port; yield its root URL."""
    port = free_port()
    env = {**os.environ, "APP_PORT": str(port), "APP_SHUTDOWN_DRAIN_SECONDS": "0"}
    process = subprocess.Popen([sys.executable, "-m", "app.server"], cwd=PROJECT_ROOT, env=env)
    root = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{root}/healthz", process=process)
        yield root
    finally:
        process.terminate()
        process.wait(timeout=15)
