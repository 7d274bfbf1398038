"""Run the real tilt binary on the project's Tiltfile."""

import json
import subprocess
from pathlib import Path

import pytest

from harness.checkout import copy_project
from harness.prerequisites import ROOT, run_tool, tool, tool_env
from harness.server import free_port

LOCAL_CONTEXT = "kind-fastapi-service"


def kubeconfig(path: Path, context: str) -> Path:
    """A kubeconfig whose only context points at a closed port: nothing can be deployed."""
    path.write_text(
        "apiVersion: v1\nkind: Config\n"
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "users: [{name: u, user: {}}]\n"
        f"contexts: [{{name: {context}, context: {{cluster: c, user: u}}}}]\n"
        f"current-context: {context}\n"
    )
    return path


@pytest.fixture(scope="session")
def tilt_env(tmp_path_factory) -> dict[str, str]:
    tool("tilt")
    home = tmp_path_factory.mktemp("tilt-home")
    return tool_env(
        # Tilt keeps its state and analytics opt-in under the home directory: keep tests apart.
        TILT_DEV_DIR=str(home / ".tilt-dev"),
        KUBECONFIG=str(kubeconfig(home / "kubeconfig", LOCAL_CONTEXT)),
    )


def tiltfile_result(
    env: dict[str, str], *args: str, cwd: Path = ROOT
) -> subprocess.CompletedProcess:
    return run_tool("tilt", "alpha", "tiltfile-result", "--", *args, cwd=cwd, env=env, timeout=300)


def manifests(result: subprocess.CompletedProcess) -> dict[str, dict]:
    assert result.returncode == 0, result.stderr[-3000:]
    return {m["Name"]: m for m in json.loads(result.stdout)["Manifests"]}


@pytest.fixture(scope="session")
def project_copy(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("project"), share_environment=True)


@pytest.fixture
def port() -> int:
    return free_port()
