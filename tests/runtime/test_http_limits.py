"""The production server under hostile clients: every limit answered precisely, on real sockets.

Each case ends with the server still healthy. Bounds on time are generous timeouts for a busy
2-core machine, never measurements (those are in `make bench`).
"""

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.system.service import server_process

LIMITS = {
    "MAX_REQUEST_TARGET_BYTES": "1024",
    "MAX_HEADER_BYTES": "4096",
    "MAX_HEADERS": "20",
    "HEADER_TIMEOUT_SECONDS": "1",
    "KEEP_ALIVE_SECONDS": "1",
    "MAX_CONNECTIONS": "50",
    "LOG_LEVEL": "warning",
}


class Server:
    def __init__(self, root: str, pid: int) -> None:
        self.root, self.pid = root, pid
        parts = urlsplit(root)
        self.address = (parts.hostname, parts.port)

    def connect(self) -> socket.socket:
        return socket.create_connection(self.address, timeout=10)

    def exchange(self, request: bytes) -> bytes:
        """Send request, read until the server closes the connection."""
        with self.connect() as sock:
            sock.sendall(request)
            return read_all(sock)

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.pid}/status").read_text()
        kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        return kib / 1024

    def healthy(self) -> bool:
        return requests.get(f"{self.root}/healthz", timeout=5).status_code == 200


def read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with server_process(**LIMITS) as (root, process):
        yield Server(root, process.pid)


def request(target: str = "/healthz", headers: bytes = b"") -> bytes:
    return b"GET " + target.encode() + b" HTTP/1.1\r\nHost: test\r\n" + headers + b"\r\n"


def status_and_body(response: bytes) -> tuple[int, bytes]:
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def test_a_long_request_target_is_414(server):
    status, body = status_and_body(server.exchange(request("/healthz?q=" + "a" * 2000)))
    assert status == 414
    assert body == b'{"detail": "Request target too long"}'
    assert server.healthy()


def test_large_headers_are_431(server):
    status, body = status_and_body(
        server.exchange(request(headers=b"X-Big: " + b"a" * 8000 + b"\r\n"))
    )
    assert status == 431
    assert b"too large" in body
    assert server.healthy()


def test_too_many_headers_are_431(server):
    many = b"".join(b"X-H%d: v\r\n" % n for n in range(50))
    status, body = status_and_body(server.exchange(request(headers=many)))
    assert status == 431
    assert b"Too many" in body
    assert server.healthy()


def test_a_huge_header_is_refused_before_it_is_all_sent(server):
    """256 MB would take the worker down if it were buffered: the server answers and closes."""
    with server.connect() as sock:
        sock.sendall(request()[:-2] + b"X-Huge: ")
        sent = 0
        try:
            while sent < 256 << 20:
                sent += sock.send(b"a" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert sent < 16 << 20, "the server kept reading a header past its limit"
    assert server.healthy()


def test_a_client_that_sends_headers_slowly_is_answered_408(server):
    with server.connect() as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n")
        for _ in range(10):  # a byte a second would keep a naive server's connection forever
            try:
                sock.sendall(b"X")
            except (BrokenPipeError, ConnectionResetError):
                break
            time.sleep(0.5)
        response = read_all(sock)
    assert status_and_body(response)[0] == 408


def test_a_silent_connection_is_closed(server):
    with server.connect() as sock:
        assert read_all(sock) == b""  # closed by the server within the socket's 10 s timeout


def test_an_idle_keep_alive_connection_is_closed(server):
    with server.connect() as sock:
        sock.sendall(request())
        response = read_all(sock)
    assert response.count(b"HTTP/1.1 200 OK") == 1  # answered, then closed when idle


def test_connections_past_the_cap_are_refused_with_503_and_the_rest_still_served(server):
    held = [server.connect() for _ in range(60)]
    try:
        time.sleep(0.5)
        refused = 0
        for sock in held:
            sock.settimeout(0.2)
            try:
                data = sock.recv(4096)
            except TimeoutError:
                continue
            if data.startswith(b"HTTP/1.1 503"):
                refused += 1
        assert refused >= 10
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.2)
    assert server.healthy()


def test_a_half_closed_client_gets_its_whole_response(server):
    with server.connect() as sock:
        sock.sendall(request() + request("/readyz"))
        sock.shutdown(socket.SHUT_WR)
        response = read_all(sock)
    assert response.count(b"HTTP/1.1 200 OK") == 2
    assert response.endswith(b'{"status":"ok"}')


def test_a_pipelining_client_that_never_reads_keeps_the_worker_small(server):
    before = server.rss_mb()
    burst = request() * 2000
    with server.connect() as sock:
        sock.setblocking(False)
        deadline = time.monotonic() + 5
        sent = 0
        while time.monotonic() < deadline:
            try:
                sent += sock.send(burst)
            except BlockingIOError:
                time.sleep(0.01)
        grown = server.rss_mb() - before
    assert sent > len(burst), "the flood never got going"
    assert grown < 64, f"the worker grew {grown:.0f} MB under one pipelining client"
    assert server.healthy()


def test_head_is_answered_wherever_get_is(server):
    for path in ("/healthz", "/readyz", "/docs", "/metrics", "/openapi.json"):
        head = requests.head(f"{server.root}{path}", timeout=5)
        get = requests.get(f"{server.root}{path}", timeout=5)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
