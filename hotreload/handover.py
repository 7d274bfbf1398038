"""From the old servers to the new one: the old ones paused while it loads, ended once it serves.

Paused until the new code serves, the old servers answer nothing after the change: new
connections wait on the shared socket for the new server to accept them. They resume only if
the new one dies first or is slow to serve; otherwise they end.
"""

import signal
import time

from hotreload import processes
from hotreload.log import log

# A new server that is not serving this long after a change is reported (a hung import).
SLOW_START_SECONDS = 5.0
# A server that dies this soon after it started is not restarted until the next change.
CRASH_LOOP_SECONDS = 2.0


class Handover:
    def __init__(self) -> None:
        self.current: int | None = None  # the newest server; older ones are being replaced
        self.replaced: set[int] = set()
        self._current_started = 0.0
        self._change_started: float | None = None  # until the new code serves
        self._slow_start_reported = False

    @property
    def changing(self) -> bool:
        """A change is not served yet."""
        return self._change_started is not None

    def pause_all(self) -> None:
        """A change: every server paused until the new code serves."""
        self._change_started = time.monotonic()
        self._slow_start_reported = False
        processes.signal_each({p for p in (self.current, *self.replaced) if p}, signal.SIGSTOP)

    def started(self, pid: int) -> None:
        """pid is the newest server; the one it replaces ends once it is ready."""
        if self.current is not None:
            self.replaced.add(self.current)
        self.current = pid
        self._current_started = time.monotonic()

    def ready(self, pid: int) -> None:
        if pid != self.current:
            return
        if self._change_started is not None:
            elapsed = time.monotonic() - self._change_started
            log(f"serving new code {elapsed:.3f} s after the change")
            self._change_started = None
        processes.terminate(self.replaced)

    def check_slow_start(self) -> None:
        if self._change_started is None or self._slow_start_reported:
            return
        waited = time.monotonic() - self._change_started
        if waited >= SLOW_START_SECONDS:
            self._slow_start_reported = True
            processes.signal_each(self.replaced, signal.SIGCONT)
            log(
                f"the new code is not serving after {waited:.0f} s (an import that does not "
                "return?); the last good code keeps serving until the next save"
            )

    def exited(self, pid: int, status: int) -> bool:
        """pid has exited; True when it was the newest server and a new one should start."""
        self.replaced.discard(pid)
        if pid != self.current:
            return False
        self.current = None
        if self._change_started is not None:  # it never served: the last good code does
            self._change_started = None
            processes.signal_each(self.replaced, signal.SIGCONT)
        if time.monotonic() - self._current_started < CRASH_LOOP_SECONDS:
            log(f"server exited ({processes.describe(status)}) as it started; waiting for a change")
            return False
        log(f"server exited ({processes.describe(status)}); starting a new one")
        return True

    def pids(self) -> set[int]:
        return self.replaced | ({self.current} if self.current else set())

    def clear(self) -> None:
        """Every server has ended."""
        self.current, self.replaced = None, set()
