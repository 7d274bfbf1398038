"""The repository passes its own pre-commit hooks (.pre-commit-config.yaml: ruff, ruff format,
mypy, hadolint, shellcheck, helm lint, actionlint), run as a developer's commit would run them."""

import subprocess

from harness.checkout import commit_all, copy_project
from harness.prerequisites import tool, tool_env


def test_pre_commit_passes_on_every_file(tmp_path):
    tool("helm")
    tool("actionlint")
    project = commit_all(copy_project(tmp_path / "project", share_environment=True))
    result = subprocess.run(
        ["uv", "run", "--locked", "pre-commit", "run", "--all-files", "--show-diff-on-failure"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env=tool_env(PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home")),
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    hooks = (
        "ruff check",
        "ruff format",
        "mypy",
        "hadolint",
        "shellcheck",
        "helm lint",
        "actionlint",
    )
    for hook in hooks:
        assert f"{hook}." in result.stdout, f"{hook} did not run"
