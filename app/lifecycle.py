"""Readiness state shared by the readiness probe and the server's signal handling."""


class Lifecycle:
    """Ready from start-up until shutdown begins; never ready again afterwards."""

    def __init__(self) -> None:
        self._started = False
        self._stopping = False

    @property
    def ready(self) -> bool:
        return self._started and not self._stopping

    def start(self) -> None:
        self._started = True

    def begin_shutdown(self) -> None:
        self._stopping = True
