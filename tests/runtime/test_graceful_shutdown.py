"""SIGTERM: readiness turns 503 at once, in-flight requests finish, the process exits 0."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import requests

from harness.prerequisites import ROOT
from harness.server import free_port, server_process, wait_ready

# The production server, plus one slow route so that a request is in flight at SIGTERM.
SERVER_WITH_SLOW_ROUTE = """
import asyncio
from app.server import build_server
from app.settings import load_settings

server = build_server(load_settings())

@server.config.app.get("/slow")
async def slow() -> dict:
    await asyncio.sleep(1.5)
    return {"slow": "done"}

server.run()
"""

DRAIN_SECONDS = 1.0
TIMEOUT_SECONDS = 5.0


def start_server(port: int, drain_seconds: float = DRAIN_SECONDS) -> subprocess.Popen:
    env = {
        **os.environ,
        "APP_PORT": str(port),
        "APP_SHUTDOWN_DRAIN_SECONDS": str(drain_seconds),
        "APP_SHUTDOWN_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS),
    }
    return subprocess.Popen(
        [sys.executable, "-c", SERVER_WITH_SLOW_ROUTE],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_sigterm_drains_then_exits_zero():
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_server(port)
    try:
        wait_ready(f"{base}/healthz", process=process)
        assert requests.get(f"{base}/readyz", timeout=2).status_code == 200

        in_flight: dict[str, object] = {}
        slow = threading.Thread(
            target=lambda: in_flight.update(response=requests.get(f"{base}/slow", timeout=10))
        )
        slow.start()
        time.sleep(0.3)  # the slow request is now being served
        process.send_signal(signal.SIGTERM)

        time.sleep(0.1)
        during_drain = requests.get(f"{base}/readyz", timeout=2)
        assert during_drain.status_code == 503
        assert during_drain.json() == {"status": "shutting down"}
        served = requests.get(f"{base}/healthz", timeout=2)
        assert served.status_code == 200  # still serving, but asking clients to reconnect
        assert served.headers["connection"] == "close"

        slow.join(timeout=10)
        response = in_flight["response"]
        assert response.status_code == 200
        assert response.json() == {"slow": "done"}

        assert process.wait(timeout=DRAIN_SECONDS + TIMEOUT_SECONDS + 10) == 0
    finally:
        process.kill()
        output = process.communicate()[0]
    assert '"msg":"shutdown requested"' in output
    assert '"signal":"SIGTERM"' in output


def test_second_signal_skips_the_drain():
    port = free_port()
    # A drain far longer than the wait below: the process can only exit in time by skipping it.
    process = start_server(port, drain_seconds=300)
    try:
        wait_ready(f"http://127.0.0.1:{port}/healthz", process=process)
        process.send_signal(signal.SIGTERM)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
        process.communicate()


def test_no_request_is_lost_through_sigterm_under_steady_keep_alive_load():
    """16 clients reconnecting as fast as they can (each response after SIGTERM says
    Connection: close): every request sent on a connection the server's kernel accepted is
    answered, those still queued when the listener closes included. A refused connection is
    fine; a reset or an unanswered request is lost."""
    counts = {"answered": 0, "lost": 0}
    lock = threading.Lock()
    stop = threading.Event()
    request = b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n"

    def client() -> None:
        sock = None
        while not stop.is_set():
            if sock is None:
                try:
                    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
                except OSError:  # refused: the listener is closed, nothing was sent
                    time.sleep(0.01)
                    continue
            try:
                sock.sendall(request)
                response = b""
                while not response.endswith(b'{"status":"ok"}'):
                    chunk = sock.recv(4096)
                    if not chunk:
                        raise ConnectionResetError("closed before the response")
                    response += chunk
            except OSError:
                with lock:
                    counts["lost"] += 1
                sock.close()
                sock = None
                continue
            with lock:
                counts["answered"] += 1
            if b"connection: close" in response.lower():
                sock.close()
                sock = None

    drain = {"SHUTDOWN_DRAIN_SECONDS": "1", "SHUTDOWN_TIMEOUT_SECONDS": "5"}
    with server_process(**drain, LOG_LEVEL="warning") as (root, process):
        port = int(root.rsplit(":", 1)[1])
        threads = [threading.Thread(target=client) for _ in range(16)]
        for thread in threads:
            thread.start()
        time.sleep(1)
        process.send_signal(signal.SIGTERM)
        try:
            assert process.wait(timeout=30) == 0
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
    assert counts["answered"] > 1000
    assert counts["lost"] == 0, counts
