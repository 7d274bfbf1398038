"""hadolint finds nothing in the project's Dockerfiles."""

import subprocess

from harness.images import ROOT
from harness.prerequisites import tool


def test_hadolint_is_clean():
    result = subprocess.run(
        [tool("hadolint"), "Dockerfile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
