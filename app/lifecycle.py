"""Readiness state shared by the readiness probe and the server's signal handling."""


class Lifecycle:
    """Ready from lifespan start-up until shutdown begins."""

    def __init__(self) -> None:
        self._ready = False

    @property
    def ready(self) -> bool:
        return self._ready

    def start(self) -> None:
        self._ready = True

    def begin_shutdown(self) -> None:
        self._ready = False
