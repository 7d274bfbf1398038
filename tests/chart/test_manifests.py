"""Chart unit tests over `helm template` output: security, probes, shutdown, labels, hooks."""

import pytest

from app.settings import ENV_PREFIX, Settings, load_settings
from tests.chart.conftest import CHART, find, render

DEV = CHART / "values-dev.yaml"


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    return render()


def service_container(docs: list[dict]) -> dict:
    return find(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]


def test_pod_runs_as_numeric_non_root_with_runtime_default_seccomp(docs):
    pod = find(docs, "Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] >= 10000
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False


def test_container_is_locked_down(docs):
    context = service_container(docs)["securityContext"]
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"] == {"drop": ["ALL"]}


def test_tmp_is_the_only_writable_mount(docs):
    pod = find(docs, "Deployment")["spec"]["template"]["spec"]
    assert service_container(docs)["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]
    assert pod["volumes"] == [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}]


def test_probes_use_the_named_port(docs):
    container = service_container(docs)
    assert container["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}


def test_resources_have_requests_and_limits(docs):
    resources = service_container(docs)["resources"]
    assert set(resources) == {"requests", "limits"}
    assert {"cpu", "memory"} <= set(resources["requests"]) & set(resources["limits"])


def test_grace_period_covers_prestop_drain_and_timeout(docs):
    pod = find(docs, "Deployment")["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] == 5 + 1 + 10 + 5
    config = find(docs, "ConfigMap")["data"]
    assert config["APP_SHUTDOWN_DRAIN_SECONDS"] == "1"
    assert config["APP_SHUTDOWN_TIMEOUT_SECONDS"] == "10"


def test_prestop_uses_the_native_sleep_action_where_supported(docs):
    assert service_container(docs)["lifecycle"] == {"preStop": {"sleep": {"seconds": 5}}}
    old = service_container(render(kube_version="1.29.0"))
    assert old["lifecycle"] == {"preStop": {"exec": {"command": ["sleep", "5"]}}}


def test_dev_values_skip_prestop_and_allow_source_sync():
    docs = render(DEV)
    container = service_container(docs)
    assert "lifecycle" not in container
    assert container["securityContext"]["readOnlyRootFilesystem"] is False
    assert container["securityContext"]["runAsNonRoot"] is True
    assert find(docs, "Deployment")["spec"]["replicas"] == 1
    assert not [d for d in docs if d["kind"] in ("HorizontalPodAutoscaler", "PodDisruptionBudget")]


def test_http_body_limits_reach_the_app_as_settings(docs, tmp_path):
    config = find(docs, "ConfigMap")["data"]
    assert config["APP_MAX_BODY_BYTES"] == "1048576"
    assert config["APP_BODY_TIMEOUT_SECONDS"] == "30"
    assert config["APP_BODY_BUDGET_BYTES"] == "67108864"
    # A values file, as --set would give "2.5" as a string.
    limits = tmp_path / "limits.yaml"
    limits.write_text("app:\n  maxBodyBytes: 0\n  bodyTimeoutSeconds: 2.5\n")
    config = find(render(limits), "ConfigMap")["data"]
    assert (config["APP_MAX_BODY_BYTES"], config["APP_BODY_TIMEOUT_SECONDS"]) == ("0", "2.5")


def test_large_integers_from_a_values_file_reach_the_app_as_integers(tmp_path):
    # A values file's numbers reach the templates as float64, which would print 1e+06.
    limits = tmp_path / "limits.yaml"
    limits.write_text(
        "app:\n  maxBodyBytes: 1073741824\n  bodyBudgetBytes: 17179869184\n"
        "  maxHeaderBytes: 1048576\n"
        "  maxRequestTargetBytes: 1048576\n  maxConnections: 1000000\n"
    )
    config = find(render(limits), "ConfigMap")["data"]
    assert config["APP_MAX_BODY_BYTES"] == "1073741824"
    assert config["APP_BODY_BUDGET_BYTES"] == "17179869184"
    assert config["APP_MAX_HEADER_BYTES"] == config["APP_MAX_REQUEST_TARGET_BYTES"] == "1048576"
    assert config["APP_MAX_CONNECTIONS"] == "1000000"


def test_the_configmap_gives_the_app_its_own_defaults(monkeypatch):
    """Each APP_* key the chart writes is a setting the app reads, at the app's default."""
    config = find(render(), "ConfigMap")["data"]
    for variable, value in config.items():
        monkeypatch.setenv(variable, value)
    from_chart = load_settings()
    assert set(config) <= {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    assert from_chart == Settings()


def test_rolling_update_never_drops_below_desired(docs):
    strategy = find(docs, "Deployment")["spec"]["strategy"]
    assert strategy == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
    }


def test_config_change_rolls_the_pods():
    def checksum(*sets: str) -> str:
        deployment = find(render(sets=sets), "Deployment")
        return deployment["spec"]["template"]["metadata"]["annotations"]["checksum/config"]

    assert checksum() == checksum()
    assert checksum() != checksum("app.logLevel=debug")


def test_hpa_owns_replicas_when_enabled(docs):
    assert "replicas" not in find(docs, "Deployment")["spec"]
    hpa = find(docs, "HorizontalPodAutoscaler")["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 6)
    assert find(docs, "PodDisruptionBudget")["spec"]["maxUnavailable"] == 1


def test_topology_spread_only_with_several_replicas(docs):
    spread = find(docs, "Deployment")["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert [c["topologyKey"] for c in spread] == [
        "kubernetes.io/hostname",
        "topology.kubernetes.io/zone",
    ]
    single = render(sets=("autoscaling.enabled=false", "replicaCount=1"))
    assert "topologySpreadConstraints" not in find(single, "Deployment")["spec"]["template"]["spec"]


def test_standard_labels_and_stable_selector(docs):
    deployment = find(docs, "Deployment")
    labels = deployment["metadata"]["labels"]
    assert labels["app.kubernetes.io/name"] == "fastapi-service"
    assert labels["app.kubernetes.io/instance"] == "demo"
    assert labels["app.kubernetes.io/version"] == "0.1.0"
    assert labels["app.kubernetes.io/managed-by"] == "Helm"
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector == {
        "app.kubernetes.io/name": "fastapi-service",
        "app.kubernetes.io/instance": "demo",
    }
    assert find(docs, "Service")["spec"]["selector"] == selector


def test_service_exposes_port_8000_named_http(docs):
    assert find(docs, "Service")["spec"]["ports"] == [
        {"port": 8000, "targetPort": "http", "protocol": "TCP", "name": "http"}
    ]


def test_service_account_token_not_mounted(docs):
    assert find(docs, "ServiceAccount")["automountServiceAccountToken"] is False


@pytest.mark.parametrize("suffix", ["test-connection", "test-system"])
def test_test_hooks_run_from_the_chart_image_hardened(docs, suffix):
    pod = find(docs, "Pod", suffix)
    annotations = pod["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "test"
    # Kept until the next run so `helm test --logs` can read them.
    assert annotations["helm.sh/hook-delete-policy"] == "before-hook-creation"
    container = pod["spec"]["containers"][0]
    assert container["image"] == service_container(docs)["image"] == "fastapi-service:0.1.0"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["FASTAPI_ROOT"] == "http://demo-fastapi-service.demo.svc:8000"
    assert env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] == "1"
    assert pod["spec"]["restartPolicy"] == "Never"


def test_connection_check_runs_before_the_system_suite(docs):
    weight = lambda s: int(find(docs, "Pod", s)["metadata"]["annotations"]["helm.sh/hook-weight"])  # noqa: E731
    assert weight("test-connection") < weight("test-system")
    assert (
        find(docs, "Pod", "test-system")["spec"]["containers"][0]["command"][-1] == "tests/system"
    )


def test_test_pods_are_never_selected_as_replicas(docs):
    selector = find(docs, "Service")["spec"]["selector"]
    for suffix in ("test-connection", "test-system"):
        labels = find(docs, "Pod", suffix)["metadata"]["labels"]
        assert not selector.items() <= labels.items()


def test_optional_features_render_when_enabled():
    docs = render(CHART.parent.parent / "tests" / "chart" / "values-all-features.yaml")
    kinds = {d["kind"] for d in docs}
    assert {"Ingress", "HTTPRoute", "NetworkPolicy"} <= kinds
    image = service_container(docs)["image"]
    assert (
        image == "registry.example.com/team/fastapi-service:1.2.3@sha256:" + "0123456789abcdef" * 4
    )
    policy = find(docs, "NetworkPolicy", "fastapi-service")["spec"]
    test_pods = {
        "app.kubernetes.io/name": "fastapi-service-test",
        "app.kubernetes.io/instance": "demo",
        "app.kubernetes.io/component": "test",
    }
    assert policy["ingress"][0]["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}},
        {"podSelector": {"matchLabels": test_pods}},
    ]
    assert policy["policyTypes"] == ["Ingress", "Egress"]


@pytest.mark.parametrize(
    ("sets", "image"),
    [
        ((), "fastapi-service:0.1.0"),
        (("image.tag=v2",), "fastapi-service:v2"),
        ((f"image.digest=sha256:{'ab' * 32}",), f"fastapi-service@sha256:{'ab' * 32}"),
        (
            ("image.tag=v2", f"image.digest=sha256:{'ab' * 32}"),
            f"fastapi-service:v2@sha256:{'ab' * 32}",
        ),
    ],
)
def test_image_reference_keeps_the_tag_beside_a_digest(sets, image):
    assert service_container(render(sets=sets))["image"] == image


def test_optional_features_are_off_by_default(docs):
    assert not {"Ingress", "HTTPRoute"} & {d["kind"] for d in docs}


def test_test_pods_stay_read_only_under_dev_values():
    pod = find(render(DEV), "Pod", "test-system")
    assert pod["spec"]["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True


def test_debug_runs_the_dev_server_under_debugpy_on_the_pods_loopback():
    container = service_container(render(DEV, sets=("debug.enabled=true",)))
    assert container["args"] == [
        *("python", "-m", "debugpy", "--listen", "127.0.0.1:5678"),
        *("-m", "hotreload", "app.main:app", "--host", "0.0.0.0", "--port", "8000"),
        *("--watch", "app"),
    ]
    assert {"name": "dap", "containerPort": 5678, "protocol": "TCP"} in container["ports"]
    # A paused process is not a dead one: only readiness is probed.
    assert "readinessProbe" in container
    assert "livenessProbe" not in container
    assert "startupProbe" not in container


def test_debug_wait_and_port_are_values():
    sets = ("debug.enabled=true", "debug.wait=true", "debug.port=6000")
    args = service_container(render(DEV, sets=sets))["args"]
    assert args[3:6] == ["--listen", "127.0.0.1:6000", "--wait-for-client"]


def test_debug_needs_only_the_development_image_flag():
    """values-dev.yaml's image.development is what lets debug render, nothing else of it."""
    container = service_container(render(sets=("debug.enabled=true", "image.development=true")))
    assert container["args"][:3] == ["python", "-m", "debugpy"]


def test_security_settings_a_team_may_tune_still_render():
    sets = (
        "podSecurityContext.runAsUser=20000",
        "podSecurityContext.runAsGroup=20000",
        "podSecurityContext.fsGroup=20001",
        "podSecurityContext.supplementalGroups[0]=20002",
        "podSecurityContext.fsGroupChangePolicy=OnRootMismatch",
        "podSecurityContext.seccompProfile.type=Localhost",
        "podSecurityContext.seccompProfile.localhostProfile=profiles/fastapi.json",
        "podSecurityContext.seLinuxOptions.level=s0:c123\\,c456",
        "securityContext.runAsUser=20000",
        "securityContext.appArmorProfile.type=RuntimeDefault",
        "securityContext.capabilities.drop[0]=ALL",
        "securityContext.capabilities.drop[1]=NET_RAW",
    )
    pod = find(render(sets=sets), "Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["fsGroup"] == 20001
    assert pod["securityContext"]["supplementalGroups"] == [20002]
    assert pod["securityContext"]["seccompProfile"] == {
        "type": "Localhost",
        "localhostProfile": "profiles/fastapi.json",
    }
    assert pod["securityContext"]["seLinuxOptions"] == {"level": "s0:c123,c456"}
    context = pod["containers"][0]["securityContext"]
    assert context["runAsUser"] == 20000
    assert context["capabilities"] == {"drop": ["ALL", "NET_RAW"]}


def test_debug_is_off_by_default(docs):
    container = service_container(docs)
    assert "args" not in container
    assert "livenessProbe" in container
