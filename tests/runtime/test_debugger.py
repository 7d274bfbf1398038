"""The reloader under debugpy, as `make debug` and Tilt's --mode=local --debug run it: a real
DAP client attaches, breaks in a route, reads its locals, and breaks again after a save."""

import os
import signal
import subprocess
import sys

import pytest
import requests

from harness.checkout import copy_project
from harness.debugger.dap import Debugger
from harness.debugger.scenario import debug_through_a_reload
from harness.server import free_port, wait_ready


@pytest.fixture
def debug_server(tmp_path):
    """Yields start(*debugpy flags) -> (url, debug port, process): the reloader under debugpy
    in the scratch copy at tmp_path/project."""
    project = copy_project(tmp_path / "project")
    procs = []

    def start(*debugpy_flags: str) -> tuple[str, int, subprocess.Popen]:
        port, debug_port = free_port(), free_port()
        command = [sys.executable, "-m", "debugpy", "--listen", f"127.0.0.1:{debug_port}"]
        command += [*debugpy_flags, "-m", "hotreload", "app.main:app", "--port", str(port)]
        env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1", "APP_LOG_FORMAT": "console"}
        proc = subprocess.Popen(command, cwd=project, env=env)
        procs.append(proc)
        return f"http://127.0.0.1:{port}", debug_port, proc

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=20)


def test_a_breakpoint_is_hit_in_the_route_and_again_in_the_code_saved_after(debug_server, tmp_path):
    url, debug_port, proc = debug_server()
    wait_ready(f"{url}/readyz", timeout=60, process=proc)
    figures = debug_through_a_reload(tmp_path / "project", url, debug_port, remote_root=None)
    assert figures.attach_seconds > 0
    assert requests.get(f"{url}/healthz", timeout=5).json() == {"status": "debugged"}


def test_wait_for_client_serves_only_once_a_debugger_attached(debug_server):
    url, debug_port, proc = debug_server("--wait-for-client")
    with pytest.raises(TimeoutError):
        wait_ready(f"{url}/readyz", timeout=3, process=proc)
    debugger = Debugger("127.0.0.1", debug_port)
    try:
        debugger.attach()
        wait_ready(f"{url}/readyz", timeout=60, process=proc)
    finally:
        debugger.close()


def test_sighup_after_a_lock_change_starts_a_new_server_the_debugger_follows(debug_server):
    url, debug_port, proc = debug_server()
    wait_ready(f"{url}/readyz", timeout=60, process=proc)
    debugger = Debugger("127.0.0.1", debug_port)
    try:
        debugger.attach()
        server = debugger.wait_for_session()
        proc.send_signal(signal.SIGHUP)
        debugger.wait_for_session(30, newer_than=server)
        debugger.wait_until_ended(server, 30)
        wait_ready(f"{url}/readyz", timeout=30, process=proc)
    finally:
        debugger.close()
