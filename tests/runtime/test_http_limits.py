"""The production server under hostile clients: every limit answered precisely, on real sockets.

Each case ends with the server still healthy. Bounds on time are generous timeouts for a busy
2-core machine, never measurements (those are in `make bench`).
"""

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from app.protocol import PIPELINE_DEPTH
from harness.hostile import Server, read_all, server_with_body_route

LIMITS = {
    "MAX_REQUEST_TARGET_BYTES": "1024",
    "MAX_HEADER_BYTES": "4096",
    "MAX_HEADERS": "20",
    "HEADER_TIMEOUT_SECONDS": "1",
    "MAX_BODY_BYTES": "65536",
    "BODY_TIMEOUT_SECONDS": "1",
    "KEEP_ALIVE_SECONDS": "1",
    "MAX_CONNECTIONS": "50",
    "LOG_LEVEL": "warning",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("server") / "server.log"
    with server_with_body_route(log, **LIMITS) as running:
        yield running


@pytest.fixture
def fresh_server(tmp_path) -> Iterator[Server]:
    """A server of its own, so its peak memory is this test's."""
    with server_with_body_route(tmp_path / "server.log", **LIMITS) as running:
        yield running


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


def flood_without_reading(
    server: Server, burst: bytes, seconds: float
) -> tuple[socket.socket, int]:
    """Send burst again and again without reading, until the server stops taking it."""
    sock = server.connect()
    sock.setblocking(False)
    deadline = time.monotonic() + seconds
    sent = 0
    while time.monotonic() < deadline:
        try:
            sent += sock.send(burst)
        except BlockingIOError:
            time.sleep(0.01)
        except (BrokenPipeError, ConnectionResetError):
            break
    sock.setblocking(True)
    return sock, sent


def test_requests_pipelined_past_the_depth_get_503_in_their_turn_then_a_close(server):
    with server.connect() as sock:
        sock.sendall(request() * 100)  # one read's worth: the server takes it all at once
        answers = read_all(sock)
    # The first request is served at once and PIPELINE_DEPTH wait their turn; the next is 503.
    assert answers.count(b"HTTP/1.1 200 OK") == PIPELINE_DEPTH + 1
    assert answers.count(b"HTTP/1.1 503") == 1
    detail = b'{"detail": "More than %d requests sent ahead of their answers"}' % PIPELINE_DEPTH
    assert answers.endswith(detail)
    assert server.healthy()


def test_many_pipelining_clients_that_never_read_keep_the_worker_within_budget(fresh_server):
    before = fresh_server.memory_mb()
    held: list[socket.socket] = []

    def flood() -> None:
        held.append(flood_without_reading(fresh_server, request() * 2000, seconds=3)[0])

    threads = [threading.Thread(target=flood) for _ in range(40)]
    for thread in threads:
        thread.start()
    healthy_during = fresh_server.healthy()
    for thread in threads:
        thread.join()
    grown = fresh_server.memory_mb("VmHWM") - before
    for sock in held:
        sock.close()
    assert healthy_during
    assert grown < 32, f"the worker grew {grown:.0f} MB under 40 pipelining clients"
    assert fresh_server.healthy()


def test_head_is_answered_wherever_get_is(server):
    for path in ("/healthz", "/readyz", "/docs", "/metrics", "/openapi.json"):
        head = requests.head(f"{server.root}{path}", timeout=5)
        get = requests.get(f"{server.root}{path}", timeout=5)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]


def post(target: str, headers: bytes) -> bytes:
    return b"POST " + target.encode() + b" HTTP/1.1\r\nHost: test\r\n" + headers + b"\r\n"


CHUNKED = b"Transfer-Encoding: chunked\r\n"


def send_until_closed(sock: socket.socket, data: bytes, limit: int) -> int:
    """Send data again and again, up to limit bytes or until the server closes."""
    sent = 0
    try:
        while sent < limit:
            sent += sock.send(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    return sent


def test_a_body_within_the_limit_is_read_whole(server):
    response = requests.post(f"{server.root}/body", data=b"a" * 65536, timeout=5)
    assert response.json() == {"bytes": 65536}


def test_a_declared_body_past_the_limit_is_413_before_any_of_it_is_sent(server):
    status, body = status_and_body(server.exchange(post("/body", b"Content-Length: 65537\r\n")))
    assert status == 413
    assert body == b"Content Too Large"  # FastAPI's own answer when the length is declared
    assert server.healthy()


def test_a_chunked_body_past_the_limit_is_413_as_it_arrives(server):
    with server.connect() as sock:
        sock.sendall(post("/body", CHUNKED))
        sent = send_until_closed(sock, b"400\r\n" + b"a" * 1024 + b"\r\n", limit=64 << 20)
        status, body = status_and_body(read_all(sock))
    assert sent < 16 << 20, "the server kept reading a body past its limit"
    assert status == 413
    assert body == b'{"detail":"Content Too Large"}'
    assert server.healthy()


def test_a_dripped_body_is_408_after_the_body_timeout(server):
    with server.connect() as sock:
        sock.sendall(post("/body", b"Content-Length: 1000\r\n"))
        started = time.monotonic()
        for _ in range(40):  # a byte every 0.25 s would take 250 s to finish
            try:
                sock.sendall(b"a")
            except (BrokenPipeError, ConnectionResetError):
                break
            time.sleep(0.25)
        status, body = status_and_body(read_all(sock))
    assert status == 408
    assert body == b'{"detail": "Request body not received in time"}'
    assert time.monotonic() - started < 10  # closed, not left to the client's patience
    assert server.healthy()
    logged = server.log.read_text()  # the app reading the body saw a disconnect, no error
    assert "unhandled error" not in logged
    assert "Exception in ASGI application" not in logged


def test_a_body_the_app_never_reads_does_not_keep_the_connection(server):
    """POST /healthz is answered 405 at once; the body still on its way is held to the limits."""
    with server.connect() as sock:
        sock.sendall(post("/healthz", b"Content-Length: 65000\r\n"))
        assert sock.recv(4096).startswith(b"HTTP/1.1 405")
        started = time.monotonic()
        try:
            while time.monotonic() - started < 10:
                sock.sendall(b"a")
                time.sleep(0.25)
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert read_all(sock) == b""  # closed by the body timeout, with nothing more to say
    assert time.monotonic() - started < 10
    assert server.healthy()


def test_a_body_the_app_never_reads_is_drained_only_up_to_the_limit(server):
    with server.connect() as sock:
        sock.sendall(post("/healthz", CHUNKED))
        sent = send_until_closed(sock, b"400\r\n" + b"a" * 1024 + b"\r\n", limit=64 << 20)
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 405")
    assert answer.count(b"HTTP/1.1") == 1  # nothing after the answer, only the close
    assert sent < 16 << 20, "the server drained an unread body past its limit"
    assert server.healthy()


def test_bodies_held_at_once_past_the_workers_budget_are_503(tmp_path):
    budget = 8 << 20
    settings = {"MAX_BODY_BYTES": str(1 << 20), "BODY_BUDGET_BYTES": str(budget)}
    with server_with_body_route(tmp_path / "server.log", **{**LIMITS, **settings}) as fresh:
        before = fresh.memory_mb()
        held = []
        for _ in range(40):  # each nearly 1 MiB, the last byte withheld: 40 MiB if all were kept
            sock = fresh.connect()
            head = post("/body", b"Content-Length: %d\r\n" % (1 << 20))
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                sock.sendall(head + b"a" * ((1 << 20) - 1))
            held.append(sock)
        time.sleep(0.5)
        grown = fresh.memory_mb("VmHWM") - before
        answers = []
        for sock in held:
            sock.settimeout(0.5)
            try:
                answers.append(sock.recv(4096))
            except TimeoutError:
                answers.append(b"")
            sock.close()
        assert fresh.healthy()
        logged = fresh.log.read_text()
    assert "unhandled error" not in logged
    assert "Exception in ASGI application" not in logged
    refused = [a for a in answers if a.startswith(b"HTTP/1.1 503")]
    assert len(refused) >= 30
    assert b'{"detail": "Too many request bodies in flight: try again"}' in refused[0]
    assert grown < budget / (1 << 20) + 16, f"the worker grew {grown:.0f} MB"


def test_many_trailers_are_431(server):
    trailers = b"".join(b"X-T%d: v\r\n" % n for n in range(50))
    status, body = status_and_body(server.exchange(post("/body", CHUNKED) + b"0\r\n" + trailers))
    assert status == 431
    assert body == b'{"detail": "Too many request trailer fields"}'
    assert server.healthy()


@pytest.mark.parametrize(
    ("flood", "detail"),
    [
        (b"a:b\r\n" * 10_000, b"Too many request trailer fields"),
        (b"a" * 50_000, b"Request trailer fields too large"),  # one trailer that never ends
    ],
    ids=["many-lines", "one-endless-line"],
)
def test_a_trailer_flood_is_refused_and_the_worker_stays_small(fresh_server, flood, detail):
    before = fresh_server.memory_mb()
    with fresh_server.connect() as sock:
        sock.sendall(post("/body", CHUNKED) + b"1\r\na\r\n0\r\nX-First: ")
        sent = send_until_closed(sock, flood, limit=256 << 20)
        status, body = status_and_body(read_all(sock))
    grown = fresh_server.memory_mb("VmHWM") - before
    assert sent < 16 << 20, "the server kept reading trailers past their limit"
    assert (status, body) == (431, b'{"detail": "%s"}' % detail)
    assert grown < 16, f"the worker grew {grown:.0f} MB under one trailer flood"
    assert fresh_server.healthy()


def test_upgrade_requests_are_served_over_http_and_logged_once_per_period(server):
    before = server.log.read_text().count("upgrade requests refused")
    upgrade = b"Connection: Upgrade\r\nUpgrade: websocket\r\n"
    for _ in range(50):
        status, _ = status_and_body(
            server.exchange(request(headers=upgrade + b"Connection: close\r\n"))
        )
        assert status == 200
    time.sleep(1.5)  # warnings flush at once; give the log a moment all the same
    logged = server.log.read_text()
    assert logged.count("upgrade requests refused") - before <= 1
    assert "Unsupported upgrade request" not in logged
    assert server.healthy()


def test_a_rejected_request_behind_an_unanswered_one_is_closed_not_answered_out_of_turn(server):
    """An answer now would come before the earlier request's: the connection just closes."""
    answers = server.exchange(request() + request("/healthz?q=" + "a" * 2000))
    assert not answers.startswith(b"HTTP/1.1 414")
    assert answers.count(b"HTTP/1.1 414") == 0
    assert server.healthy()


def test_after_a_slow_body_the_next_head_still_gets_the_header_timeout(tmp_path):
    settings = {**LIMITS, "HEADER_TIMEOUT_SECONDS": "1", "BODY_TIMEOUT_SECONDS": "20"}
    with (
        server_with_body_route(tmp_path / "server.log", **settings) as fresh,
        fresh.connect() as sock,
    ):
        sock.sendall(post("/body", b"Content-Length: 4\r\n"))
        for byte in b"abcd":  # slower than the header timeout, well within the body's
            time.sleep(0.5)
            sock.sendall(bytes([byte]))
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n")  # a head that never ends
        started = time.monotonic()
        status, _ = status_and_body(read_all(sock))
        waited = time.monotonic() - started
    assert status == 408
    assert waited < 5, f"the head's timeout waited for the body's: {waited:.1f} s"
