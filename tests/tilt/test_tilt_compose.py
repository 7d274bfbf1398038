"""Real tilt against the real Docker engine, in the no-cluster (compose) mode."""

import json
import subprocess

import pytest

from harness.checkout import copy_project
from harness.debugger.dap import Session
from harness.debugger.scenario import debug_through_a_reload
from harness.live_edit import PATH, LiveEdit
from harness.prerequisites import docker, run_tool
from harness.server import free_port, wait_ready
from tests.tilt.session import tilt_up

pytestmark = pytest.mark.docker


@pytest.fixture
def compose_env(tilt_env, project_copy):
    docker()
    env = {**tilt_env, "FASTAPI_PORT": str(free_port())}
    yield env
    run_tool("tilt", "down", "--", "--mode=compose", cwd=project_copy, env=env, timeout=120)


def test_tilt_ci_brings_the_service_up_and_the_system_tests_pass(project_copy, compose_env):
    result = run_tool(
        "tilt",
        *("ci", "--port", str(free_port()), "--", "--mode=compose"),
        cwd=project_copy,
        env=compose_env,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "SUCCESS. All workloads are healthy." in output
    assert "system-tests │" in output
    assert " passed in " in output


def test_live_update_serves_an_edit_without_rebuilding_the_image(project_copy, compose_env):
    url = f"http://127.0.0.1:{compose_env['FASTAPI_PORT']}"
    with tilt_up(project_copy, free_port(), compose_env, "--mode=compose") as tilt:
        wait_ready(f"{url}/readyz", timeout=300)
        container = f"{project_copy.name}-fastapi-service-1"
        image_before = _image_of(container)
        served = LiveEdit(project_copy).edit("Live")
        wait_ready(f"{url}{PATH}", timeout=30, body=served)
        assert _image_of(container) == image_before, "the edit rebuilt the image"
        output = tilt.log.read_text()
        assert "Will copy 1 file(s) to container" in output
        assert "serving new code" in output


def test_debug_mode_breaks_in_the_container_and_again_after_a_live_update(tilt_env, tmp_path):
    docker()
    project = copy_project(tmp_path / "debug", share_environment=True)
    debug_port = free_port()
    env = {**tilt_env, "FASTAPI_PORT": str(free_port()), "FASTAPI_DEBUG_PORT": str(debug_port)}
    url = f"http://127.0.0.1:{env['FASTAPI_PORT']}"
    args = ["--mode=compose", "--debug"]
    try:
        with tilt_up(project, free_port(), env, *args) as tilt:
            wait_ready(f"{url}/readyz", timeout=300)
            figures = debug_through_a_reload(project, url, debug_port, remote_root="/srv")
            print(f"compose debug: {figures}")
            assert "Will copy 1 file(s) to container" in tilt.log.read_text()
    finally:
        run_tool("tilt", "down", "--", *args, cwd=project, env=env, timeout=120)


# In the service's image, on a given network: which hosts accept a connection on debugpy's port.
PROBE = """
import socket, sys
for host in sys.argv[1:]:
    try:
        socket.create_connection((host, 5678), timeout=3).close()
        print(host, "connected")
    except OSError as error:
        print(host, "not reached:", error)
"""


def test_debug_mode_reaches_debugpy_only_through_the_loopback_port(tilt_env, tmp_path):
    """debugpy runs whatever code it is sent: no other container may reach it."""
    cli = docker()
    project = copy_project(tmp_path / "isolated", share_environment=True)
    debug_port = free_port()
    env = {**tilt_env, "FASTAPI_PORT": str(free_port()), "FASTAPI_DEBUG_PORT": str(debug_port)}
    args = ["--mode=compose", "--debug"]
    made = []
    try:
        with tilt_up(project, free_port(), env, *args):
            wait_ready(f"http://127.0.0.1:{env['FASTAPI_PORT']}/readyz", timeout=300)
            session = Session("127.0.0.1", debug_port)
            try:
                capabilities = session.request("initialize", {"adapterID": "debugpy"})
                assert "supportsConfigurationDoneRequest" in capabilities
            finally:
                session.close()

            [service] = json.loads(_docker(cli, "inspect", f"{project.name}-fastapi-service-1"))
            compose_project = service["Config"]["Labels"]["com.docker.compose.project"]
            networks = service["NetworkSettings"]["Networks"]
            addresses = [attachment["IPAddress"] for attachment in networks.values()]

            def probe(network: str, *hosts: str) -> str:
                command = ["run", "--rm", "--network", network, service["Image"], "python", "-c"]
                return _docker(cli, *command, PROBE, *hosts)

            # Where `docker compose run system-test` runs, and any service added to the file;
            # compose makes it when a service on it starts, so this test may have to.
            default = f"{compose_project}_default"
            if not _docker(cli, "network", "ls", "-q", "--filter", f"name=^{default}$"):
                labels = f"com.docker.compose.project={compose_project}"
                _docker(cli, "network", "create", "--label", labels, default)
                made.append(default)
            outside = probe(default, "fastapi-service", *addresses)
            assert "connected" not in outside, outside
            # Beside the service the same probe connects: the network says no, not the probe.
            [own] = networks
            assert own == f"{compose_project}_debug"
            assert probe(own, *addresses) == f"{addresses[0]} connected"
    finally:
        run_tool("tilt", "down", "--", *args, cwd=project, env=env, timeout=120)
        for network in made:
            subprocess.run([cli, "network", "rm", network], capture_output=True, check=False)


def _docker(cli: str, *args: str) -> str:
    result = subprocess.run([cli, *args], capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _image_of(container: str) -> str:
    return subprocess.run(
        ["docker", "inspect", container, "--format", "{{.Image}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
