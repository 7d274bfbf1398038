"""The production server's HTTP protocol: uvicorn's httptools protocol, bounded.

Limits, each an APP_* setting: the request target (414), header bytes and count (431), the
time a request's headers may take to arrive (408, or a plain close when nothing came), and
connections per worker (503 at once, without reading). Back-pressure: while responses to
pipelined requests are owed, the connection is not read, so a client that sends without
reading stops being read and the worker's memory stays bounded. A client that half-closes
after its request still gets the whole response. Each response leaves in one socket write
(app/coalescing.py).

This rests on uvicorn internals (the parser callbacks, `pipeline`, `flow`, `cycle`);
`http_protocol()` checks them and otherwise serves with uvicorn's stock h11 protocol, which
bounds headers and memory on its own, and says so once.
"""

import asyncio
import http
import json
import logging
from dataclasses import dataclass

import httptools
import uvicorn

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # moved or gone: http_protocol() finds the methods missing and falls back
    HttpToolsProtocol = asyncio.Protocol  # type: ignore[misc,assignment]

from app.coalescing import CoalescingTransport
from app.logs import RateLimitedWarning

log = logging.getLogger(__name__)

# The uvicorn releases whose HttpToolsProtocol this subclass was written against
# (pyproject.toml bounds the dependency the same way).
UVICORN_VERSIONS = ((0, 34), (0, 55))
# What the subclass calls or overrides on uvicorn's protocol.
_METHODS = (
    "connection_made",
    "connection_lost",
    "data_received",
    "eof_received",
    "on_message_begin",
    "on_headers_complete",
    "on_response_complete",
    "shutdown",
    "handle_websocket_upgrade",
    "_should_upgrade",
    "_unsupported_upgrade_warning",
    "_unset_keepalive_if_required",
)
# What it reads that uvicorn's __init__, connection_made or on_message_begin sets.
_ATTRIBUTES = {
    "parser",
    "pipeline",
    "cycle",
    "connections",
    "loop",
    "transport",
    "flow",
    "url",
    "headers",
}


@dataclass(frozen=True)
class HttpLimits:
    max_request_target_bytes: int
    max_header_bytes: int
    max_headers: int
    header_timeout_seconds: float
    max_connections: int


class RequestRejectedError(Exception):
    """Raised from a parser callback: answer `status` with `detail` and close."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def error_response(status: int, detail: str) -> bytes:
    body = json.dumps({"detail": detail}).encode()
    return b"".join(
        [
            b"HTTP/1.1 %d %s\r\n" % (status, http.HTTPStatus(status).phrase.encode()),
            b"content-type: application/json\r\n",
            b"content-length: %d\r\n" % len(body),
            b"connection: close\r\n\r\n",
            body,
        ]
    )


_REFUSED = error_response(503, "Too many connections: try again")


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    limits: HttpLimits  # set on the subclass http_protocol() makes
    refusals = RateLimitedWarning(log, "connections refused past APP_MAX_CONNECTIONS")
    rejections = RateLimitedWarning(log, "requests rejected by an HTTP limit")

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport, self.loop))
        limits = self.limits
        self._max_head_bytes = limits.max_request_target_bytes + limits.max_header_bytes
        self._receiving = False  # between a request's first byte and the end of its headers
        self._messages_begun = 0
        self._head_started = self.loop.time()  # a new connection owes its first request
        self._head_bytes = self._chunk_bytes = 0
        self._half_closed = False
        self._header_timer = None
        if len(self.connections) > limits.max_connections:
            self.refusals.note(limit=limits.max_connections)
            self.transport.write(_REFUSED)
            self.transport.close()
            return
        self._check_header_time_in(limits.header_timeout_seconds)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        begun, receiving = self._messages_begun, self._receiving
        self._chunk_bytes = len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as error:
            rejected = error.__context__
            if not isinstance(rejected, RequestRejectedError):
                raise
            self._reject(rejected.status, rejected.detail)
        except httptools.HttpParserError:
            self._reject(400, "Invalid HTTP request")
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
        else:
            # httptools buffers a request line or header until it ends, unseen by uvicorn:
            # when this whole chunk went into one unfinished head, count it against the limit.
            if receiving and self._receiving and begun == self._messages_begun:
                self._head_bytes += len(data)
                if self._head_bytes > self._max_head_bytes:
                    if self.headers:
                        self._reject(431, "Request header fields too large")
                    else:
                        self._reject(414, "Request target too long")

    def eof_received(self) -> bool:
        # The client half-closed (shutdown(SHUT_WR), `nc -N`, some proxies): keep the
        # transport open to answer what it sent, and close once that is done.
        if self.cycle is None or (self.cycle.response_complete and not self.pipeline):
            self.transport.close()  # sends what the coalescing transport still holds first
        else:
            self._half_closed = True
        return True  # closed here, now or once the last response is out

    # Parser callbacks. Each costs every request, so the limits are checked once per head,
    # and summed exactly only when the bytes received could exceed them.
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._messages_begun += 1
        self._receiving = True
        self._head_started = self.loop.time()
        self._head_bytes = 0

    def on_headers_complete(self) -> None:
        self._receiving = False
        limits = self.limits
        if len(self.url) > limits.max_request_target_bytes:
            raise RequestRejectedError(414, "Request target too long")
        if len(self.headers) > limits.max_headers:
            raise RequestRejectedError(431, "Too many request header fields")
        if self._head_bytes + self._chunk_bytes > limits.max_header_bytes:
            size = sum(len(name) + len(value) + 4 for name, value in self.headers)
            if size > limits.max_header_bytes:
                raise RequestRejectedError(431, "Request header fields too large")
        super().on_headers_complete()

    def shutdown(self) -> None:
        if self.cycle is None and not self.transport.is_closing():
            # Accepted during the shutdown, nothing read yet: its request is on its way, so
            # answer it (with `Connection: close`) rather than reset it; then close.
            self.loop.call_later(1.0, self._close_if_idle)
            return
        super().shutdown()

    def _close_if_idle(self) -> None:
        if self.cycle is None or self.cycle.response_complete:
            self.transport.close()
        else:
            self.cycle.keep_alive = False

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.transport.is_closing():
            return
        if self.pipeline:
            # uvicorn resumed reading; requests already read still wait for their turn, so
            # read no further until they are answered (bounded memory under pipelining).
            self.flow.pause_reading()
        elif self._half_closed:
            self.transport.close()

    # The header timeout, checked by one timer per connection rather than one per request.
    def _check_header_time_in(self, seconds: float) -> None:
        self._header_timer = self.loop.call_later(max(seconds, 0.05), self._check_header_time)

    def _check_header_time(self) -> None:
        self._header_timer = None
        if self.transport.is_closing():
            return
        timeout = self.limits.header_timeout_seconds
        waited = self.loop.time() - self._head_started
        if self._receiving or self._messages_begun == 0:
            if waited < timeout or self.flow.read_paused:
                # Not yet; or reading is held back while earlier pipelined requests are
                # answered, so the rest of these headers waits on us, not on the client.
                self._check_header_time_in(timeout - waited if waited < timeout else timeout)
            elif self._receiving:
                self._reject(408, "Request headers not received in time")
            else:
                self.transport.close()  # a silent connection: nothing to answer
            return
        self._check_header_time_in(timeout)  # between requests: keep-alive's timeout applies

    def _reject(self, status: int, detail: str) -> None:
        self.rejections.note(status=status, reason=detail)
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        self.transport.write(error_response(status, detail))
        self.transport.close()


def _uvicorn_as_expected() -> bool:
    version = tuple(int(part) for part in uvicorn.__version__.split(".")[:2])
    low, high = UVICORN_VERSIONS
    if not low <= version < high:
        return False
    if not all(callable(getattr(HttpToolsProtocol, name, None)) for name in _METHODS):
        return False
    assigned = {
        name
        for method in ("__init__", "connection_made", "on_message_begin")
        for name in getattr(HttpToolsProtocol, method).__code__.co_names
    }
    return assigned >= _ATTRIBUTES


def http_protocol(limits: HttpLimits) -> type[asyncio.Protocol] | str:
    """The protocol class for uvicorn.Config(http=...): bounded httptools, or stock h11."""
    if not _uvicorn_as_expected():
        log.warning(
            "uvicorn %s is not the version app/protocol.py was written for: serving with "
            "uvicorn's stock h11 protocol (its own header limit; slower)",
            uvicorn.__version__,
        )
        return "h11"
    return type("LimitedHttpToolsProtocol", (BoundedHttpToolsProtocol,), {"limits": limits})
