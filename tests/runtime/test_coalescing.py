"""The production server's coalesced writes keep HTTP/1.1 intact: order, close, large bodies."""

import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests

from harness.prerequisites import ROOT
from harness.server import free_port, wait_ready

CHUNK = 10_000
CHUNKS = 300  # 3 MB: many write-throughs past the 64 KiB threshold, and held writes between

# The production server plus a route that streams numbered chunks without ever yielding
# to the event loop, the case where held writes would pile up if nothing wrote through,
# and one that echoes its parameters (distinct bodies, whatever routes the service has).
SERVER_WITH_STREAM = f"""
from fastapi.responses import StreamingResponse
from app.server import build_server
from app.settings import load_settings

server = build_server(load_settings())

async def chunks():
    for n in range({CHUNKS}):
        yield str(n % 10).encode() * {CHUNK}

@server.config.app.get("/echo/{{n}}")
async def echo(n: int, q: str | None = None) -> dict:
    return {{"n": n, "q": q}}

@server.config.app.get("/stream")
async def stream() -> StreamingResponse:
    return StreamingResponse(chunks(), media_type="application/octet-stream")

server.run()
"""


@pytest.fixture(scope="module")
def base() -> Iterator[tuple[str, int]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER_WITH_STREAM],
        cwd=ROOT,
        env={**os.environ, "APP_PORT": str(port), "APP_LOG_LEVEL": "warning"},
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}/healthz", process=process)
        yield "127.0.0.1", port
    finally:
        process.terminate()
        process.wait(timeout=15)


def read_until_closed(sock: socket.socket) -> bytes:
    sock.settimeout(10)
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def test_pipelined_requests_are_answered_in_order_and_close_flushes(base):
    requests_in_one_packet = (
        b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
        b"GET /echo/7?q=second HTTP/1.1\r\nHost: t\r\n\r\n"
        b"GET /echo/8 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection(base) as sock:
        sock.sendall(requests_in_one_packet)
        received = read_until_closed(sock)
    assert received.count(b"HTTP/1.1 200 OK\r\n") == 3
    bodies = [b'{"status":"ok"}', b'{"n":7,"q":"second"}', b'{"n":8,"q":null}']
    positions = [received.index(body) for body in bodies]
    assert positions == sorted(positions)
    assert received.endswith(bodies[-1])  # the last response was flushed before the close


def test_large_streamed_body_arrives_whole_and_in_order(base):
    host, port = base
    response = requests.get(f"http://{host}:{port}/stream", timeout=30)
    assert response.status_code == 200
    expected = b"".join(str(n % 10).encode() * CHUNK for n in range(CHUNKS))
    assert len(response.content) == len(expected)
    assert response.content == expected


def test_keep_alive_connection_serves_many_requests(base):
    host, port = base
    with requests.Session() as session:
        answers = [session.get(f"http://{host}:{port}/echo/{n}", timeout=5) for n in range(200)]
    assert [a.json()["n"] for a in answers] == list(range(200))


def test_a_client_that_hangs_up_mid_stream_does_not_hurt_the_next(base):
    with socket.create_connection(base) as sock:
        sock.sendall(b"GET /stream HTTP/1.1\r\nHost: t\r\n\r\n")
        assert sock.recv(1024).startswith(b"HTTP/1.1 200 OK")
    host, port = base
    assert requests.get(f"http://{host}:{port}/healthz", timeout=5).json() == {"status": "ok"}
