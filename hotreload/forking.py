"""Forked children, and whether forking is still safe."""

import logging
import os
import selectors
import sys
import threading
from collections.abc import Callable

from hotreload import signals
from hotreload.log import log
from hotreload.processes import die_with_parent

# What a forked child runs, given its report pipe's write end; it returns the exit code.
Target = Callable[[int], int | None]
# Forks a child that runs a target; returns (pid, read end of its report pipe).
Fork = Callable[[Target], tuple[int, int]]


def fork(target: Target, selector: selectors.BaseSelector) -> tuple[int, int]:
    """Fork a child that runs target(write_fd) without the supervisor's selector and signal
    handling; return (pid, read end of its pipe)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        code: int | None = 1
        try:
            os.close(read_fd)
            selector.close()
            signals.reset()
            die_with_parent()
            code = target(write_fd)
        finally:
            # os._exit skips interpreter clean-up: write out what logging still buffers.
            logging.shutdown()
            os._exit(code or 0)
    os.close(write_fd)
    return pid, read_fd


class Forking:
    """Forking is safe until this process has threads (a preloaded library started them): a
    fork copies only the forking thread, and locks the others held stay locked in the child."""

    def __init__(self) -> None:
        self.enabled = True

    def safe(self) -> bool:
        """False, and from then on, once this process has threads; says so once."""
        if not self.enabled:
            return False
        threads = _thread_count()
        if threads > 1:
            self.enabled = False
            who = "debugpy" if "debugpy" in sys.modules else "the preloaded libraries"
            log(
                f"{who} started {threads - 1} thread(s), which makes forking "
                "unsafe: each reload now starts a fresh interpreter (slower)"
            )
        return self.enabled


def _thread_count() -> int:
    """This process's threads, native ones included where /proc shows them."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()
