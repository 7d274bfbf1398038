"""docker compose: the service, its system tests and a k6 run, with real thresholds."""

import subprocess
import uuid

import pytest

from harness.images import BUILD_ENV, ROOT
from harness.prerequisites import docker
from harness.server import free_port

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def compose():
    docker()
    project = f"fs-test-{uuid.uuid4().hex[:8]}"
    env = {**BUILD_ENV, "FASTAPI_PORT": str(free_port())}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["docker", "compose", "--project-name", project, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )

    up = run("up", "--detach", "--wait", "fastapi-service")
    try:
        assert up.returncode == 0, up.stderr[-3000:]
        yield run
    finally:
        run("down", "--volumes", "--remove-orphans", "--timeout", "5")


def test_service_is_published_on_loopback_only(compose):
    ports = compose("port", "fastapi-service", "8000").stdout.strip()
    assert ports.startswith("127.0.0.1:")


def test_system_test_exits_zero(compose):
    result = compose("run", "--rm", "system-test")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "passed" in result.stdout


def test_load_test_passes_its_thresholds(compose):
    result = compose("run", "--rm", "load-test")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "FAIL" not in result.stdout
    assert "PASS  http_req_failed rate<0.01" in result.stdout


def test_a_crossed_threshold_fails_the_load_test(compose):
    result = compose("run", "--rm", "-e", "P95_MS=0.001", "-e", "ITERATIONS=50", "load-test")
    assert result.returncode == 99, result.stdout[-3000:]
    assert "FAIL  http_req_duration p(95)<0.001" in result.stdout
