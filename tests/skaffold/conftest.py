"""Run the real skaffold binary against the project's skaffold.yaml, offline."""

import json
import subprocess
from pathlib import Path

import pytest

from harness.prerequisites import run_tool, tool, tool_env

PROFILES = ["default", "dev", "ci", "shared", "docker"]
# The profiles that deploy the Helm chart (docker deploys a container instead).
HELM_PROFILES = ["default", "dev", "ci", "shared"]


@pytest.fixture(scope="session")
def skaffold(tmp_path_factory):
    """A function running skaffold with telemetry and update checks off (nothing phones home)."""
    tool("skaffold")
    tool("helm")  # skaffold's Helm deployer runs it
    config = tmp_path_factory.mktemp("skaffold") / "config.yaml"
    config.write_text(
        "global:\n  collect-metrics: false\n  update-check: false\nkubeContexts: []\n"
    )
    env = tool_env(SKAFFOLD_CONFIG=str(config))

    def run(
        *args: str, profile: str = "default", timeout: float = 900
    ) -> subprocess.CompletedProcess:
        flags = [] if profile == "default" else ["--profile", profile]
        return run_tool("skaffold", *args, *flags, env=env, timeout=timeout)

    return run


@pytest.fixture(scope="session")
def built(skaffold, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """`skaffold build` of both artifacts on the real engine: the build file and its tags."""
    output = tmp_path_factory.mktemp("skaffold-build") / "build.json"
    # --push=false: with no cluster to tell skaffold the images stay local, it would push.
    result = skaffold("build", "--push=false", "--file-output", str(output), profile="ci")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    builds = json.loads(output.read_text())["builds"]
    return output, {b["imageName"]: b["tag"] for b in builds}
