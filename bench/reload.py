"""Save-to-serve with hotreload against plain `uvicorn --reload`, on the same app, same run."""

import sys
from pathlib import Path

from bench.common import server, summary, time_edits
from harness.checkout import copy_project
from harness.live_edit import LiveEdit
from harness.server import free_port

EDITS = 10


def reloaders(port: int) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "hotreload": [python, "-m", "hotreload", "app.main:app", "--port", str(port)],
        "uvicorn --reload": [
            python,
            "-m",
            "uvicorn",
            "app.main:app",
            "--reload",
            "--reload-dir",
            "app",
            "--port",
            str(port),
        ],
    }


def run(scratch: Path) -> dict:
    project = copy_project(scratch / "reload")
    results = {}
    for name, argv in reloaders(port := free_port()).items():
        live = LiveEdit(project)
        url = f"http://127.0.0.1:{port}"
        env = {"APP_LOG_LEVEL": "warning"}
        with server(argv, f"{url}/healthz", cwd=project, env=env):
            results[name] = summary(time_edits(live, url, EDITS, settle=0.5))
        live.restore()
    results["speedup"] = results["uvicorn --reload"]["median"] / results["hotreload"]["median"]
    return results
