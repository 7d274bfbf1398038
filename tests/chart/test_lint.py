"""helm lint --strict, and the schema's rejection of bad values with the field named."""

import pytest

from tests.chart.conftest import CHART, helm


def test_lint_strict_passes(value_set):
    _, values = value_set
    args = ["lint", "--strict", str(CHART)]
    for path in values:
        args += ["--values", str(path)]
    result = helm(*args, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 chart(s) failed" in result.stdout


@pytest.mark.parametrize(
    ("setting", "field"),
    [
        ("replicaCount=two", "replicaCount"),
        ("service.port=http", "service.port"),
        ("service.port=70000", "service.port"),
        ("image.pullPolicy=Sometimes", "image.pullPolicy"),
        ("image.tag=has space", "image.tag"),
        ("resources.limits.memory=lots", "resources.limits.memory"),
        ("resources.limits.cpu=fast", "resources.limits.cpu"),
        ("tmpSizeLimit=big", "tmpSizeLimit"),
        ("podDisruptionBudget.maxUnavailable=half", "podDisruptionBudget.maxUnavailable"),
        ("http.maxHeaders=0", "http.maxHeaders"),
        ("image.tag=v1@sha256:abc", "image.tag"),
        ("app.logLevel=loud", "app.logLevel"),
        ("app.rootPath=api/", "app.rootPath"),
        ("shutdown.drainSeconds=-1", "shutdown.drainSeconds"),
        ("probes.readiness.path=readyz", "probes.readiness.path"),
        ("autoscaling.enabled=yes", "autoscaling.enabled"),
        ("replicaCont=2", "replicaCont"),
    ],
)
def test_bad_values_fail_lint_and_render_naming_the_field(setting, field):
    # --set-string keeps "two"/"yes" strings; typos in names are caught as unknown fields.
    # `helm template` validates exactly as `helm install` does before it contacts the
    # cluster (the cluster e2e test runs a real `helm install` with a bad value too).
    flag = "--set-string" if setting.split("=")[1].isalpha() else "--set"
    lint = helm("lint", "--strict", str(CHART), flag, setting, check=False)
    assert lint.returncode != 0
    assert field.split(".")[-1] in lint.stdout + lint.stderr
    render = helm("template", "demo", str(CHART), flag, setting, check=False)
    assert render.returncode != 0
    assert "values don't meet the specifications of the schema" in render.stderr
    assert field.split(".")[-1] in render.stderr


def test_hpa_min_above_max_fails_render_and_lint_reports_it():
    setting = "autoscaling.minReplicas=5,autoscaling.maxReplicas=2"
    message = "autoscaling.minReplicas (5) is above autoscaling.maxReplicas (2)"
    render = helm("template", "demo", str(CHART), "--set", setting, check=False)
    assert render.returncode != 0
    assert message in render.stderr
    # helm lint renders `fail` as information, not an error: it names the fields all the same.
    lint = helm("lint", "--strict", str(CHART), "--set", setting, check=False)
    assert message in lint.stdout + lint.stderr
