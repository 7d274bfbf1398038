"""The pinned tools (`make tools`): each reports its pinned version, and the built ones work."""

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from harness.prerequisites import ROOT, tool
from harness.server import free_port

# Appended, not prepended: its plain module names (wheel, cache) must not shadow installed ones.
sys.path.append(str(ROOT / "offline" / "toolchain"))
import pins  # the installer's modules import each other by plain name)

PINS = pins.load()

pytestmark = pytest.mark.tools


def run(*command: str, **kwargs) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, **kwargs)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@pytest.mark.parametrize("name", sorted(PINS))
def test_reports_pinned_version(name: str):
    pin = PINS[name]
    output = run(tool(name), *pin.version_args)
    assert pin.reports_version(output), output


def test_helm_defaults_to_a_current_kubernetes(tmp_path: Path):
    # Without helm's k8s version ldflags the default would be v1.20.
    chart = tmp_path / "probe"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: probe\nversion: 0.1.0\n")
    (chart / "templates" / "kube.yaml").write_text(
        "kube: {{ .Capabilities.KubeVersion.Version }}\n"
    )
    output = run(tool("helm"), "template", "probe", str(chart))
    minor = re.search(r"kube: v1\.(\d+)\.", output)
    assert minor is not None, output
    assert int(minor.group(1)) >= 34


def test_skaffold_has_its_embedded_schemas():
    assert "skaffold/v4beta14" in run(tool("skaffold"), "schema", "list")


@pytest.fixture
def tilt_project(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A Tiltfile with one local resource, and a HOME of its own (no cluster, no analytics)."""
    (tmp_path / "Tiltfile").write_text(
        "analytics_settings(enable=False)\nlocal_resource('hello', cmd='echo hello-from-tilt')\n"
    )
    return tmp_path, {**os.environ, "HOME": str(tmp_path), "TILT_DISABLE_ANALYTICS": "1"}


def test_tilt_ci_runs_a_local_resource(tilt_project):
    project, env = tilt_project
    output = run(tool("tilt"), "ci", "--port", str(free_port()), cwd=project, env=env)
    assert "hello-from-tilt" in output


def test_tilt_up_serves_its_web_ui(tilt_project):
    project, env = tilt_project
    port = free_port()
    command = [tool("tilt"), "up", "--port", str(port), "--host", "127.0.0.1"]
    with subprocess.Popen(
        command, cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as tilt:
        try:
            page = _get_when_up(f"http://127.0.0.1:{port}/", seconds=60)
        finally:
            tilt.terminate()
            tilt.wait(timeout=30)
    assert "<html" in page.lower()
    assert 'id="root"' in page


def _get_when_up(url: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
