"""The base image make's builds use (PYTHON_IMAGE in their environment): yours when you set it,
else the stand-in `make engine` recorded where no registry serves the pinned digest, else the
Dockerfile's pin; read as each command starts, so a recipe after `engine` sees its record."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from harness.make import planned
from harness.prerequisites import ROOT

PINNED = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", (ROOT / "Dockerfile").read_text(), re.M)[1]
# A target that records a stand-in, as `engine` does, and one after it that builds.
PROBE = [
    "--eval",
    "record: ; mkdir -p .tools && echo $(RECORD) > .tools/python-image",
    "--eval",
    "probe: $(if $(RECORD),record) ; @$(BASE_IMAGE_ENV) sh -c 'echo \"[$$PYTHON_IMAGE]\"'",
]


# Commands that build the project's images, or run what does (pytest, the benchmarks).
BUILDS = re.compile(
    r"\b(pytest|docker build|docker compose up|tilt up|skaffold build|python -m bench)\b"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("Makefile", "Dockerfile"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def base_image(project: Path, record: str = "", **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "PYTHON_IMAGE"} | env
    done = subprocess.run(
        ["make", "--no-print-directory", *PROBE, "probe", f"RECORD={record}"],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def test_the_dockerfile_pins_the_official_image_by_digest():
    assert re.fullmatch(r"python:3\.\d+-slim@sha256:[0-9a-f]{64}", PINNED), PINNED


def test_builds_use_the_pinned_digest_by_default(project):
    assert base_image(project) == f"[{PINNED}]"


def test_a_stand_in_recorded_earlier_in_the_same_run_is_used(project):
    assert base_image(project, record="python:3.13-slim") == "[python:3.13-slim]"


def test_yours_wins_over_the_record(project):
    mirror = "mirror.example/library/python:3.13-slim"
    assert base_image(project, record="python:3.13-slim", PYTHON_IMAGE=mirror) == f"[{mirror}]"


def test_an_empty_python_image_counts_as_unset(project):
    # An empty build argument would make an empty FROM.
    assert base_image(project, PYTHON_IMAGE="") == f"[{PINNED}]"


@pytest.mark.parametrize("target", ["check", "images", "e2e", "compose-up", "dev", "bench"])
def test_every_target_that_builds_images_passes_it(target):
    plan = planned(target)
    builds = [line for line in plan if BUILDS.search(line)]
    assert builds, plan
    for line in builds:
        assert line.startswith('PYTHON_IMAGE="${PYTHON_IMAGE:-$(cat .tools/python-image'), line
