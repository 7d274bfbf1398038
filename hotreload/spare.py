"""The spare: the next server, forked ahead of the change it will serve.

It waits to be told to load the project, so a reload does not wait for the fork and the
child's set-up; meanwhile it copies the memory it shares with the supervisor (prefault.py).
"""

import os
from collections.abc import Callable
from dataclasses import dataclass

from hotreload.forking import Fork
from hotreload.prefault import populate_writable_memory


@dataclass(frozen=True)
class _Waiting:
    pid: int
    report_fd: int  # registered with the selector once it serves
    go_fd: int  # a byte written here: load the project and serve


class Spare:
    """At most one spare; serve(report_fd) is what it runs once woken."""

    def __init__(self, fork: Fork, serve: Callable[[int], int]) -> None:
        self._fork, self._serve = fork, serve
        self._waiting: _Waiting | None = None

    @property
    def pid(self) -> int | None:
        return self._waiting.pid if self._waiting else None

    def refork(self) -> None:
        """A new spare in place of any older one."""
        self.drop()
        go_read, go_write = os.pipe()

        def wait_then_serve(report_fd: int) -> int:
            os.close(go_write)
            populate_writable_memory()
            if not os.read(go_read, 1):  # dropped, or the supervisor is gone
                return 0
            return self._serve(report_fd)

        pid, fd = self._fork(wait_then_serve)
        os.close(go_read)
        self._waiting = _Waiting(pid, fd, go_write)

    def wake(self) -> tuple[int, int] | None:
        """The spare's (pid, report pipe), now loading the project; None without a live one."""
        spare, self._waiting = self._waiting, None
        if spare is None:
            return None
        try:
            os.write(spare.go_fd, b"g")
        except BrokenPipeError:  # it died and is not reaped yet
            os.close(spare.report_fd)
            return None
        finally:
            os.close(spare.go_fd)
        return spare.pid, spare.report_fd

    def drop(self) -> None:
        if self._waiting is not None:
            os.close(self._waiting.go_fd)  # it reads the end of the pipe and exits
            os.close(self._waiting.report_fd)
            self._waiting = None
