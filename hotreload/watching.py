"""The supervisor's side of the watcher: it starts it, and holds the first server until it
watches, so that no save after that server's import is missed."""

import os
import threading
import time
from pathlib import Path

from hotreload import watcher
from hotreload.forking import Fork
from hotreload.log import log

# How long the first server waits at most, should a watchfiles release stop saying it watches.
WATCHER_START_SECONDS = 10.0


class Watcher:
    def __init__(self, watch: list[Path]) -> None:
        self.watch = watch
        self.pid: int | None = None  # None: not started, or a thread
        self._started: float | None = None  # until it reports that it is watching

    def fork(self, fork: Fork) -> int:
        """Start it as a forked process; return its report pipe."""
        self.pid, fd = fork(lambda write_fd: watcher.run(self.watch, write_fd))
        self._started = time.monotonic()
        return fd

    def thread(self) -> int:
        """Start it as a thread of this process; return its report pipe."""
        fd, write_fd = os.pipe()
        thread = threading.Thread(target=watcher.report, args=(self.watch, write_fd))
        thread.daemon = True
        thread.start()
        self._started = time.monotonic()
        return fd

    @property
    def awaited(self) -> bool:
        """It has not said it watches yet."""
        return self._started is not None

    def watching(self) -> bool:
        """It watches: True the first time it says so, when the first server may start."""
        if self._started is None:
            return False
        self._started = None
        return True

    def overdue(self) -> bool:
        """True, once, when it has not said it watches within WATCHER_START_SECONDS."""
        if self._started is None or time.monotonic() - self._started < WATCHER_START_SECONDS:
            return False
        log(
            "the file watcher has not said it is watching within "
            f"{WATCHER_START_SECONDS:.0f} s; serving anyway (a save until it watches may "
            "be missed)"
        )
        return self.watching()
