"""Tests on save: what `unit-tests` (Tilt) and `make test-watch` run after a one-line change
(pytest-testmon: only the tests it affects), beside the whole unit suite, same run. Two kinds
of change: in a route, and in a module every request passes through."""

import os
import re
import subprocess
import time
from pathlib import Path

from bench.common import summary
from harness.checkout import copy_project

ROUNDS = 5
CHANGES = {
    "route": (
        Path("app/routes/health.py"),
        "if request.app.state.lifecycle.ready:",
        "if request.app.state.lifecycle.ready is True:",
    ),
    "every_request": (Path("app/request_id.py"), "return text\n", "return str(text)\n"),
}
# As on a developer's machine, Python caches bytecode (a CI sandbox may turn that off).
DEVELOPER_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def pytest(project: Path, *args: str) -> tuple[float, int]:
    """Seconds and the count of tests passed."""
    started = time.monotonic()
    result = subprocess.run(
        ["uv", "run", "--locked", "pytest", "tests/unit", "-q", *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
        env=DEVELOPER_ENV,
    )
    seconds = time.monotonic() - started
    return seconds, int(re.findall(r"(\d+) passed", result.stdout)[-1])


def run(scratch: Path) -> dict:
    project = copy_project(scratch / "tests-on-save", share_environment=True)
    pytest(project, "--testmon")  # records which tests run which code (.testmondata)
    results: dict = {"goal_seconds": 3.0, "tests_run": {}}
    for name, (path, line, changed) in CHANGES.items():
        module, samples = project / path, []
        for n in range(ROUNDS):
            text = module.read_text()
            module.write_text(
                text.replace(line, changed) if n % 2 == 0 else text.replace(changed, line)
            )
            seconds, results["tests_run"][name] = pytest(project, "--testmon")
            samples.append(seconds)
        results[f"one_line_change_{name}"] = summary(samples)
    full = []
    for _ in range(ROUNDS):
        seconds, results["tests_run"]["all"] = pytest(project)
        full.append(seconds)
    results["whole_unit_suite"] = summary(full)
    return results
