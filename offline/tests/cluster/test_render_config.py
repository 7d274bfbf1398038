"""The kit's rendering of ctlptl.yaml with its locally built images, checked without a cluster."""

import subprocess
from pathlib import Path

import yaml

KIT = Path(__file__).resolve().parents[2]
ROOT = KIT.parent


def documents(text: str) -> dict[str, dict]:
    return {doc["kind"]: doc for doc in yaml.safe_load_all(text)}


def render(node: str, registry: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(KIT / "cluster" / "render-config.sh"), node, registry],
        capture_output=True,
        text=True,
        check=False,
    )


def kit_value(name: str) -> str:
    """A variable of offline/cluster/lib.sh, e.g. the Kubernetes release it builds."""
    script = f'. "{KIT}/cluster/lib.sh" && echo "${name}"'
    return subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_ctlptl_yaml_pins_the_kubernetes_the_local_node_is_built_with() -> None:
    (node,) = documents((ROOT / "ctlptl.yaml").read_text())["Cluster"]["kindV1Alpha4Cluster"][
        "nodes"
    ]
    assert node["image"].startswith(f"kindest/node:{kit_value('KUBE_VERSION')}@sha256:")


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
