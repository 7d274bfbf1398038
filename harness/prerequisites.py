"""Prerequisites of the tests that drive real engines and tools.

Locally a missing prerequisite skips the test with the reason; under CI=true it fails,
so a CI machine that lost its Docker engine or a tool can never pass by skipping.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLS_BIN = ROOT / ".tools" / "bin"


def tool_env(**extra: str) -> dict[str, str]:
    """This process's environment with the pinned tools first on PATH, plus `extra`."""
    return {**os.environ, "PATH": f"{TOOLS_BIN}{os.pathsep}{os.environ['PATH']}", **extra}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing(reason: str) -> NoReturn:
    """Stop the current test: a failure under CI=true, a skip elsewhere."""
    if in_ci():
        pytest.fail(f"prerequisite missing under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def tool(name: str) -> str:
    """Path of a pinned tool: .tools/bin (make tools), else the venv's bin (hadolint, shellcheck).

    Never a binary found elsewhere on PATH: the tests judge the versions the project pins.
    """
    search = os.pathsep.join([str(TOOLS_BIN), str(Path(sys.executable).parent)])
    found = shutil.which(name, path=search)
    if found is None:
        missing(f"pinned {name} not found in .tools/bin: run `make tools`")
    return found


def run_tool(
    name: str, *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """Run a pinned tool to its end with its output captured; the caller judges the exit code."""
    return subprocess.run(
        [tool(name), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def docker() -> str:
    """The docker CLI, after checking that an engine answers."""
    cli = shutil.which("docker")
    if cli is None:
        missing("docker CLI not found: run `make engine`")
    probe = subprocess.run([cli, "info"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        reason = probe.stderr.strip()[:200]
        missing(f"no Docker engine answers ({reason}): run `make engine`")
    return cli
