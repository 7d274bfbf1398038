"""No cluster: deploy to the local engine, then `skaffold verify` and the load action
(`skaffold exec fastapi-service-load`)."""

import subprocess

import pytest
import requests

from harness.server import wait_ready

pytestmark = pytest.mark.docker


def network_of(container: str) -> str:
    return subprocess.run(
        [
            "docker",
            "inspect",
            container,
            "--format",
            "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def published_port(container: str) -> str:
    ports = subprocess.run(
        ["docker", "port", container, "8000"], capture_output=True, text=True, check=True
    )
    return ports.stdout.split(":")[-1].strip()


@pytest.fixture(scope="module")
def deployed(skaffold, built):
    build_file, _ = built
    # Containers left by an interrupted run hold the names and port 8000 this deploy needs.
    skaffold("delete", profile="docker")
    result = skaffold("deploy", "--build-artifacts", str(build_file), profile="docker")
    try:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        wait_ready(f"http://127.0.0.1:{published_port('fastapi-service')}/readyz")
        yield build_file, network_of("fastapi-service")
    finally:
        skaffold("delete", profile="docker")


def task(skaffold, deployed, *command):
    build_file, network = deployed
    return skaffold(
        *command,
        "--build-artifacts",
        str(build_file),
        "--docker-network",
        network,
        profile="docker",
    )


def test_deployed_container_is_published_on_loopback(deployed):
    ports = subprocess.run(
        ["docker", "port", "fastapi-service", "8000"], capture_output=True, text=True, check=True
    ).stdout
    assert ports.startswith("127.0.0.1:")
    assert requests.get(
        f"http://127.0.0.1:{published_port('fastapi-service')}/healthz", timeout=5
    ).json() == {"status": "ok"}


def test_verify_runs_the_system_suite(skaffold, deployed):
    result = task(skaffold, deployed, "verify")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "passed" in result.stdout + result.stderr


def test_exec_load_passes_its_thresholds(skaffold, deployed):
    result = task(skaffold, deployed, "exec", "fastapi-service-load")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "PASS  http_req_failed rate<0.01" in output


def test_each_exits_non_zero_when_the_service_is_down(skaffold, deployed):
    subprocess.run(
        ["docker", "stop", "--time", "1", "fastapi-service"], capture_output=True, check=True
    )
    try:
        assert task(skaffold, deployed, "verify").returncode != 0
        load = task(skaffold, deployed, "exec", "fastapi-service-load")
        assert load.returncode != 0
        assert "FAIL  http_req_failed rate<0.01" in load.stdout + load.stderr
    finally:
        subprocess.run(["docker", "start", "fastapi-service"], capture_output=True, check=True)
