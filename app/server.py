"""Production entry point: `python -m app.server`, one uvicorn worker, graceful shutdown.

On SIGTERM or SIGINT the readiness probe turns 503 at once while the server keeps serving
for APP_SHUTDOWN_DRAIN_SECONDS (so endpoints and load balancers stop routing here), then
it stops accepting and waits up to APP_SHUTDOWN_TIMEOUT_SECONDS for in-flight requests.
A second signal (SIGTERM or SIGINT, e.g. Ctrl+C twice) stops at once: no drain, no wait.
SIGHUP is logged and ignored: the production server does not reload (restart the process).
"""

import errno
import logging
import signal
import socket
import sys
import time
from types import FrameType

import uvicorn

from app.lifecycle import Lifecycle
from app.listener import empty_accept_queues
from app.main import create_app
from app.protocol import http_protocol
from app.settings import Settings, SettingsError, load_settings

log = logging.getLogger(__name__)


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, lifecycle: Lifecycle, drain_seconds: float) -> None:
        super().__init__(config)
        self.lifecycle = lifecycle
        self.drain_seconds = drain_seconds
        self.exit_at: float | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # Not calling super(): uvicorn would re-raise the signal after shutdown and the
        # process would end by signal instead of exiting 0.
        name = signal.Signals(sig).name
        if self.exit_at is None:
            log.info("shutdown requested", extra={"signal": name})
            self.lifecycle.begin_shutdown()
            self.exit_at = time.monotonic() + self.drain_seconds
        else:
            log.warning("second signal: stopping now", extra={"signal": name})
            self.exit_at = time.monotonic()
            self.force_exit = True  # ends uvicorn's wait for in-flight requests too

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # Before uvicorn closes the listener: it would reset the connections still queued.
        await empty_accept_queues([sock for server in self.servers for sock in server.sockets])
        await super().shutdown(sockets)

    async def on_tick(self, counter: int) -> bool:
        if self.exit_at is not None and time.monotonic() >= self.exit_at:
            return True
        return await super().on_tick(counter)


def build_server(settings: Settings) -> DrainingServer:
    lifecycle = Lifecycle()
    config = uvicorn.Config(
        create_app(settings, lifecycle),
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        # uvicorn calls `http` to make each protocol, so a factory serves; it asks for a class.
        http=http_protocol(settings.http_limits),  # type: ignore[arg-type]
        # Both timeouts go to asyncio (call_later, wait_for), which takes float seconds;
        # uvicorn's annotations say int.
        timeout_keep_alive=settings.keep_alive_seconds,  # type: ignore[arg-type]
        lifespan="on",
        access_log=False,  # the app's middleware logs each request once
        log_config=None,  # the app configured logging already
        server_header=False,
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds,  # type: ignore[arg-type]
    )
    return DrainingServer(config, lifecycle, settings.shutdown_drain_seconds)


def listen(settings: Settings) -> socket.socket:
    """The server's socket, bound before start-up so a bad APP_HOST or APP_PORT is named."""
    host, port = settings.host, settings.port
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise SettingsError(
            f"APP_HOST={host!r} does not resolve ({exc.strerror}): use an address such as "
            "0.0.0.0 or 127.0.0.1, or a name this machine resolves"
        ) from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise SettingsError(
                f"APP_PORT={port}: {host}:{port} is already in use; stop what listens there "
                "or set APP_PORT to a free port"
            ) from None
        raise SettingsError(f"APP_HOST={host!r}, APP_PORT={port}: {exc.strerror}") from None
    return sock


def _ignore_sighup(sig: int, frame: FrameType | None) -> None:
    log.warning("SIGHUP ignored: the production server does not reload; restart it instead")


def main() -> None:
    try:
        settings = load_settings()
        sock = listen(settings)
    except SettingsError as exc:
        sys.exit(f"fastapi-service: {exc}")
    signal.signal(signal.SIGHUP, _ignore_sighup)
    build_server(settings).run(sockets=[sock])


if __name__ == "__main__":
    main()
