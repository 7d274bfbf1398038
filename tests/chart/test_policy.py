"""Policy: Pod Security Standards 'restricted' by the Kubernetes rules, and a checkov scan."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from harness.prerequisites import missing, tool
from tests.chart.conftest import CHART, HERE, KUBE_VERSION, render_text

PSA = HERE / "psa"


@pytest.fixture(scope="session")
def psa(tmp_path_factory) -> Path:
    """The pod-security-admission evaluator (tests/chart/psa), built with Go."""
    if subprocess.run(["go", "version"], capture_output=True, check=False).returncode != 0:
        missing("go not found: install Go >= 1.24 (https://go.dev/doc/install)")
    binary = tmp_path_factory.mktemp("psa") / "psa"
    subprocess.run(["go", "build", "-o", str(binary), "."], cwd=PSA, check=True)
    return binary


def test_every_pod_meets_the_restricted_standard(psa, value_set):
    _, values = value_set
    manifests = render_text(*values)
    version = "v" + ".".join(KUBE_VERSION.split(".")[:2])
    result = subprocess.run(
        [psa, "-level", "restricted", "-version", version],
        input=manifests,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 pod specs checked" in result.stdout  # the Deployment and both test pods


def test_the_evaluator_rejects_a_privileged_pod(psa):
    pod = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "    - {name: c, image: i, securityContext: {privileged: true}}\n"
    )
    result = subprocess.run(
        [psa, "-level", "restricted"], input=pod, capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "privileged" in result.stdout


# checkov findings each value set accepts on purpose, with the reason written in its values
# file. (Per-object exceptions are annotations on the objects, with their reasons.)
ACCEPTED = {
    "default": (CHART / "values.yaml", ["CKV_K8S_43", "CKV_K8S_15"]),
    "dev": (CHART / "values-dev.yaml", ["CKV_K8S_43", "CKV_K8S_15", "CKV_K8S_22"]),
    "all-features": (CHART / "values.yaml", ["CKV_K8S_15"]),
    "debug": (CHART / "values-dev.yaml", ["CKV_K8S_43", "CKV_K8S_15", "CKV_K8S_22", "CKV_K8S_8"]),
}


def test_each_accepted_finding_is_justified_in_a_values_file():
    defaults = (CHART / "values.yaml").read_text()
    for values_file, checks in ACCEPTED.values():
        comments = defaults + values_file.read_text()
        for check in checks:
            assert f"#   {check} (" in comments, f"{check} is accepted without a reason"


def checkov(manifests: Path, skip: list[str]) -> dict:
    result = subprocess.run(
        [
            tool("uv"),
            "run",
            "--quiet",
            "--locked",
            "--project",
            str(HERE / "checkov"),
            "checkov",
            "--quiet",
            "--compact",
            "--framework",
            "kubernetes",
            "--output",
            "json",
            "--skip-check",
            ",".join(skip),
            "--file",
            str(manifests),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    return json.loads(result.stdout)


@pytest.mark.slow
def test_checkov_finds_no_failed_kubernetes_checks(tmp_path, value_set):
    name, values = value_set
    manifests = tmp_path / f"{name}.yaml"
    manifests.write_text(render_text(*values))
    report = checkov(manifests, ACCEPTED[name][1])
    failed = [
        f"{c['check_id']} {c['check_name']} ({c['resource']})"
        for c in report["results"]["failed_checks"]
    ]
    assert failed == [], "\n".join(failed)
    assert report["summary"]["passed"] > 50
