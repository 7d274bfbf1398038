"""The debugger in the pod, on the kind cluster, each in a namespace enforcing "restricted":
Tilt's --debug (k8s mode) and `skaffold debug` with the Helm deploy. A DAP client attaches
through the forwarded port, breaks in a route, and breaks again after an edit is synced.
Figures (attach, save -> breakpoint in the new code) go to .out/e2e.json.
"""

import json
import re
import signal
import socket
import subprocess
import time
from dataclasses import asdict

import pytest

from harness.checkout import copy_project
from harness.debugger.scenario import debug_through_a_reload
from harness.prerequisites import run_tool, tool, tool_env
from harness.server import free_port, wait_ready
from tests.cluster.cluster import Cluster
from tests.cluster.mission import record
from tests.tilt.session import tilt_up

pytestmark = pytest.mark.cluster

TILT_NAMESPACE = "fastapi-tilt-debug"
SKAFFOLD_NAMESPACE = "fastapi-skaffold-debug"


def figures(result) -> dict:
    return {name: round(seconds, 3) for name, seconds in asdict(result).items()}


def network_address() -> str:
    """An IPv4 address of this machine other than loopback (the Docker bridge's at least)."""
    listed = subprocess.run(
        ["ip", "-4", "-o", "addr", "show", "scope", "global"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    addresses = re.findall(r"\binet (\d+\.\d+\.\d+\.\d+)/", listed)
    assert addresses, listed
    return addresses[0]


def connects(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError:
        return False
    return True


def test_tilt_debug_breaks_in_the_pod_and_after_a_live_update(cluster: Cluster, tmp_path):
    project = copy_project(tmp_path / "tilt", share_environment=True)
    port, debug_port = free_port(), free_port()
    # As on a remote dev box (`tilt up --host 0.0.0.0`, for its UI): the forwards stay on loopback.
    env = tool_env(FASTAPI_PORT=str(port), FASTAPI_DEBUG_PORT=str(debug_port), TILT_HOST="0.0.0.0")
    args = ["--mode=k8s", f"--namespace={TILT_NAMESPACE}", "--debug"]
    with (
        cluster.restricted_namespace(TILT_NAMESPACE),
        tilt_up(project, free_port(), env, *args) as tilt,
    ):
        try:
            tilt.wait_for_api()
            tilt.wait_ready("fastapi-service")
            url = f"http://127.0.0.1:{port}"
            wait_ready(f"{url}/readyz", timeout=120)
            result = debug_through_a_reload(project, url, debug_port, remote_root="/srv")
            record("tilt_k8s_debug", figures(result))
            listed = json.loads(tilt.cli("get", "portforwards", "-o", "json").stdout)["items"]
            forwards = [f for item in listed for f in item["spec"]["forwards"]]
            assert {(f["localPort"], f["host"]) for f in forwards} == {
                (port, "127.0.0.1"),
                (debug_port, "127.0.0.1"),
            }
            elsewhere = network_address()
            for forwarded in (port, debug_port):
                assert connects("127.0.0.1", forwarded)
                assert not connects(elsewhere, forwarded), f"{elsewhere}:{forwarded} answers"
            assert "Will copy 1 file(s) to container" in tilt.logs("fastapi-service")
        finally:
            run_tool("tilt", "down", "--", *args, cwd=project, env=env, timeout=300)


FORWARD = r"Port forwarding {} in namespace \S+, remote port {} -> http://127\.0\.0\.1:(\d+)"


def forwarded_port(log, resource: str, remote: int, process, timeout: float = 900) -> int:
    pattern = re.compile(FORWARD.format(re.escape(resource), remote))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        output = log.read_text(errors="replace")
        assert process.poll() is None, output[-5000:]
        if match := pattern.search(output):
            return int(match.group(1))
        time.sleep(1)
    raise AssertionError(
        f"no port-forward of {resource}:{remote} in {timeout} s:\n{output[-5000:]}"
    )


def test_skaffold_debug_needs_no_support_image_and_follows_a_sync(cluster: Cluster, tmp_path):
    project = copy_project(tmp_path / "skaffold", share_environment=True)
    log = project / "skaffold-debug.log"
    env = tool_env(SKAFFOLD_UPDATE_CHECK="false", SKAFFOLD_KUBE_CONTEXT=cluster.context)
    command = [tool("skaffold"), "debug", "--namespace", SKAFFOLD_NAMESPACE]
    command += ["--auto-sync=true", "--port-forward=user", "--watch-poll-interval=100"]
    with cluster.restricted_namespace(SKAFFOLD_NAMESPACE), log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            port = forwarded_port(log, "service/fastapi-service", 8000, process)
            debug_port = forwarded_port(log, "deployment/fastapi-service", 5678, process)
            url = f"http://127.0.0.1:{port}"
            wait_ready(f"{url}/readyz", timeout=120)
            pod = json.loads(
                cluster.kubectl(
                    *("get", "pods", "-n", SKAFFOLD_NAMESPACE, "-o", "json"),
                    "-l",
                    "app.kubernetes.io/name=fastapi-service",
                )
            )["items"][0]
            assert not pod["spec"].get("initContainers"), "skaffold added its support image"
            debug_config = json.loads(
                pod["metadata"]["annotations"]["debug.cloud.google.com/config"]
            )
            assert debug_config["fastapi-service"]["runtime"] == "python"
            result = debug_through_a_reload(project, url, debug_port, remote_root="/srv")
            record("skaffold_debug", figures(result))
            assert "Syncing 1 files for" in log.read_text(errors="replace")
        finally:
            process.send_signal(signal.SIGINT)  # skaffold deletes what it deployed, then exits
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
