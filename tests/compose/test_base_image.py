"""docker-compose.yaml passes PYTHON_IMAGE to each image it builds when it is set, and no build
argument otherwise (the Dockerfile's pinned digest): read back from `docker compose config`."""

import os
import shutil
import subprocess

import pytest
import yaml

from harness.prerequisites import ROOT, missing

pytestmark = pytest.mark.docker  # the docker CLI's compose plugin; no engine needed

BUILT = ["fastapi-service", "system-test", "load-test"]


def builds(**env: str) -> dict[str, dict]:
    if shutil.which("docker") is None:
        missing("docker CLI not found: run `make engine`")
    environment = {k: v for k, v in os.environ.items() if k != "PYTHON_IMAGE"} | env
    done = subprocess.run(
        ["docker", "compose", "--profile", "tests", "config"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if "is not a docker command" in done.stderr:
        missing("docker compose not found: run `make engine`")
    assert done.returncode == 0, done.stderr
    return {name: yaml.safe_load(done.stdout)["services"][name]["build"] for name in BUILT}


def test_python_image_is_every_build_argument_when_set():
    mirror = "mirror.example/python:3.13-slim"
    assert {name: b.get("args") for name, b in builds(PYTHON_IMAGE=mirror).items()} == {
        name: {"PYTHON_IMAGE": mirror} for name in BUILT
    }


def test_no_build_argument_without_python_image():
    assert all("args" not in build for build in builds().values())
