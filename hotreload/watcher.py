"""The watcher: reports changed files under the watched directories, a JSON line a batch."""

import json
import os
import signal
from pathlib import Path

# Wait this long after a change for more changes (an editor's save or a tar extraction is
# several events within a few ms), then report the batch.
STEP_MS = 30


def run(directories: list[Path], report_fd: int) -> None:
    """Run forever in a forked child; the supervisor terminates it."""
    # Ctrl-C reaches the whole process group; the supervisor decides when the watcher stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    report(directories, report_fd)


def report(directories: list[Path], report_fd: int) -> None:
    from watchfiles import DefaultFilter, watch  # starts a thread: import after fork only

    for changes in watch(*directories, watch_filter=DefaultFilter(), step=STEP_MS):
        paths = sorted({path for _, path in changes})
        os.write(report_fd, (json.dumps(paths) + "\n").encode())
