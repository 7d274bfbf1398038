"""The debugger on the local reloader: attach time, and save -> breakpoint hit in the new code
(harness/debugger/scenario.py, the same steps the tests assert), repeated on fresh servers."""

import os
import subprocess
import sys
from pathlib import Path

from bench.common import summary
from harness.checkout import copy_project
from harness.debugger.scenario import debug_through_a_reload
from harness.live_edit import LiveEdit
from harness.server import free_port, wait_ready

ROUNDS = 5


def run(scratch: Path) -> dict:
    project = copy_project(scratch / "debug")
    live = LiveEdit(project)
    attach, save_to_breakpoint = [], []
    for _ in range(ROUNDS):
        live.restore()
        port, debug_port = free_port(), free_port()
        argv = [sys.executable, "-m", "debugpy", "--listen", f"127.0.0.1:{debug_port}"]
        argv += ["-m", "hotreload", "app.main:app", "--port", str(port)]
        env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1", "APP_LOG_LEVEL": "warning"}
        process = subprocess.Popen(
            argv, cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_ready(f"{url}/readyz", timeout=60, process=process)
            figures = debug_through_a_reload(project, url, debug_port, remote_root=None)
        finally:
            process.terminate()
            process.wait(timeout=20)
        attach.append(figures.attach_seconds)
        save_to_breakpoint.append(figures.save_to_breakpoint_seconds)
    return {"attach": summary(attach), "save_to_breakpoint": summary(save_to_breakpoint)}
