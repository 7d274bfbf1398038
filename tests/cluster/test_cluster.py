"""The project's kind cluster, end to end: node, DNS, registry, pulls (test_down.py: down).

Slow: the session's cluster is created once, by `make cluster-up`, for all cluster tests.
"""

import json
import uuid

import pytest

from harness import prerequisites
from tests.cluster.cluster import (
    KIND_NAME,
    REGISTRY,
    REGISTRY_HOST,
    Cluster,
    kube_version,
    run,
)

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def pushed_probe(cluster: Cluster, probe_image: str) -> str:
    """The probe image pushed to the local registry through its host port, under a fresh tag."""
    docker = prerequisites.docker()
    ref = f"{REGISTRY_HOST}/cluster-probe:{uuid.uuid4().hex[:8]}"
    run(docker, "tag", probe_image, ref)
    run(docker, "push", ref, timeout=120)
    return ref


def test_node_is_ready_with_the_pinned_kubernetes(cluster: Cluster) -> None:
    nodes = json.loads(cluster.kubectl("get", "nodes", "-o", "json"))["items"]
    assert len(nodes) == 1
    conditions = {c["type"]: c["status"] for c in nodes[0]["status"]["conditions"]}
    assert conditions["Ready"] == "True"
    assert nodes[0]["status"]["nodeInfo"]["kubeletVersion"] == kube_version()
    print(f"cluster ready in {cluster.seconds_to_ready:.0f} s")


def test_registry_is_advertised_to_tools(cluster: Cluster) -> None:
    """Tilt and Skaffold find the registry through the KEP-1755 ConfigMap ctlptl writes."""
    config = json.loads(
        cluster.kubectl(
            "get", "configmap", "local-registry-hosting", "-n", "kube-public", "-o", "json"
        )
    )
    hosting = config["data"]["localRegistryHosting.v1"]
    assert f'host: "{REGISTRY_HOST}"' in hosting or f"host: {REGISTRY_HOST}" in hosting
    assert f"{REGISTRY}:5000" in hosting


def test_coredns_answers_for_service_names(cluster: Cluster, probe_image: str) -> None:
    # Loaded straight into the node, so this does not depend on the registry.
    run(
        prerequisites.tool("kind"),
        "load",
        "docker-image",
        probe_image,
        "--name",
        KIND_NAME,
        timeout=300,
    )
    service_ip = cluster.kubectl("get", "service", "kubernetes", "-o", "jsonpath={.spec.clusterIP}")
    # Fully qualified: busybox's nslookup does not walk the pod's DNS search path.
    name = "kubernetes.default.svc.cluster.local"
    output = cluster.run_pod("dns-probe", probe_image, "/bin/busybox", "nslookup", name)
    assert service_ip in output


def test_registry_is_reachable_from_pods(cluster: Cluster, pushed_probe: str) -> None:
    output = cluster.run_pod(
        "registry-probe",
        pushed_probe,
        "/bin/busybox",
        "wget",
        "-qO-",
        f"http://{REGISTRY}:5000/v2/_catalog",
    )
    assert "cluster-probe" in json.loads(output)["repositories"]


def test_pod_runs_an_image_pushed_to_the_local_registry(
    cluster: Cluster, pushed_probe: str
) -> None:
    output = cluster.run_pod(
        "pull-probe", pushed_probe, "/bin/busybox", "echo", "pulled from the local registry"
    )
    assert output.strip() == "pulled from the local registry"
