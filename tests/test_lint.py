"""The repository passes its own pre-commit hooks (.pre-commit-config.yaml: ruff, ruff format,
hadolint, shellcheck, helm lint, actionlint), run as a developer's commit would run them."""

import os
import subprocess

from tests.checkout import copy_project
from tests.prerequisites import TOOLS_BIN, tool


def test_pre_commit_passes_on_every_file(tmp_path):
    tool("helm")
    tool("actionlint")
    project = copy_project(tmp_path / "project", share_environment=True)
    subprocess.run(["git", "init", "--quiet"], cwd=project, check=True)
    subprocess.run(["git", "add", "--all"], cwd=project, check=True)
    result = subprocess.run(
        ["uv", "run", "--locked", "pre-commit", "run", "--all-files", "--show-diff-on-failure"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env={
            **os.environ,
            "PATH": f"{TOOLS_BIN}{os.pathsep}{os.environ['PATH']}",
            "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        },
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    for hook in ("ruff check", "ruff format", "hadolint", "shellcheck", "helm lint", "actionlint"):
        assert f"{hook}." in result.stdout, f"{hook} did not run"
