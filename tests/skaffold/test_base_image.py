"""skaffold.yaml builds both images from PYTHON_IMAGE when it is set (its python-image profile
turns on by itself, before dev drops the k6 image) and passes no build argument otherwise.
(Skaffold reads the base itself before building: a build argument it passed through unread
would send it looking for the pinned digest where only a local stand-in exists.)"""

import pytest
import yaml

from harness.prerequisites import run_tool, tool, tool_env
from tests.skaffold.conftest import PROFILES

TEMPLATE = {"PYTHON_IMAGE": "{{.PYTHON_IMAGE}}"}


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    """`skaffold diagnose`'s artifacts for a profile, with PYTHON_IMAGE as given (or unset)."""
    tool("skaffold")
    config = tmp_path_factory.mktemp("skaffold") / "config.yaml"
    config.write_text("global:\n  collect-metrics: false\n  update-check: false\n")
    base = {k: v for k, v in tool_env(SKAFFOLD_CONFIG=str(config)).items() if k != "PYTHON_IMAGE"}

    def diagnose(profile: str, python_image: str | None) -> list[dict]:
        env = base if python_image is None else {**base, "PYTHON_IMAGE": python_image}
        flags = [] if profile == "default" else ["--profile", profile]
        result = run_tool("skaffold", "diagnose", "--yaml-only", *flags, env=env)
        assert result.returncode == 0, result.stderr[-3000:]
        return yaml.safe_load(result.stdout)["build"]["artifacts"]

    return diagnose


@pytest.mark.parametrize("profile", PROFILES)
def test_every_artifact_of_every_profile_builds_from_python_image(artifacts, profile):
    built = artifacts(profile, "mirror.example/python:3.13-slim")
    assert built
    assert [a["docker"]["buildArgs"] for a in built] == [TEMPLATE] * len(built)


@pytest.mark.parametrize("python_image", [None, ""])
def test_no_build_argument_without_python_image(artifacts, python_image):
    assert all("buildArgs" not in a["docker"] for a in artifacts("default", python_image))
