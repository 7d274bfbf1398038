"""The supervisor's children as processes: bound to its life, signalled, reaped, ended."""

import contextlib
import ctypes
import os
import signal
import sys
import time
from collections.abc import Iterable, Iterator

# How long a replaced or stopping server may take to finish in-flight requests.
STOP_TIMEOUT = 5.0


def die_with_parent() -> None:
    """Linux: have the kernel kill this process if the supervisor dies, even by SIGKILL.
    SIGKILL, as a server paused for a reload would never handle a SIGTERM."""
    if sys.platform == "linux":
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def signal_each(pids: Iterable[int], *signals: signal.Signals) -> None:
    for pid in pids:
        for sig in signals:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)


def terminate(pids: Iterable[int]) -> None:
    # SIGCONT after: a paused server handles its SIGTERM once it runs again.
    signal_each(pids, signal.SIGTERM, signal.SIGCONT)


def reaped() -> Iterator[tuple[int, int]]:
    """(pid, wait status) of each child that has exited, until none is left to reap."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        yield pid, status


def end(pids: set[int]) -> None:
    """Terminate pids and wait for them, killing any that overstays STOP_TIMEOUT."""
    children = set(pids)
    terminate(children)
    deadline = time.monotonic() + STOP_TIMEOUT
    while children and time.monotonic() < deadline:
        for pid in list(children):
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0] == 0:
                    continue
            children.discard(pid)
        time.sleep(0.02)
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"
