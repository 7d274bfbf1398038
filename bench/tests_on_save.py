"""Tests on save: what `unit-tests` (Tilt) and `make test-watch` run after a one-line change
(pytest-testmon: only the tests it affects), beside the whole unit suite, same run."""

import re
import subprocess
import time
from pathlib import Path

from bench.common import summary
from tests.checkout import copy_project

ROUNDS = 5
MODULE = Path("app/request_id.py")
LINE, CHANGED = "return text\n", "return str(text)\n"


def pytest(project: Path, *args: str) -> tuple[float, int]:
    """Seconds and the count of tests passed."""
    started = time.monotonic()
    result = subprocess.run(
        ["uv", "run", "--locked", "pytest", "tests/unit", "-q", *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.monotonic() - started
    return seconds, int(re.findall(r"(\d+) passed", result.stdout)[-1])


def run(scratch: Path) -> dict:
    project = copy_project(scratch / "tests-on-save", share_environment=True)
    module = project / MODULE
    pytest(project, "--testmon")  # records which tests run which code (.testmondata)
    affected, full, counts = [], [], {}
    for n in range(ROUNDS):
        text = module.read_text()
        module.write_text(
            text.replace(LINE, CHANGED) if n % 2 == 0 else text.replace(CHANGED, LINE)
        )
        seconds, counts["affected"] = pytest(project, "--testmon")
        affected.append(seconds)
        seconds, counts["all"] = pytest(project)
        full.append(seconds)
    return {
        "one_line_change_testmon": summary(affected),
        "whole_unit_suite": summary(full),
        "tests_run": counts,
        "goal_seconds": 3.0,
    }
