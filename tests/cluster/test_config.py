"""ctlptl.yaml and its air-gapped rendering, checked without a cluster (fast)."""

import subprocess

import yaml

from tests.cluster.cluster import CLUSTER_SCRIPTS, CONTEXT, REGISTRY, ROOT, script_value


def documents(text: str) -> dict[str, dict]:
    return {doc["kind"]: doc for doc in yaml.safe_load_all(text)}


def render(node: str, registry: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CLUSTER_SCRIPTS / "render-config.sh"), node, registry],
        capture_output=True,
        text=True,
        check=False,
    )


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


def test_ctlptl_yaml_pins_the_kubernetes_the_local_node_is_built_with() -> None:
    (node,) = documents((ROOT / "ctlptl.yaml").read_text())["Cluster"]["kindV1Alpha4Cluster"][
        "nodes"
    ]
    assert node["image"].startswith(f"kindest/node:{script_value('KUBE_VERSION')}@sha256:")


def test_render_adds_only_the_local_images() -> None:
    result = render("example/node:v1", "example/registry:v2")
    assert result.returncode == 0, result.stderr
    original = documents((ROOT / "ctlptl.yaml").read_text())
    rendered = documents(result.stdout)
    assert rendered["Registry"] == {**original["Registry"], "image": "example/registry:v2"}
    assert rendered["Cluster"] == {
        **original["Cluster"],
        "kindExtraCreateArguments": ["--image", "example/node:v1"],
    }


def test_render_without_images_changes_nothing() -> None:
    result = render("", "")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (ROOT / "ctlptl.yaml").read_text()


def test_docker_desktop_variant_has_no_registry() -> None:
    """ctlptl cannot attach a registry to docker-desktop, whose Kubernetes uses local images."""
    docs = documents((ROOT / "ctlptl.docker-desktop.yaml").read_text())
    assert list(docs) == ["Cluster"]
    assert docs["Cluster"]["product"] == "docker-desktop"
