"""The service, the reloader and the tests' harness type-check under mypy's strict mode, as
pyproject.toml's [tool.mypy] sets it; the pre-commit hook runs the same check."""

import importlib.util
import subprocess
import sys

import pytest

from harness.prerequisites import ROOT, missing


def test_mypy_strict_finds_no_errors():
    if importlib.util.find_spec("mypy") is None:
        missing("mypy is not installed here: run `make sync` (dependency group `types`)")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")],
        cwd=ROOT,  # the config's `files` are relative to the checkout
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if result.returncode != 0:
        pytest.fail(f"mypy found errors:\n{result.stdout}{result.stderr}", pytrace=False)
