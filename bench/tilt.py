"""The inner loop through real Tilt: save to new response, live update against full rebuilds."""

import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

from bench.common import ROOT, summary, time_edits
from harness.checkout import copy_project
from harness.live_edit import LiveEdit
from harness.server import free_port, wait_ready

EDITS = 10
REBUILDS = 5


@contextmanager
def tilt_up(project: Path, *tilt_args: str):
    port = free_port()
    env = {
        **os.environ,
        "PATH": f"{ROOT / '.tools' / 'bin'}:{os.environ['PATH']}",
        "FASTAPI_PORT": str(port),
    }
    log = open(project / "tilt.log", "w")  # noqa: SIM115 - closed below
    up = subprocess.Popen(
        ["tilt", "up", "--port", str(free_port()), "--stream", "--", *tilt_args],
        cwd=project,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(f"{url}/healthz", timeout=600)
        yield url
    finally:
        up.terminate()
        up.wait(timeout=60)
        subprocess.run(
            ["tilt", "down", "--", *tilt_args],
            cwd=project,
            env=env,
            capture_output=True,
            check=False,
        )
        log.close()


def measure(project: Path, edits: int, *tilt_args: str) -> dict:
    live = LiveEdit(project)
    with tilt_up(project, *tilt_args) as url:
        samples = time_edits(live, url, edits, settle=1.0)
    live.restore()
    return summary(samples)


def run(scratch: Path) -> dict:
    project = copy_project(scratch / "tilt", share_environment=True)
    results = {
        "local process, hot reload": measure(project, EDITS, "--mode=local"),
        "compose, live update": measure(project, EDITS, "--mode=compose"),
        "compose, full image rebuild": measure(
            project, REBUILDS, "--mode=compose", "--no-live-update"
        ),
    }
    results["rebuild_vs_live_update"] = (
        results["compose, full image rebuild"]["median"] / results["compose, live update"]["median"]
    )
    return results
