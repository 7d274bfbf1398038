"""The production image: non-root, read-only, lean, and it passes the system suite."""

import signal
import subprocess
import sys

import pytest

from harness.images import ROOT, container, docker
from harness.server import free_port, wait_ready

pytestmark = pytest.mark.docker

HARDENED = (
    "--read-only",
    "--tmpfs",
    "/tmp",
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges",
)


@pytest.fixture(scope="module")
def running(production_image):
    port = free_port()
    with container(production_image, *HARDENED, port=port) as cid:
        wait_ready(f"http://127.0.0.1:{port}/readyz")
        yield cid, f"http://127.0.0.1:{port}"


def test_runs_as_a_numeric_non_root_user(production_image, running):
    assert (
        docker("image", "inspect", "-f", "{{.Config.User}}", production_image).stdout.strip()
        == "10001:10001"
    )
    cid, _ = running
    assert docker(
        "exec", cid, "python", "-c", "import os; print(os.getuid(), os.getgid())"
    ).stdout.split() == ["10001", "10001"]


def test_serves_the_system_suite_read_only_from_the_host(running):
    _, root = running
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/system"],
        cwd=ROOT,
        env={"FASTAPI_ROOT": root, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_carries_its_own_system_suite_for_helm_test(running):
    cid, _ = running
    result = docker(
        "exec",
        "-e",
        "FASTAPI_ROOT=http://127.0.0.1:8000",
        "-e",
        "PATH=/opt/system-tests/bin:/usr/bin:/bin",
        cid,
        "python",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/system",
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_has_no_dev_dependencies_or_compilers(running):
    cid, _ = running
    for module in ("pytest", "debugpy"):
        probe = docker("exec", cid, "python", "-c", f"import {module}", check=False)
        assert probe.returncode != 0, f"{module} is importable from the service's environment"
    for compiler in ("gcc", "cc", "uv", "pip"):
        assert (
            docker("exec", cid, "sh", "-c", f"command -v {compiler}", check=False).returncode != 0
        ), compiler


def test_server_is_pid_1_so_signals_reach_it(production_image, running):
    assert (
        docker("image", "inspect", "-f", "{{json .Config.Cmd}}", production_image).stdout.strip()
        == '["python","-m","app.server"]'
    )
    cid, _ = running
    cmdline = docker("exec", cid, "cat", "/proc/1/cmdline").stdout.split("\0")
    assert cmdline[1:3] == ["-m", "app.server"]


def test_sigterm_exits_zero_within_the_grace_period(production_image):
    port = free_port()
    with container(production_image, *HARDENED, port=port) as cid:
        wait_ready(f"http://127.0.0.1:{port}/readyz")
        docker("kill", "--signal", signal.Signals.SIGTERM.name, cid)
        status = docker("wait", cid, timeout=20).stdout.strip()
        assert status == "0"
