"""ctlptl.yaml and its Docker Desktop variant, checked without a cluster (fast)."""

import yaml

from tests.cluster.cluster import CONTEXT, REGISTRY, ROOT


def documents(text: str) -> dict[str, dict]:
    return {doc["kind"]: doc for doc in yaml.safe_load_all(text)}


def test_ctlptl_yaml_is_a_kind_cluster_with_the_local_registry() -> None:
    docs = documents((ROOT / "ctlptl.yaml").read_text())
    assert docs["Registry"]["name"] == REGISTRY
    assert docs["Registry"]["port"] == 5005
    assert docs["Cluster"]["product"] == "kind"
    assert docs["Cluster"]["name"] == CONTEXT
    assert docs["Cluster"]["registry"] == REGISTRY
    # Users with internet get kind's official image; no flags that only the local image needs.
    assert "kindExtraCreateArguments" not in docs["Cluster"]
    assert "networking" not in docs["Cluster"]["kindV1Alpha4Cluster"]


def test_docker_desktop_variant_has_no_registry() -> None:
    """ctlptl cannot attach a registry to docker-desktop, whose Kubernetes uses local images."""
    docs = documents((ROOT / "ctlptl.docker-desktop.yaml").read_text())
    assert list(docs) == ["Cluster"]
    assert docs["Cluster"]["product"] == "docker-desktop"
