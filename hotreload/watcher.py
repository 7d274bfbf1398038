"""The watcher: reports, a JSON line each, that it is watching, then each batch of changed files."""

import json
import os
import signal
from collections.abc import Iterator, Sequence
from pathlib import Path

from hotreload import bytecode
from hotreload.reports import Message

# Wait this long after a change for more changes (an editor's save or a tar extraction is
# several events within a few ms), then report the batch. watchfiles sleeps a step between
# looks, so a change is reported 1-2 steps after it; a step costs a wake-up while idle.
STEP_MS = 10


def run(directories: list[Path], report_fd: int) -> None:
    """Run forever in a forked child; the supervisor terminates it."""
    # Ctrl-C reaches the whole process group; the supervisor decides when the watcher stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    report(directories, report_fd)


def report(directories: list[Path], report_fd: int) -> None:
    from watchfiles import DefaultFilter, watch  # only the watcher needs it, not the supervisor

    watch_filter = DefaultFilter()
    bytecode.make_checked_hash(sources(directories, watch_filter.ignore_dirs))
    watching = _Watching(report_fd)
    for changes in watch(
        *directories, watch_filter=watch_filter, step=STEP_MS, stop_event=watching
    ):
        paths = sorted({path for _, path in changes})
        # Before the report: the server it starts must not find an mtime-validated pyc.
        bytecode.make_checked_hash(Path(p) for p in paths)
        send(report_fd, {"changed": paths})


def send(report_fd: int, message: Message) -> None:
    os.write(report_fd, (json.dumps(message) + "\n").encode())


class _Watching:
    """watchfiles asks its stop_event is_set() after each step, the first time once its watches
    are in place: from then on no save is missed, so the supervisor may start a server."""

    def __init__(self, report_fd: int) -> None:
        self.report_fd: int | None = report_fd

    def is_set(self) -> bool:
        if self.report_fd is not None:
            send(self.report_fd, {"watching": True})
            self.report_fd = None
        return False


def sources(directories: list[Path], ignore_dirs: Sequence[str]) -> Iterator[Path]:
    """Every .py file under the directories, outside the directories the watcher ignores."""
    for directory in directories:
        for root, dirs, files in os.walk(directory):
            dirs[:] = [d for d in dirs if d not in ignore_dirs]
            yield from (Path(root, f) for f in files if f.endswith(".py"))
