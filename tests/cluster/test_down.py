"""`make cluster-down` leaves nothing behind. Runs after every other test of the session
(conftest.py orders it last), because it deletes the session's cluster."""

import pytest

from harness import prerequisites
from tests.cluster.cluster import (
    KIND_NAME,
    NODE_CONTAINER,
    REGISTRY,
    Cluster,
    containers,
    kind_clusters,
    make,
    run,
)

pytestmark = pytest.mark.cluster


def test_down_removes_cluster_registry_and_their_volumes(cluster: Cluster) -> None:
    docker = prerequisites.docker()
    volumes = run(
        docker,
        "inspect",
        "-f",
        '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}',
        NODE_CONTAINER,
        REGISTRY,
    ).stdout.split()
    make("cluster-down")
    assert KIND_NAME not in kind_clusters()
    assert containers(NODE_CONTAINER, REGISTRY) == []
    left = run(docker, "volume", "ls", "-q").stdout.split()
    assert [volume for volume in volumes if volume in left] == []
    contexts = run(
        prerequisites.tool("kubectl"), "config", "get-contexts", "-o", "name"
    ).stdout.split()
    assert cluster.context not in contexts
