"""What a developer does with the debugger: attach, break in a route, read a local, continue;
save an edit and break again in the new code. Shared by every mode's test and the bench."""

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.debugger.dap import Debugger, Stop

ROUTE = Path("app/routes/hello.py")
LINE_TEXT = "return Item(item_id=item_id, q=q)"
EDITED_TEXT = "return Item(item_id=item_id + 1, q=q)"


@dataclass
class Figures:
    attach_seconds: float  # attach request -> the server's session configured
    save_to_breakpoint_seconds: float  # edit saved -> stopped in the new code


def breakpoint_line(project: Path) -> int:
    lines = (project / ROUTE).read_text().splitlines()
    return next(n for n, text in enumerate(lines, 1) if LINE_TEXT in text or EDITED_TEXT in text)


def request_and_stop(debugger: Debugger, url: str, timeout: float) -> tuple[Stop, dict]:
    """GET /items/42?q=dap; return where it stopped and, once resumed, the response."""
    answer: dict = {}

    def get() -> None:
        answer["response"] = requests.get(f"{url}/items/42", params={"q": "dap"}, timeout=60)

    thread = threading.Thread(target=get, daemon=True)
    thread.start()
    stop = debugger.wait_for_stop(timeout)
    answer["locals"] = stop.locals()
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
    try:
        started = time.monotonic()
        debugger.attach(timeout)
        server = debugger.wait_for_session(timeout)  # the reloader's server process
        attach_seconds = time.monotonic() - started

        stop, answer = request_and_stop(debugger, url, timeout)
        assert (stop.path, stop.line) == (source, line)
        assert answer["locals"]["item_id"] == "42"
        assert answer["locals"]["q"] == "'dap'"
        assert answer["response"].status_code == 200
        assert answer["response"].json() == {"item_id": 42, "q": "dap"}

        route = project / ROUTE
        saved = time.monotonic()
        route.write_text(route.read_text().replace(LINE_TEXT, EDITED_TEXT))
        debugger.wait_for_session(timeout, newer_than=server)
        debugger.wait_until_ended(server, timeout)  # replaced once the new server is ready
        stop, answer = request_and_stop(debugger, url, timeout)
        save_to_breakpoint = time.monotonic() - saved
        assert stop.session is not server, "stopped in the replaced process"
        assert (stop.path, stop.line) == (source, line)
        assert answer["response"].json() == {"item_id": 43, "q": "dap"}, "not the new code"
        return Figures(attach_seconds, save_to_breakpoint)
    finally:
        debugger.close()
