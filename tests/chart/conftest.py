"""Render the chart with the real helm binary, offline."""

import subprocess
from pathlib import Path

import pytest
import yaml

from harness.prerequisites import ROOT, run_tool
from tests.cluster.cluster import kube_version

CHART = ROOT / "charts" / "fastapi-service"
HERE = Path(__file__).resolve().parent
# The Kubernetes release the chart is validated against: the kind cluster's.
KUBE_VERSION = kube_version().removeprefix("v")
VALUE_SETS = {
    "default": [],
    "dev": [CHART / "values-dev.yaml"],
    "all-features": [HERE / "values-all-features.yaml"],
    "debug": [CHART / "values-dev.yaml", HERE / "values-debug.yaml"],
}


def helm(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = run_tool("helm", *args)
    if check and result.returncode != 0:
        pytest.fail(f"helm {' '.join(args)} failed:\n{result.stderr}")
    return result


def template_args(values: list[Path], sets: list[str], kube_version: str) -> list[str]:
    args = ["template", "demo", str(CHART), "--namespace", "demo", "--kube-version", kube_version]
    for path in values:
        args += ["--values", str(path)]
    for item in sets:
        args += ["--set", item]
    return args


def render_text(*values: Path, sets: tuple[str, ...] = (), kube_version: str = KUBE_VERSION) -> str:
    return helm(*template_args(list(values), list(sets), kube_version)).stdout


def render(
    *values: Path, sets: tuple[str, ...] = (), kube_version: str = KUBE_VERSION
) -> list[dict]:
    return [
        d
        for d in yaml.safe_load_all(render_text(*values, sets=sets, kube_version=kube_version))
        if d
    ]


def find(docs: list[dict], kind: str, name_suffix: str = "") -> dict:
    matches = [d for d in docs if d["kind"] == kind and d["metadata"]["name"].endswith(name_suffix)]
    assert len(matches) == 1, f"expected one {kind} *{name_suffix}, found {len(matches)}"
    return matches[0]


@pytest.fixture(params=list(VALUE_SETS), ids=list(VALUE_SETS))
def value_set(request) -> tuple[str, list[Path]]:
    return request.param, VALUE_SETS[request.param]
