"""renovate.json: Renovate's own validator accepts it, and Renovate, run on this checkout
with no network lookups (`--dry-run=extract`), finds every pin it is meant to keep current."""

import json
import os
import shutil
import subprocess

import pytest

from tests.prerequisites import ROOT, missing

# The newest Renovate line that runs on Node 20 (40 and later need Node 22 or 24).
RENOVATE = "renovate@39.264.1"

pytestmark = pytest.mark.slow


def renovate(*args: str, binary: str = "renovate", env: dict | None = None) -> str:
    if shutil.which("npm") is None:
        missing("npm not found: install Node.js and npm (Debian: apt-get install npm)")
    command = ["npm", "exec", "--yes", "--package", RENOVATE, "--", binary, *args]
    result = subprocess.run(
        command,
        cwd=ROOT,
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


def test_renovate_finds_the_lock_the_base_image_the_actions_and_every_tool_pin():
    log = renovate(
        "--platform=local",
        "--dry-run=extract",
        "--onboarding=false",
        env={"LOG_LEVEL": "debug", "LOG_FORMAT": "json", "RENOVATE_CONFIG_FILE": "renovate.json"},
    )
    found = set()
    for line in log.splitlines():
        message = json.loads(line) if line.startswith("{") else {}
        if message.get("msg") == "Extracted dependencies":
            for manager, files in message["packageFiles"].items():
                for file in files:
                    found |= {
                        (manager, file["packageFile"], d.get("depName")) for d in file["deps"]
                    }
    assert ("pep621", "pyproject.toml", "fastapi") in found
    assert ("dockerfile", "Dockerfile", "python") in found
    assert ("github-actions", ".github/workflows/ci.yml", "actions/checkout") in found
    assert ("regex", "Dockerfile", "uv") in found  # the Makefile reads it from there
    assert ("regex", "Dockerfile", "k6") in found
    pins = (ROOT / "offline" / "toolchain" / "versions.toml").read_text()
    tools = {name for (manager, file, name) in found if file == "offline/toolchain/versions.toml"}
    assert len(tools) == pins.count("\nversion = "), f"a tool pin Renovate does not see: {tools}"
