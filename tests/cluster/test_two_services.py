"""Two services on the kind cluster: this one and `orders-api`, generated from it without the
examples, checked out side by side as "Two services side by side" (docs/make-it-yours.md) shows.
One `tilt up` runs both (`--with`), each with its own release, port and buttons; `skaffold run`
of a config requiring both deploys and tests both. Namespaces enforce "restricted"."""

import re
import time
from pathlib import Path

import pytest
import requests

from harness.checkout import copy_project
from harness.prerequisites import ROOT, run_tool, tool_env
from harness.server import free_port, wait_ready
from tests.cluster.cluster import Cluster
from tests.cluster.mission import record
from tests.template.generate import NAME, generate
from tests.tilt.session import tilt_up

pytestmark = pytest.mark.cluster

SERVICES = ("fastapi-service", NAME)
BUTTONS = ("helm-test", "system-tests", "load-test")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """A folder holding both checkouts, and the docs' skaffold.yaml requiring both."""
    folder = tmp_path_factory.mktemp("workspace")
    # The docs' config names this checkout's folder `this-service`, which no rename touches.
    copy_project((folder / "this-service"), share_environment=True)
    generate(folder / NAME, "examples=false")
    page = (ROOT / "docs" / "make-it-yours.md").read_text()
    config = re.search(r"```yaml\n(# skaffold.yaml in the folder holding both.*?)```", page, re.S)
    assert config, "docs/make-it-yours.md: no skaffold.yaml requiring both services"
    (folder / "skaffold.yaml").write_text(config[1])
    return folder


@pytest.fixture(scope="module")
def session(cluster: Cluster, workspace):
    started = time.monotonic()
    port = free_port()
    args = ["--mode=k8s", "--namespace=two-services", f"--port={port}", f"--with=../{NAME}"]
    # A short k6 run: the buttons are checked for passing, not for their figures.
    env = tool_env(ITERATIONS="200")
    with (
        cluster.restricted_namespace("two-services"),
        tilt_up(workspace / "this-service", free_port(), env, *args) as tilt,
    ):
        tilt.wait_for_api()
        for service in SERVICES:
            tilt.wait_ready(service)
        record("two_services_tilt_up_to_both_ready_seconds", round(time.monotonic() - started, 1))
        yield tilt, {"fastapi-service": port, NAME: port + 1}


def test_one_tilt_up_serves_each_service_as_its_own_release_on_its_own_port(
    cluster: Cluster, session
):
    _, ports = session
    releases = cluster.kubectl(
        "get", "deployments", "-n", "two-services", "-o", "jsonpath={.items[*].metadata.name}"
    ).split()
    assert sorted(releases) == sorted(SERVICES)
    for service, port in ports.items():
        url = f"http://127.0.0.1:{port}"
        wait_ready(f"{url}/healthz", timeout=120)  # through each one's port-forward
        title = requests.get(f"{url}/openapi.json", timeout=10).json()["info"]["title"]
        assert title == service


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("button", BUTTONS)
def test_each_services_buttons_pass(session, service, button):
    tilt, _ = session
    build = tilt.trigger_and_wait(f"{service}-{button}")
    assert not build.get("error"), tilt.logs(f"{service}-{button}")[-3000:]


def test_skaffold_run_of_a_config_requiring_both_deploys_and_tests_both(
    cluster: Cluster, workspace
):
    with cluster.restricted_namespace("two-services-skaffold") as namespace:
        result = run_tool(
            "skaffold",
            *("run", "-p", "ci", "--namespace", namespace),
            cwd=workspace,
            env=tool_env(SKAFFOLD_UPDATE_CHECK="false", SKAFFOLD_KUBE_CONTEXT=cluster.context),
            timeout=1500,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-5000:]
        for service in SERVICES:
            assert f"{service}-test-system" in output, output[-5000:]
        releases = cluster.kubectl(
            "get", "deployments", "-n", namespace, "-o", "jsonpath={.items[*].metadata.name}"
        ).split()
        assert sorted(releases) == sorted(SERVICES)
