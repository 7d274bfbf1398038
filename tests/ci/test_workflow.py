"""The GitHub Actions workflow (.github/workflows/ci.yml): linted by actionlint and zizmor,
and its fast job run for real on this machine by act, with no runner image."""

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from harness.checkout import commit_all, copy_project
from harness.prerequisites import ROOT, TOOLS_BIN, run_tool, tool

WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
VENV_BIN = ROOT / ".venv" / "bin"


def tools_env() -> dict[str, str]:
    """The pinned tools, then the project's venv (shellcheck, zizmor), first on PATH."""
    path = os.pathsep.join([str(TOOLS_BIN), str(VENV_BIN), os.environ["PATH"]])
    return {**os.environ, "PATH": path}


@pytest.mark.tools
def test_actionlint_passes_with_shellcheck_on_the_run_steps():
    result = run_tool("actionlint", "-shellcheck", str(VENV_BIN / "shellcheck"), str(WORKFLOW))
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing():
    result = subprocess.run(
        [str(VENV_BIN / "zizmor"), "--offline", str(WORKFLOW)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def remote_actions(workflow: Path) -> set[str]:
    """Every `uses:` but actions/checkout, which act satisfies from the local checkout."""
    jobs = yaml.safe_load(workflow.read_text())["jobs"].values()
    used = {step["uses"] for job in jobs for step in job["steps"] if "uses" in step}
    return {u for u in used if not u.startswith("actions/checkout@")}


@pytest.mark.slow
def test_act_runs_the_fast_job_green_on_this_machine(tmp_path):
    tool("act")
    project = commit_all(copy_project(tmp_path / "project"), "ci")
    # Those steps run only on GitHub (`if: !env.ACT`); act still fetches them first, so an
    # empty local action stands in for each: nothing leaves the machine.
    skipped = tmp_path / "skipped-action"
    skipped.mkdir()
    (skipped / "action.yml").write_text("name: skipped\nruns:\n  using: composite\n  steps: []\n")
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["fast"]["steps"]
    assert all(
        s.get("if") == "${{ !env.ACT }}" for s in steps if s.get("uses") in remote_actions(WORKFLOW)
    )
    local = [
        arg
        for uses in remote_actions(WORKFLOW)
        for arg in ("--local-repository", f"{uses}={skipped}")
    ]
    result = subprocess.run(
        [
            tool("act"),
            "push",
            "--job",
            "fast",
            "-P",
            "ubuntu-latest=-self-hosted",
            *local,
            "--action-cache-path",
            str(tmp_path / "act-cache"),
        ],
        cwd=project,
        env=tools_env(),
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "Job succeeded" in output
    assert " passed" in output
