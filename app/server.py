"""Production entry point: `python -m app.server`, one uvicorn worker, graceful shutdown.

On SIGTERM or SIGINT the readiness probe turns 503 at once while the server keeps serving
for APP_SHUTDOWN_DRAIN_SECONDS (so endpoints and load balancers stop routing here), then
it stops accepting and waits up to APP_SHUTDOWN_TIMEOUT_SECONDS for in-flight requests.
A second signal skips the drain.
"""

import logging
import signal
import sys
import time
from types import FrameType

import uvicorn

from app.coalescing import CoalescingHttpToolsProtocol
from app.lifecycle import Lifecycle
from app.main import create_app
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
        if self.exit_at is None:
            log.info("shutdown requested", extra={"signal": signal.Signals(sig).name})
            self.lifecycle.begin_shutdown()
            self.exit_at = time.monotonic() + self.drain_seconds
        else:
            self.exit_at = time.monotonic()

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
        http=CoalescingHttpToolsProtocol,
        lifespan="on",
        access_log=False,  # the app's middleware logs each request once
        log_config=None,  # the app configured logging already
        server_header=False,
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
    )
    return DrainingServer(config, lifecycle, settings.shutdown_drain_seconds)


def main() -> None:
    try:
        settings = load_settings()
    except SettingsError as exc:
        sys.exit(f"fastapi-service: {exc}")
    build_server(settings).run()


if __name__ == "__main__":
    main()
