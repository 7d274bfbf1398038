"""What the Tiltfile declares, read back from the real tilt (`tilt alpha tiltfile-result`)."""

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from harness.checkout import copy_project
from harness.prerequisites import ROOT
from tests.tilt.conftest import LOCAL_CONTEXT, kubeconfig, manifests, tiltfile_result

MANUAL = 2  # Tilt's TriggerModeManual: runs only when triggered, never at start-up
BUTTONS = {"helm-test": "tests", "system-tests": "tests", "load-test": "load"}
TESTS_ON_SAVE = ("unit-tests", "unit-tests-all")


@pytest.fixture(scope="module")
def k8s(tilt_env) -> dict[str, dict]:
    return manifests(tiltfile_result(tilt_env, "--mode=k8s"))


def test_image_is_the_development_target_with_a_narrow_context(k8s):
    [image] = k8s["fastapi-service"]["ImageTargets"]
    details = image["BuildDetails"]
    assert details["target"] == "development"
    patterns = [p for ignore in details["contextIgnores"] for p in ignore.get("patterns", [])]
    assert {"**/__pycache__", "**/*.pyc", "**/*.swp"} <= set(patterns)
    assert "!app" in patterns
    assert "!.venv" not in patterns


def test_live_update_syncs_source_and_tests_and_resyncs_dependencies(k8s):
    spec = k8s["fastapi-service"]["ImageTargets"][0]["LiveUpdateSpec"]
    syncs = {s["localPath"]: s["containerPath"] for s in spec["syncs"]}
    assert syncs["app"] == "/srv/app"
    assert syncs["tests/system"] == "/srv/tests/system"
    [run] = spec["execs"]
    assert run["triggerPaths"] == ["uv.lock"]
    assert "uv sync --locked --no-default-groups --group dev" in run["args"][-1]
    assert set(spec["stopPaths"]) == {"Dockerfile", "hotreload"}


def test_service_is_a_helm_release_with_port_forward_links_and_label(k8s):
    deploy = k8s["fastapi-service"]["DeployTarget"]
    assert deploy["applyCmd"]["args"][:4] == [
        "scripts/tilt/helm-release.sh",
        "apply",
        "fastapi-service",
        "default",
    ]
    assert "charts/fastapi-service/values-dev.yaml" in deploy["applyCmd"]["args"]
    assert deploy["imageMaps"] == ["fastapi-service-dev"]
    assert not deploy["applyCmd"].get("env")  # no pull secret on the local cluster
    [forward] = deploy["portForwardTemplateSpec"]["forwards"]
    assert (forward["localPort"], forward["containerPort"]) == (8000, 8000)
    assert {link["URL"]["Path"] for link in deploy["Links"]} >= {"/docs", "/redoc"}
    assert k8s["fastapi-service"]["Labels"] == {"app": "app"}


@pytest.mark.parametrize(("name", "label"), BUTTONS.items())
def test_buttons_are_manual_resources_after_the_service(k8s, name, label):
    button = k8s[name]
    assert button["TriggerMode"] == MANUAL
    assert button["ResourceDependencies"] == ["fastapi-service"]
    assert button["Labels"] == {label: label}
    assert "FASTAPI_ROOT=http://localhost:8000" in button["DeployTarget"]["UpdateCmdSpec"]["env"]


def test_buttons_run_helm_test_pytest_and_k6(k8s):
    command = {name: k8s[name]["DeployTarget"]["UpdateCmdSpec"]["args"][-1] for name in BUTTONS}
    assert command["helm-test"].startswith("helm test fastapi-service ")
    assert "pytest tests/system" in command["system-tests"]
    assert "k6 run" in command["load-test"]
    assert "load/load.js" in command["load-test"]


def test_unit_tests_run_on_every_save_affected_only_and_all_on_demand(k8s):
    on_save, everything = k8s["unit-tests"], k8s["unit-tests-all"]
    watched = {str(Path(dep).relative_to(ROOT)) for dep in on_save["DeployTarget"]["Deps"]}
    assert watched == {"app", "tests/unit"}
    command = on_save["DeployTarget"]["UpdateCmdSpec"]["args"][-1]
    assert "pytest tests/unit" in command
    assert "--testmon" in command
    assert on_save["TriggerMode"] != MANUAL
    assert everything["TriggerMode"] == MANUAL
    assert "--testmon" not in everything["DeployTarget"]["UpdateCmdSpec"]["args"][-1]
    assert on_save["Labels"] == everything["Labels"] == {"tests": "tests"}


def test_nothing_is_loaded_from_the_network(tilt_env):
    result = json.loads(tiltfile_result(tilt_env, "--mode=k8s").stdout)
    assert all(path.startswith(str(ROOT)) for path in result["ConfigFiles"])
    assert not re.search(r"^\s*load\(", (ROOT / "Tiltfile").read_text(), flags=re.MULTILINE)
    assert result["AnalyticsOpt"] == 1  # Tilt's opt-out: no usage data leaves the machine


def test_a_non_local_context_is_refused_with_a_clear_message(tilt_env, tmp_path):
    env = {**tilt_env, "KUBECONFIG": str(kubeconfig(tmp_path / "kc", "prod-eu-1"))}
    result = tiltfile_result(env, "--mode=k8s")
    assert result.returncode != 0
    assert "'prod-eu-1' is not a local development cluster" in result.stderr
    assert "make cluster-up" in result.stderr
    unnamed = tiltfile_result(env, "--mode=k8s", "--allow-context=prod-eu-1")
    assert unnamed.returncode != 0
    assert "'prod-eu-1' may be a shared cluster" in unnamed.stderr
    assert "--namespace=dev-" in unnamed.stderr
    allowed = tiltfile_result(env, "--mode=k8s", "--allow-context=prod-eu-1", "--namespace=default")
    assert "fastapi-service" in manifests(allowed)


def test_on_a_shared_cluster_images_pull_with_your_login_and_only_the_namespace_reaches_in(
    tilt_env, tmp_path
):
    env = {**tilt_env, "KUBECONFIG": str(kubeconfig(tmp_path / "kc", "shared-dev"))}
    registry = "registry.shared.test:5443/team"
    shared = manifests(
        tiltfile_result(
            env,
            *("--mode=k8s", "--allow-context=shared-dev", "--namespace=dev-alice"),
            f"--registry={registry}",
        )
    )
    release = shared["fastapi-service"]["DeployTarget"]["applyCmd"]["args"]
    assert release[3] == "dev-alice"
    assert "charts/fastapi-service/values-shared.yaml" in release
    assert "imagePullSecrets[0].name=registry-credentials" in release
    assert shared["fastapi-service"]["ResourceDependencies"] == ["dev-namespace"]
    prepare = shared["dev-namespace"]["DeployTarget"]["UpdateCmdSpec"]["args"]
    assert prepare[1] == "scripts/cluster/dev-namespace.py"
    assert prepare[2:] == [
        *("--context", "shared-dev", "--namespace", "dev-alice"),
        *("--registry", registry, "--pull-secret", "registry-credentials"),
        *("--owner", "release/fastapi-service"),
    ]
    # After the install, the release's Deployment becomes the secret's owner (tilt down).
    apply_env = shared["fastapi-service"]["DeployTarget"]["applyCmd"]["env"]
    assert set(apply_env) == {"PULL_SECRET=registry-credentials", "KUBE_CONTEXT=shared-dev"}


def test_compose_mode_keeps_the_service_and_test_buttons(tilt_env):
    compose = manifests(tiltfile_result(tilt_env, "--mode=compose"))
    assert set(compose) == {"fastapi-service", *TESTS_ON_SAVE, "system-tests", "load-test"}
    assert (
        compose["fastapi-service"]["ImageTargets"][0]["LiveUpdateSpec"]["syncs"][0]["containerPath"]
        == "/srv/app"
    )


def test_local_mode_serves_a_hot_reloading_process(tilt_env):
    local = manifests(tiltfile_result(tilt_env, "--mode=local"))
    serve = " ".join(local["fastapi-service"]["DeployTarget"]["ServeCmd"]["Argv"])
    assert "python -m hotreload app.main:app" in serve
    assert "debugpy" not in serve
    assert set(local) == {"fastapi-service", *TESTS_ON_SAVE, "system-tests", "load-test"}


def test_auto_mode_falls_back_without_a_cluster(tilt_env, tmp_path):
    env = {
        **tilt_env,
        "KUBECONFIG": str(tmp_path / "none"),
        "DOCKER_HOST": "unix:///nonexistent.sock",
    }
    service = manifests(tiltfile_result(env))["fastapi-service"]
    assert service["ImageTargets"] is None  # no image: the local process
    assert "hotreload" in service["DeployTarget"]["ServeCmd"]["Argv"]


def test_an_unknown_mode_is_an_error(tilt_env):
    result = tiltfile_result(tilt_env, "--mode=cloud")
    assert result.returncode != 0
    assert "--mode must be auto, k8s, compose or local" in result.stderr


def test_debug_runs_the_server_under_debugpy_in_every_mode(tilt_env):
    local = manifests(tiltfile_result(tilt_env, "--mode=local", "--debug"))["fastapi-service"]
    serve = " ".join(local["DeployTarget"]["ServeCmd"]["Argv"])
    assert "python -m debugpy --listen 127.0.0.1:5678 -m hotreload app.main:app" in serve
    assert "--wait-for-client" not in serve

    compose = manifests(tiltfile_result(tilt_env, "--mode=compose", "--debug-wait"))
    service = yaml.safe_load(compose["fastapi-service"]["DeployTarget"]["ServiceYAML"])
    assert service["command"][:6] == [
        "python",
        "-m",
        "debugpy",
        "--listen",
        "0.0.0.0:5678",
        "--wait-for-client",
    ]
    published = {(p["host_ip"], p["published"], p["target"]) for p in service["ports"]}
    assert ("127.0.0.1", "5678", 5678) in published

    k8s = manifests(tiltfile_result(tilt_env, "--mode=k8s", "--debug"))["fastapi-service"]
    args = k8s["DeployTarget"]["applyCmd"]["args"]
    assert args[-4:] == ["--set", "debug.enabled=true", "--set", "debug.wait=false"]
    forwards = k8s["DeployTarget"]["portForwardTemplateSpec"]["forwards"]
    assert {(f["localPort"], f["containerPort"]) for f in forwards} == {(8000, 8000), (5678, 5678)}


def forwards_of(manifest) -> list[dict]:
    """Every port-forward a manifest declares, wherever Tilt's JSON nests them."""
    if isinstance(manifest, dict):
        found = list((manifest.get("portForwardTemplateSpec") or {}).get("forwards") or [])
        return found + [f for value in manifest.values() for f in forwards_of(value)]
    if isinstance(manifest, list):
        return [f for value in manifest for f in forwards_of(value)]
    return []


def test_tilt_host_is_the_default_host_of_a_port_forward(tilt_env, tmp_path):
    """What the next test relies on: TILT_HOST (`tilt up --host`) binds unpinned forwards."""
    (tmp_path / "Tiltfile").write_text(
        f"allow_k8s_contexts('{LOCAL_CONTEXT}')\n"
        "k8s_yaml(blob('apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: probe}\\n'))\n"
        "k8s_resource(new_name='probe', objects=['probe:configmap'], port_forwards=[9000])\n"
    )
    result = tiltfile_result({**tilt_env, "TILT_HOST": "0.0.0.0"}, cwd=tmp_path)
    assert [f["host"] for f in forwards_of(manifests(result))] == ["0.0.0.0"]


@pytest.mark.parametrize(
    "args",
    [
        ["--mode=k8s"],
        ["--mode=k8s", "--debug"],
        ["--mode=k8s", "--debug-wait", "--scoped", "--port=8001"],
        ["--mode=k8s", "--allow-context=shared-dev", "--namespace=dev-alice", "--debug"],
    ],
    ids=["k8s", "debug", "scoped-debug-wait", "shared-debug"],
)
def test_every_port_forward_binds_loopback_even_under_tilt_up_host_0_0_0_0(
    tilt_env, tmp_path, args
):
    """debugpy runs whatever code it is sent: never on the network a remote dev box is on."""
    context = "shared-dev" if "--allow-context=shared-dev" in args else LOCAL_CONTEXT
    env = {
        **tilt_env,
        "TILT_HOST": "0.0.0.0",
        "KUBECONFIG": str(kubeconfig(tmp_path / "kc", context)),
    }
    forwards = forwards_of(manifests(tiltfile_result(env, *args)))
    expected = 2 if any(arg.startswith("--debug") for arg in args) else 1
    assert len(forwards) == expected, forwards
    assert {f["host"] for f in forwards} == {"127.0.0.1"}, forwards


def test_debug_port_is_a_setting(tilt_env):
    env = {**tilt_env, "FASTAPI_DEBUG_PORT": "5999"}
    k8s = manifests(tiltfile_result(env, "--mode=k8s", "--debug"))["fastapi-service"]
    forwards = k8s["DeployTarget"]["portForwardTemplateSpec"]["forwards"]
    assert (5999, 5678) in {(f["localPort"], f["containerPort"]) for f in forwards}


def test_beside_other_services_each_resource_carries_the_services_name(tilt_env):
    scoped = manifests(tiltfile_result(tilt_env, "--mode=k8s", "--scoped", "--port=8001"))
    names = {"dev-namespace", "helm-test", "system-tests", "load-test", *TESTS_ON_SAVE}
    assert set(scoped) == {"fastapi-service", *(f"fastapi-service-{name}" for name in names)}
    assert all(m["Labels"] == {"fastapi-service": "fastapi-service"} for m in scoped.values())
    [forward] = scoped["fastapi-service"]["DeployTarget"]["portForwardTemplateSpec"]["forwards"]
    assert (forward["localPort"], forward["containerPort"]) == (8001, 8000)


def test_other_services_need_a_tiltfile_and_a_mode_with_a_port_each(tilt_env, tmp_path):
    missing = tiltfile_result(tilt_env, "--mode=k8s", f"--with={tmp_path}")
    assert missing.returncode != 0
    assert f"no Tiltfile in {tmp_path}" in missing.stderr
    compose = tiltfile_result(tilt_env, "--mode=compose", f"--with={ROOT}")
    assert compose.returncode != 0
    assert "--with runs the other services in k8s or local mode" in compose.stderr


def test_the_shared_cluster_settings_can_live_in_tilt_config_json(tilt_env, tmp_path):
    """Tilt's own settings file (git-ignored) instead of typing the arguments each time."""
    project = copy_project(tmp_path / "project", share_environment=True)
    (project / "tilt_config.json").write_text(
        '{"mode": "k8s", "allow-context": ["shared-dev"], "namespace": "dev-alice",'
        ' "registry": "registry.shared.test:5443/team"}'
    )
    env = {**tilt_env, "KUBECONFIG": str(kubeconfig(tmp_path / "kc", "shared-dev"))}
    shared = manifests(tiltfile_result(env, cwd=project))
    release = shared["fastapi-service"]["DeployTarget"]["applyCmd"]["args"]
    assert release[3] == "dev-alice"
    assert "imagePullSecrets[0].name=registry-credentials" in release
    ignored = subprocess.run(
        ["git", "check-ignore", "tilt_config.json"], cwd=ROOT, capture_output=True, check=False
    )
    assert ignored.returncode == 0, "tilt_config.json is not git-ignored"
