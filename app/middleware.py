"""One pure-ASGI middleware for request ids, metrics, the access log, HEAD and draining.

Pure ASGI (not BaseHTTPMiddleware) and a single layer because it runs on every request: it
adds no task, no body buffering, and reads the matched route only after the app has routed.
"""

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import request_id
from app.lifecycle import Lifecycle
from app.logs import log_access
from app.metrics import RequestMetrics

# Unmatched paths share one label so scanners cannot create a series per URL.
UNMATCHED_ROUTE = "<unmatched>"
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_HEADER = request_id.HEADER.encode()


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", UNMATCHED_ROUTE)


_CLOSE = (b"connection", b"close")


class ObservabilityMiddleware:
    """Per request: an X-Request-ID, a metrics sample and an access-log line.

    HEAD is answered wherever GET is (RFC 9110 9.3.2): routed as GET, sent without the body,
    logged and counted as HEAD.

    Once shutdown begins it also answers with `Connection: close`: clients stop reusing
    keep-alive connections to this process and reconnect, and the Service routes the new
    connections to replicas that are staying, so a rollout loses no request.
    """

    def __init__(self, app: ASGIApp, metrics: RequestMetrics | None, lifecycle: Lifecycle) -> None:
        self.app = app
        self.metrics = metrics
        self.lifecycle = lifecycle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        rid = request_id.accept_or_new(next((v for k, v in scope["headers"] if k == _HEADER), None))
        scope.setdefault("state", {})["request_id"] = rid
        head = scope["method"] == "HEAD"
        routed = {**scope, "method": "GET"} if head else scope
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", ()), (_HEADER, rid.encode())]
                if not self.lifecycle.ready:
                    headers.append(_CLOSE)
                message["headers"] = headers
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        try:
            await self.app(routed, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - start
            method = scope["method"] if scope["method"] in _KNOWN_METHODS else "OTHER"
            route = route_template(routed)
            if self.metrics is not None:
                self.metrics.observe(method, route, status, seconds)
            log_access(method, route, scope["path"], status, seconds, rid)


class RootPathMiddleware:
    """Tell the app it is served under a prefix that a proxy strips (uvicorn's --root-path).

    Set from APP_ROOT_PATH so every server (production, hot reload, tests) honours it.
    """

    def __init__(self, app: ASGIApp, root_path: str) -> None:
        self.app = app
        self.root_path = root_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope["root_path"] = self.root_path
        await self.app(scope, receive, send)
