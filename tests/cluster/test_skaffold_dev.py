"""`skaffold dev` on the kind cluster: an edit is synced into the pod and served, no rebuild.

Runs in its own namespace enforcing the "restricted" Pod Security Standard, through
Skaffold's own port-forward. Figures (save -> new response) go to .out/e2e.json beside Tilt's.
"""

import re
import signal
import statistics
import subprocess
import time
from pathlib import Path

import pytest

from harness.checkout import copy_project
from harness.live_edit import PATH, LiveEdit
from harness.prerequisites import tool, tool_env
from harness.server import wait_ready
from tests.cluster.cluster import REGISTRY_HOST, Cluster
from tests.cluster.mission import (
    add_dependency,
    record,
    seconds_until_importable,
    wait_for_line,
)

pytestmark = pytest.mark.cluster

NAMESPACE = "fastapi-skaffold-dev"
EDITS = 5
# Skaffold waits this long after the last file event before it syncs (default 1000 ms).
WATCH_POLL_MS = 100
FORWARDED = re.compile(
    r"Port forwarding service/fastapi-service in namespace \S+, remote port 8000 -> http://127\.0\.0\.1:(\d+)"
)


class SkaffoldDev:
    def __init__(self, project: Path, log: Path, process: subprocess.Popen) -> None:
        self.project, self.log, self.process = project, log, process

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def forwarded_url(self, timeout: float = 900) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()[-5000:]
            if match := FORWARDED.search(self.output()):
                return f"http://127.0.0.1:{match.group(1)}"
            time.sleep(1)
        raise AssertionError(f"no port-forward within {timeout} s:\n{self.output()[-5000:]}")


@pytest.fixture(scope="module")
def skaffold_dev(cluster: Cluster, tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("skaffold-dev"), share_environment=True)
    log = project / "skaffold-dev.log"
    env = tool_env(SKAFFOLD_UPDATE_CHECK="false", SKAFFOLD_KUBE_CONTEXT=cluster.context)
    with cluster.restricted_namespace(NAMESPACE), log.open("w") as out:
        process = subprocess.Popen(
            [
                tool("skaffold"),
                "dev",
                "--namespace",
                NAMESPACE,
                f"--watch-poll-interval={WATCH_POLL_MS}",
            ],
            cwd=project,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield SkaffoldDev(project, log, process)
        finally:
            # Ctrl-C: skaffold dev deletes what it deployed, then exits.
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def pod_images(cluster: Cluster) -> set[str]:
    images = cluster.kubectl(
        "get",
        "pods",
        "-n",
        NAMESPACE,
        "-l",
        "app.kubernetes.io/name=fastapi-service",
        "--field-selector=status.phase=Running",
        "-o",
        "jsonpath={.items[*].spec.containers[0].image}",
    )
    return set(images.split())


def test_skaffold_dev_syncs_each_edit_into_the_pod(cluster: Cluster, skaffold_dev):
    url = skaffold_dev.forwarded_url()
    wait_ready(f"{url}/readyz", timeout=120)
    [image] = pod_images(cluster)
    # The development image, pushed to the cluster's registry and run as Skaffold built it.
    assert image.startswith(f"{REGISTRY_HOST}/fastapi-service:"), image
    assert "fastapi-service-k6" not in skaffold_dev.output()  # the dev loop builds only the service

    live = LiveEdit(skaffold_dev.project)
    samples = []
    for _ in range(EDITS):
        time.sleep(1)
        served = wait_ready(f"{url}{PATH}", timeout=60, body=live.edit())
        samples.append(served.seconds)
    output = skaffold_dev.output()
    assert "Syncing 1 files for" in output, output[-5000:]
    assert "Sync failed" not in output, output[-5000:]
    assert "didn't sync any files" not in output, output[-5000:]
    assert pod_images(cluster) == {image}, "an edit rebuilt or redeployed instead of syncing"
    record(
        "skaffold_dev_save_to_serve",
        {
            "median_s": statistics.median(samples),
            "max_s": max(samples),
            "samples_s": [round(s, 3) for s in samples],
            "watch_poll_interval_ms": WATCH_POLL_MS,
        },
    )


def test_skaffold_dev_installs_a_dependency_change_in_the_pod(cluster: Cluster, skaffold_dev):
    url = skaffold_dev.forwarded_url()
    [image] = pod_images(cluster)
    add_dependency(skaffold_dev.project)
    seconds = seconds_until_importable(cluster, NAMESPACE)
    wait_ready(f"{url}/readyz", timeout=60)
    record("skaffold_dev_dependency_change_to_importable_s", round(seconds, 2))
    assert pod_images(cluster) == {image}, "the lock change rebuilt or redeployed"
    wait_for_line(
        lambda: cluster.kubectl("logs", "-n", NAMESPACE, "deploy/fastapi-service"),
        "SIGHUP: restarting",
    )
    assert "Sync failed" not in skaffold_dev.output()
