"""Progress lines with elapsed time, and commands whose output goes to a log file."""

import shlex
import subprocess
import time
from collections import deque
from pathlib import Path

from errors import InstallError

# A long build prints a line this often, so a CI log never looks stuck.
HEARTBEAT_SECONDS = 30


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


class Progress:
    """Prints `[tool 1m05s] message` lines, timed from when the tool started."""

    def __init__(self, tool: str) -> None:
        self.tool = tool
        self.started = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def say(self, message: str) -> None:
        print(f"[{self.tool} {_clock(self.elapsed())}] {message}", flush=True)

    def run(self, step: str, command: list[str], log: Path, **popen) -> None:
        """Run a command, appending its output to `log`; fail with the log's tail."""
        self.say(f"{step}: {shlex.join(command)}")
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a") as out:
            out.write(f"\n$ {shlex.join(command)}\n")
            out.flush()
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, **popen)
            step_started = time.monotonic()
            while True:
                try:
                    code = process.wait(timeout=HEARTBEAT_SECONDS)
                    break
                except subprocess.TimeoutExpired:
                    running = _clock(time.monotonic() - step_started)
                    self.say(f"{step}: still running ({running}): {_last_line(log)}")
        if code != 0:
            with log.open() as lines:
                tail = "".join(deque(lines, maxlen=25))
            raise InstallError(f"{step} failed (exit {code}); log {log}:\n{tail}")


def _last_line(log: Path) -> str:
    """The log's last line, cut short: with `go build -v`, the package compiling now."""
    with log.open("rb") as lines:
        lines.seek(max(0, log.stat().st_size - 4096))
        tail = lines.read().decode(errors="replace").strip().splitlines()
    return tail[-1][:120] if tail else ""
