"""The supervisor's signals: its handlers only queue them, and its loop handles them.

A wake-up pipe makes each arrival an event of the loop's selector, so a signal is handled
between events, never in the middle of one.
"""

import os
import signal
import sys
from typing import NoReturn

HANDLED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD)


class SignalQueue:
    def __init__(self) -> None:
        self.pending: list[int] = []
        self.wakeup_fd = -1

    def install(self) -> int:
        """Queue HANDLED from now on; return the pipe that turns readable as one arrives."""
        self.wakeup_fd, wakeup_write = os.pipe()
        os.set_blocking(wakeup_write, False)
        signal.set_wakeup_fd(wakeup_write)
        # A SIGHUP held across the restart that made this process asked for what it is now.
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGHUP})
        for sig in HANDLED:
            signal.signal(sig, lambda s, _: self.pending.append(s))
        return self.wakeup_fd

    def take(self) -> list[int]:
        """The signals queued since the last take."""
        os.read(self.wakeup_fd, 512)
        signals, self.pending = self.pending, []
        return signals


def reset() -> None:
    """In a forked child: the default handlers, and no wake-up pipe."""
    signal.set_wakeup_fd(-1)
    for sig in HANDLED:
        signal.signal(sig, signal.SIG_DFL)


def restart() -> NoReturn:
    """This process again, from the start: libraries imported afresh."""
    # Held until the new process is ready for it: a SIGHUP arriving meanwhile
    # would otherwise kill it, and is already served by this restart.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
    os.execv(  # noqa: S606 - re-exec ourselves with the same arguments
        sys.executable, [sys.executable, "-m", "hotreload", *sys.argv[1:]]
    )
