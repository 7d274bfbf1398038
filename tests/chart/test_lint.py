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
        ("app.maxHeaders=0", "app.maxHeaders"),
        ("app.maxBodyBytes=-1", "app.maxBodyBytes"),
        ("app.maxBodyBytes=1073741825", "app.maxBodyBytes"),
        ("app.bodyTimeoutSeconds=0", "app.bodyTimeoutSeconds"),
        ("app.bodyTimeoutSeconds=3601", "app.bodyTimeoutSeconds"),
        ("app.bodyBudgetBytes=1048575", "app.bodyBudgetBytes"),
        ("image.tag=v1@sha256:abc", "image.tag"),
        ("app.logLevel=loud", "app.logLevel"),
        ("app.rootPath=api/", "app.rootPath"),
        ("app.shutdownDrainSeconds=-1", "app.shutdownDrainSeconds"),
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


# Values that would break the restricted Pod Security Standard (or run as uid/gid 0), each
# with the error a user sees: the path of the field and what it must be.
SECURITY_REJECTIONS = [
    ("securityContext.privileged=true", "at '/securityContext/privileged': value must be false"),
    (
        "securityContext.capabilities.add[0]=NET_ADMIN",
        "at '/securityContext/capabilities': additional properties 'add' not allowed",
    ),
    (
        "securityContext.capabilities.drop[0]=NET_RAW",
        "at '/securityContext/capabilities/drop/0': value must be 'ALL'",
    ),
    ("podSecurityContext.runAsUser=0", "at '/podSecurityContext/runAsUser': minimum: got 0"),
    ("securityContext.runAsUser=0", "at '/securityContext/runAsUser': minimum: got 0"),
    ("podSecurityContext.runAsGroup=0", "at '/podSecurityContext/runAsGroup': minimum: got 0"),
    ("securityContext.runAsGroup=0", "at '/securityContext/runAsGroup': minimum: got 0"),
    ("podSecurityContext.fsGroup=0", "at '/podSecurityContext/fsGroup': minimum: got 0"),
    (
        "podSecurityContext.supplementalGroups[0]=0",
        "at '/podSecurityContext/supplementalGroups/0': minimum: got 0",
    ),
    (
        "podSecurityContext.runAsNonRoot=false",
        "at '/podSecurityContext/runAsNonRoot': value must be true",
    ),
    (
        "securityContext.runAsNonRoot=false",
        "at '/securityContext/runAsNonRoot': value must be true",
    ),
    (
        "securityContext.allowPrivilegeEscalation=true",
        "at '/securityContext/allowPrivilegeEscalation': value must be false",
    ),
    # null removes a default: the restricted standard needs these set, not merely unset.
    (
        "securityContext.allowPrivilegeEscalation=null",
        "at '/securityContext': missing property 'allowPrivilegeEscalation'",
    ),
    (
        "podSecurityContext.runAsNonRoot=null",
        "at '/podSecurityContext': missing property 'runAsNonRoot'",
    ),
    (
        "podSecurityContext.seccompProfile=null",
        "at '/podSecurityContext': missing property 'seccompProfile'",
    ),
    (
        "podSecurityContext.seccompProfile.type=Unconfined",
        "at '/podSecurityContext/seccompProfile/type': value must be one of 'RuntimeDefault'",
    ),
    (
        "securityContext.seccompProfile.type=Unconfined",
        "at '/securityContext/seccompProfile/type': value must be one of 'RuntimeDefault'",
    ),
    (
        "securityContext.seccompProfile.type=Localhost",
        "at '/securityContext/seccompProfile': missing property 'localhostProfile'",
    ),
    (
        "securityContext.appArmorProfile.type=Unconfined",
        "at '/securityContext/appArmorProfile/type': value must be one of 'RuntimeDefault'",
    ),
    (
        "securityContext.procMount=Unmasked",
        "at '/securityContext/procMount': value must be 'Default'",
    ),
    (
        "securityContext.seLinuxOptions.user=root",
        "at '/securityContext/seLinuxOptions': additional properties 'user' not allowed",
    ),
    (
        "podSecurityContext.seLinuxOptions.type=spc_t",
        "at '/podSecurityContext/seLinuxOptions/type': value must be one of",
    ),
    (
        "podSecurityContext.sysctls[0].name=kernel.msgmax,podSecurityContext.sysctls[0].value=1",
        "at '/podSecurityContext/sysctls/0/name': value must be one of",
    ),
    (
        "securityContext.windowsOptions.hostProcess=true",
        "at '/securityContext': additional properties 'windowsOptions' not allowed",
    ),
]


@pytest.mark.parametrize(
    ("setting", "error"), SECURITY_REJECTIONS, ids=[s for s, _ in SECURITY_REJECTIONS]
)
def test_security_contexts_outside_the_restricted_standard_are_rejected(setting, error):
    # --set types the value as a values file would: true, 0, and null to drop a default.
    lint = helm("lint", "--strict", str(CHART), "--set", setting, check=False)
    assert lint.returncode != 0
    assert error in lint.stdout + lint.stderr
    render = helm("template", "demo", str(CHART), "--set", setting, check=False)
    assert render.returncode != 0
    assert "values don't meet the specifications of the schema" in render.stderr
    assert error in render.stderr


DEBUG_ON_PRODUCTION = (
    "values: debug.enabled=true needs the development image (only it has debugpy and hotreload;"
    " the production image would crash-loop): deploy with values-dev.yaml, as Tilt --debug and"
    " `skaffold debug` do, or set image.development=true"
)


def test_debug_on_the_production_image_fails_render_saying_what_to_do():
    render = helm("template", "demo", str(CHART), "--set", "debug.enabled=true", check=False)
    assert render.returncode != 0
    assert DEBUG_ON_PRODUCTION in render.stderr
    # helm lint reports a template's `fail` as information, with the same message.
    lint = helm("lint", "--strict", str(CHART), "--set", "debug.enabled=true", check=False)
    assert DEBUG_ON_PRODUCTION in lint.stdout + lint.stderr
    # The inner loop's values are the way out the message names.
    dev = CHART / "values-dev.yaml"
    helm("template", "demo", str(CHART), "--values", str(dev), "--set", "debug.enabled=true")


@pytest.mark.parametrize("setting", ["readOnlyRootFilesystem=false", "readOnlyRootFilesystem=null"])
def test_a_writable_root_filesystem_needs_the_development_image(setting):
    render = helm(
        "template", "demo", str(CHART), "--set", f"securityContext.{setting}", check=False
    )
    assert render.returncode != 0
    assert (
        "values: securityContext.readOnlyRootFilesystem=false needs image.development=true"
        in render.stderr
    )
    helm(
        "template",
        "demo",
        str(CHART),
        "--set",
        f"securityContext.{setting}",
        "--set",
        "image.development=true",
    )
