"""The production server's HTTP protocol: uvicorn's httptools protocol, bounded.

Limits, each an APP_* setting: the request target (414), header bytes and count (431, for
chunked trailers too, which are then dropped: ASGI has no request trailers), the time a
request's headers may take to arrive (408, or a plain close when nothing came), the body's
bytes (413) and the time it may take after its headers (408), and connections per worker
(503 at once, without reading). A body the app never reads is held to the same limits, so it
cannot keep a connection busy forever. Back-pressure: while responses to pipelined requests
are owed, the connection is not read, and past PIPELINE_DEPTH requests queued on one
connection the last is answered 503 in its turn and the connection closed, so no client
holds more than a bounded share of the worker's memory. A client that half-closes after its
request still gets the whole response. Each response leaves in one socket write
(app/coalescing.py).

This rests on uvicorn internals (the parser callbacks, `pipeline`, `flow`, `cycle`);
`http_protocol()` checks them and otherwise serves with uvicorn's stock h11 protocol, which
bounds headers and memory on its own, and says so once.
"""

import asyncio
import functools
import http
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, cast

import httptools
import uvicorn

try:
    from uvicorn.protocols.http import httptools_impl
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # moved or gone: http_protocol() finds the methods missing and falls back
    httptools_impl = None  # type: ignore[assignment]
    HttpToolsProtocol = asyncio.Protocol  # type: ignore[misc,assignment]

from app.coalescing import CoalescingTransport
from app.logs import RateLimitedWarning
from app.settings import HttpLimits

if TYPE_CHECKING:
    # uvicorn's own ASGI types: what its request pipeline holds (`pipeline`).
    from uvicorn._types import ASGIReceiveCallable, ASGISendCallable, Scope
    from uvicorn.server import ServerState

log = logging.getLogger(__name__)

# The uvicorn releases whose HttpToolsProtocol this subclass was written against
# (pyproject.toml bounds the dependency the same way).
UVICORN_VERSIONS = ((0, 34), (0, 55))
# Requests read ahead of their answer on one connection (HTTP/1.1 pipelining); past it, 503.
# Each queued request holds about 1 KB; browsers and common clients never pipeline.
PIPELINE_DEPTH = 16
# What the subclass calls or overrides on uvicorn's protocol.
_METHODS = (
    "connection_made",
    "connection_lost",
    "data_received",
    "eof_received",
    "on_message_begin",
    "on_header",
    "on_headers_complete",
    "on_body",
    "on_message_complete",
    "on_response_complete",
    "shutdown",
    "handle_websocket_upgrade",
    "_get_upgrade",
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
# What it reads on uvicorn's RequestResponseCycle (set in its __init__).
_CYCLE_ATTRIBUTES = {"keep_alive", "response_started", "response_complete"}


class BodyBudget:
    """The request body bytes one worker holds at once, across all its connections."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0


class RequestRejectedError(Exception):
    """Raised from a parser callback: answer `status` with `detail` and close."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class PipelineFullError(Exception):
    """Raised from a parser callback: read nothing more on this connection."""


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
_PIPELINE_FULL = json.dumps(
    {"detail": f"More than {PIPELINE_DEPTH} requests sent ahead of their answers"}
).encode()


async def _pipeline_full(
    scope: "Scope", receive: "ASGIReceiveCallable", send: "ASGISendCallable"
) -> None:
    """The ASGI answer to the request past PIPELINE_DEPTH, sent in its turn."""
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", b"%d" % len(_PIPELINE_FULL)),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": _PIPELINE_FULL})


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    refusals = RateLimitedWarning(log, "connections refused past APP_MAX_CONNECTIONS")
    rejections = RateLimitedWarning(log, "requests rejected by an HTTP limit")
    upgrades = RateLimitedWarning(log, "upgrade requests refused: this server speaks HTTP/1.1 only")

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: "ServerState",
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        limits: HttpLimits,
        bodies: BodyBudget,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits
        self.bodies = bodies  # shared by every connection of this worker

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A server's protocol always gets a stream Transport; CoalescingTransport is duck-typed,
        # with the Transport methods uvicorn calls (app/coalescing.py).
        coalescing = CoalescingTransport(cast(asyncio.Transport, transport), self.loop)
        super().connection_made(cast(asyncio.Transport, coalescing))
        limits = self.limits
        self._max_head_bytes = limits.max_request_target_bytes + limits.max_header_bytes
        self._receiving = False  # between a request's first byte and the end of its headers
        self._in_body = False  # between the end of a request's headers and its end
        self._body_started: float = 0
        self._body_bytes = 0
        self._bodies_held = 0  # body bytes of this connection's requests still being answered
        self._stalled_bytes = 0  # bytes of a body's framing or trailers with no body in them
        self._trailer_bytes = self._trailers = 0
        self._pipeline_full = False
        self._messages_begun = 0
        self._head_started = self.loop.time()  # a new connection owes its first request
        self._head_bytes = self._chunk_bytes = 0
        self._half_closed = False
        self._header_timer: asyncio.TimerHandle | None = None
        if len(self.connections) > limits.max_connections:
            self.refusals.note(limit=limits.max_connections)
            self.transport.write(_REFUSED)
            self.transport.close()
            return
        self._check_header_time_in(limits.header_timeout_seconds)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        self._release_bodies()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._pipeline_full:
            return  # the connection closes once the queued requests are answered
        self._unset_keepalive_if_required()
        begun, receiving, in_body = self._messages_begun, self._receiving, self._in_body
        body_bytes, trailer_bytes = self._body_bytes, self._trailer_bytes
        self._chunk_bytes = len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as error:
            stopped = error.__context__
            if isinstance(stopped, PipelineFullError):
                return
            if not isinstance(stopped, RequestRejectedError):
                raise
            if self._in_body:
                self._reject_body(stopped.status, stopped.detail)
            else:
                self._reject(stopped.status, stopped.detail)
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
            # Likewise a trailer line, held by httptools until it ends: a body's framing
            # carries a few bytes per chunk, never a header's worth without any body.
            elif in_body and self._in_body and begun == self._messages_begun:
                if self._body_bytes == body_bytes and self._trailer_bytes == trailer_bytes:
                    self._stalled_bytes += len(data)
                    if self._stalled_bytes > self.limits.max_header_bytes:
                        self._reject_body(431, "Request trailer fields too large")
                else:
                    self._stalled_bytes = 0

    # asyncio's Protocol lets eof_received return True (keep the transport open); uvicorn's
    # annotation narrowed it to None.
    def eof_received(self) -> bool:  # type: ignore[override]
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

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._receiving:
            super().on_header(name, value)
            return
        # A chunked body's trailer: counted against the header limits, then dropped.
        self._trailers += 1
        self._trailer_bytes += len(name) + len(value) + 4
        limits = self.limits
        if self._trailers > limits.max_headers:
            raise RequestRejectedError(431, "Too many request trailer fields")
        if self._trailer_bytes > limits.max_header_bytes:
            raise RequestRejectedError(431, "Request trailer fields too large")

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
        self._in_body = True
        self._body_started = self.loop.time()
        self._body_bytes = self._stalled_bytes = self._trailer_bytes = self._trailers = 0
        super().on_headers_complete()
        if len(self.pipeline) > PIPELINE_DEPTH:
            # The request past the depth is answered 503 in its turn, the connection closed.
            cycle, _ = self.pipeline[0]
            cycle.keep_alive = False
            self.pipeline[0] = (cycle, _pipeline_full)
            self._pipeline_full = True
            self._in_body = False  # nothing more of it is read: no body timer either
            self.rejections.note(status=503, reason="pipeline depth")
            raise PipelineFullError

    def on_body(self, body: bytes) -> None:
        # What the app reads is limited by FastAPI (APP_MAX_BODY_BYTES, per route if need be);
        # here, what no one will read, and what all connections hold together.
        self._body_bytes += len(body)
        if self.cycle.response_complete:
            # Answered without reading it all: drained for the next request, up to the limit.
            if self._body_bytes > self.limits.max_body_bytes:
                raise RequestRejectedError(413, "Request body too large")
        else:
            self._bodies_held += len(body)
            self.bodies.held += len(body)
            if self.bodies.held > self.bodies.limit:
                raise RequestRejectedError(503, "Too many request bodies in flight: try again")
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._in_body = False
        timer = self._header_timer
        # The timer may be set for the body's longer timeout: the next head gets its own.
        if (
            timer is not None
            and timer.when() > self.loop.time() + self.limits.header_timeout_seconds
        ):
            timer.cancel()
            self._check_header_time_in(self.limits.header_timeout_seconds)
        super().on_message_complete()

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
        if self.pipeline or self._pipeline_full:
            # uvicorn resumed reading; requests already read still wait for their turn, so
            # read no further until they are answered (bounded memory under pipelining).
            self.flow.pause_reading()
            return
        self._release_bodies()
        if self._half_closed:
            self.transport.close()

    def _release_bodies(self) -> None:
        self.bodies.held -= self._bodies_held
        self._bodies_held = 0

    def handle_websocket_upgrade(self) -> None:
        # The connection is the WebSocket protocol's from here: no HTTP timer may close it.
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        self._in_body = False
        super().handle_websocket_upgrade()

    def _unsupported_upgrade_warning(self) -> None:
        # uvicorn logs two warnings per request, a log flood on demand: once per 10 s instead.
        self.upgrades.note(upgrade=(self._get_upgrade() or b"").decode("latin-1")[:64])

    # The header and body timeouts, checked by one timer per connection rather than one per
    # request.
    def _check_header_time_in(self, seconds: float) -> None:
        self._header_timer = self.loop.call_later(max(seconds, 0.05), self._check_header_time)

    def _check_header_time(self) -> None:
        self._header_timer = None
        if self.transport.is_closing():
            return
        if self._in_body:
            self._check_body_time()
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

    def _check_body_time(self) -> None:
        timeout = self.limits.body_timeout_seconds
        waited = self.loop.time() - self._body_started
        if waited < timeout or self.flow.read_paused:
            # Not yet; or the app has not read what came, so the rest waits on it.
            self._check_header_time_in(timeout - waited if waited < timeout else timeout)
        else:
            self._reject_body(408, "Request body not received in time")

    def _reject_body(self, status: int, detail: str) -> None:
        """Reject the request whose body is arriving: answered only if nothing is owed before
        it (no response of its own begun, no earlier pipelined one queued), else closed."""
        owed_first = self.cycle.response_started or bool(self.pipeline)
        self._reject(status, detail, answer=not owed_first)

    def _reject(self, status: int, detail: str, answer: bool | None = None) -> None:
        """Answer status and close; or only close where an earlier request's response is still
        owed, as an answer now would land in the middle of it."""
        if answer is None:  # a head: the cycle, if any, is the previous request's
            answer = not self.pipeline and (self.cycle is None or self.cycle.response_complete)
        self.rejections.note(status=status, reason=detail)
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        if answer:
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
    cycle = getattr(httptools_impl, "RequestResponseCycle", None)
    cycle_assigned = set(cycle.__init__.__code__.co_names) if cycle else set()
    return assigned >= _ATTRIBUTES and cycle_assigned >= _CYCLE_ATTRIBUTES


def http_protocol(limits: HttpLimits) -> Callable[..., BoundedHttpToolsProtocol] | Literal["h11"]:
    """The protocol for uvicorn.Config(http=...): bounded httptools, or stock h11."""
    if not _uvicorn_as_expected():
        log.warning(
            "uvicorn %s is not the version app/protocol.py was written for: serving with "
            "uvicorn's stock h11 protocol (its own header limit; no APP_BODY_TIMEOUT_SECONDS, "
            "APP_BODY_BUDGET_BYTES or pipeline depth; slower)",
            uvicorn.__version__,
        )
        return "h11"
    return functools.partial(
        BoundedHttpToolsProtocol, limits=limits, bodies=BodyBudget(limits.body_budget_bytes)
    )
