"""What a developer does with the debugger: attach, break in a route, evaluate an expression,
continue; save an edit and break again in the new code. Shared by every mode's test and the
bench. The route is the liveness probe's (harness/live_edit.py), which every service has."""

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests  # type: ignore[import-untyped, unused-ignore]  # no stubs in the types group

from harness.debugger.dap import Debugger, Message, Stop
from harness.live_edit import PATH, ROUTE, LiveEdit


@dataclass
class Figures:
    attach_seconds: float  # attach request -> the server's session configured
    save_to_breakpoint_seconds: float  # edit saved -> stopped in the new code


def breakpoint_line(project: Path) -> int:
    """The `return` of the liveness probe's handler."""
    lines = (project / ROUTE).read_text().splitlines()
    start = next(n for n, text in enumerate(lines) if text.startswith("async def healthz"))
    return next(n for n, text in enumerate(lines[start:], start + 1) if "return" in text)


def request_and_stop(debugger: Debugger, url: str, timeout: float) -> tuple[Stop, Message]:
    """GET the probe; return where it stopped and, once resumed, the response."""
    answer: Message = {}

    def get() -> None:
        answer["response"] = requests.get(f"{url}{PATH}", timeout=60)

    thread = threading.Thread(target=get, daemon=True)
    thread.start()
    stop = debugger.wait_for_stop(timeout)
    answer["status"] = stop.evaluate("_OK.status")
    stop.resume()
    thread.join(60)
    assert "response" in answer, "the request did not return after continue"
    return stop, answer


def debug_through_a_reload(
    project: Path, url: str, debug_port: int, remote_root: str | None, timeout: float = 30
) -> Figures:
    """Runs the whole scenario against a server under debugpy; asserts each step."""
    source = str(project / ROUTE)
    mappings = [{"localRoot": str(project), "remoteRoot": remote_root}] if remote_root else []
    debugger = Debugger("127.0.0.1", debug_port, mappings)
    line = breakpoint_line(project)
    debugger.breakpoints[source] = [line]
    live = LiveEdit(project)
    try:
        started = time.monotonic()
        debugger.attach(timeout)
        server = debugger.wait_for_session(timeout)  # the reloader's server process
        attach_seconds = time.monotonic() - started

        stop, answer = request_and_stop(debugger, url, timeout)
        assert (stop.path, stop.line) == (source, line)
        assert answer["status"] == "'ok'"
        assert answer["response"].json() == {"status": "ok"}

        saved = time.monotonic()
        live.edit("debugged")
        debugger.wait_for_session(timeout, newer_than=server)
        debugger.wait_until_ended(server, timeout)  # replaced once the new server is ready
        stop, answer = request_and_stop(debugger, url, timeout)
        save_to_breakpoint = time.monotonic() - saved
        assert stop.session is not server, "stopped in the replaced process"
        assert (stop.path, stop.line) == (source, line)
        assert answer["status"] == "'debugged'"
        assert answer["response"].json() == {"status": "debugged"}, "not the new code"
        return Figures(attach_seconds, save_to_breakpoint)
    finally:
        debugger.close()
