"""The whole mission on the real kind cluster, in order (make e2e).

ctlptl (the session's cluster) -> tilt ci -> live update in the pod -> the three Tilt buttons
-> the Tilt web UI in Chromium -> skaffold run -p ci, verify, exec fastapi-service-load -> zero
failed requests through a rolling restart and a pod deletion -> all of it in a namespace that
enforces the "restricted" Pod Security Standard. Figures go to .out/e2e.json.
"""

import json
import re
import statistics
import subprocess
import time

import pytest
import requests
import yaml

from harness.checkout import copy_project
from harness.live_edit import PATH, LiveEdit
from harness.prerequisites import ROOT, run_tool, tool, tool_env
from harness.server import POLL_SECONDS, free_port, wait_ready
from tests.cluster.cluster import REGISTRY_HOST, Cluster
from tests.cluster.mission import (
    add_dependency,
    failed_requests,
    first_after,
    k6_job,
    record,
    reloader_log_times,
    reloader_memory,
    seconds_until_importable,
    wait_for_line,
)
from tests.tilt.session import tilt_up

pytestmark = pytest.mark.cluster

NAMESPACE = "fastapi-restricted"
EDITS = 10
# Synced into the pod (tests/system) but outside what the server watches (app/).
EMPTY_SYNC = "tests/system/empty_sync.txt"
RELOADED = re.compile(r"\[hotreload\] serving new code ([\d.]+) s after the change")


@pytest.fixture(scope="module")
def namespace(cluster: Cluster):
    with cluster.restricted_namespace(NAMESPACE) as name:
        yield name


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("mission"), share_environment=True)


@pytest.fixture(scope="module")
def env(cluster: Cluster) -> dict[str, str]:
    return tool_env(FASTAPI_PORT=str(free_port()))


TILT_ARGS = ["--mode=k8s", f"--namespace={NAMESPACE}"]


def deployment(cluster: Cluster, namespace: str, jsonpath: str) -> str:
    """A field of the release's Deployment."""
    return cluster.kubectl(
        "get", "deployment", "fastapi-service", "-n", namespace, "-o", f"jsonpath={jsonpath}"
    )


def deployed_image(cluster: Cluster, namespace: str) -> str:
    return deployment(cluster, namespace, "{.spec.template.spec.containers[0].image}")


def test_namespace_enforces_restricted(cluster: Cluster, namespace):
    record("cluster_ready_seconds", round(cluster.seconds_to_ready, 1))
    privileged = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "privileged", "namespace": namespace},
        "spec": {
            "containers": [{"name": "c", "image": "x", "securityContext": {"privileged": True}}]
        },
    }
    result = subprocess.run(
        [tool("kubectl"), "--context", cluster.context, "apply", "-f", "-"],
        input=json.dumps(privileged),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert 'violates PodSecurity "restricted' in result.stderr


def test_tilt_ci_builds_pushes_deploys_and_tests(cluster: Cluster, namespace, project, env):
    started = time.monotonic()
    result = run_tool(
        "tilt",
        *("ci", "--port", str(free_port()), "--timeout", "15m", "--", *TILT_ARGS),
        cwd=project,
        env=env,
        timeout=1200,
    )
    record("tilt_ci_seconds", round(time.monotonic() - started, 1))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    assert "SUCCESS. All workloads are healthy." in output
    image = deployed_image(cluster, namespace)
    # Pushed to the local registry, and pulled from there.
    assert image.startswith(f"{REGISTRY_HOST}/fastapi-service-dev:"), image
    tags_url = f"http://{REGISTRY_HOST}/v2/fastapi-service-dev/tags/list"
    assert image.rsplit(":", 1)[1] in requests.get(tags_url, timeout=10).json()["tags"]


@pytest.fixture(scope="module")
def tilt(namespace, project, env):
    started = time.monotonic()
    with tilt_up(project, free_port(), env, *TILT_ARGS) as session:
        session.wait_for_api()
        session.wait_ready("fastapi-service")
        url = f"http://127.0.0.1:{env['FASTAPI_PORT']}"
        wait_ready(f"{url}/healthz", timeout=120)  # through Tilt's port-forward
        # After `tilt ci` above: a running cluster, the image already in its registry.
        record("tilt_up_to_first_200_warm_seconds", round(time.monotonic() - started, 1))
        yield session, url
        run_tool("tilt", "down", "--", *TILT_ARGS, cwd=project, env=env, timeout=300)


def test_port_forward_answers(tilt):
    _, url = tilt
    assert requests.get(f"{url}/healthz", timeout=5).json() == {"status": "ok"}


def live_update_after(session, saved_at: float, timeout: float = 30) -> tuple[float, float]:
    """Seconds from saved_at until Tilt started, and until it finished, the live update after it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        update = session.last_update("fastapi-service")
        if update is not None and update[1] > saved_at:
            return update[0] - saved_at, update[1] - saved_at
        time.sleep(0.02)
    raise AssertionError(f"no live update finished within {timeout} s of a save")


def poll(url: str, seconds: float) -> None:
    """Load the port-forward for seconds as wait_ready does while an edit is on its way."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        requests.get(url, timeout=5)
        time.sleep(POLL_SECONDS)


def test_live_update_in_the_pod_without_rebuild(cluster: Cluster, namespace, project, tilt):
    """Each edit served, beside the floor: a synced file the server does not reload for."""
    session, url = tilt
    pod_image = deployed_image(cluster, namespace)
    live = LiveEdit(project)
    floor_file = project / EMPTY_SYNC
    log_start = session.log.stat().st_size
    # (saved at, save -> served, save -> live update started, save -> live update finished)
    edits: list[tuple[float, float, float, float]] = []
    empties: list[tuple[float, float]] = []  # the floor's (started, finished)
    try:
        for i in range(EDITS):
            # Each save measured on its own, with no tests on save running.
            session.wait_idle("unit-tests")
            time.sleep(1)
            saved_at = time.time()
            served = wait_ready(f"{url}{PATH}", timeout=60, body=live.edit())
            edits.append((saved_at, served.seconds, *live_update_after(session, saved_at)))
            session.wait_idle("unit-tests")
            time.sleep(1)
            saved_at = time.time()
            floor_file.write_text(f"{i}\n")
            poll(f"{url}{PATH}", 1.0)  # under the same load as an edit's wait for its response
            empties.append(live_update_after(session, saved_at))
    finally:
        live.restore()
        floor_file.unlink(missing_ok=True)
    saved, samples, started, synced = (list(column) for column in zip(*edits, strict=True))
    floor_started, floor = (list(column) for column in zip(*empties, strict=True))
    # The reloader's own figure, from the pod's log: a change reported -> the new code serving.
    with session.log.open() as log:
        log.seek(log_start)
        reloads = [float(seconds) for seconds in RELOADED.findall(log.read())]
    assert reloads, "no `serving new code` line of the reloader in Tilt's log"
    # The pod's side of each edit, on the one clock of this machine: Tilt's sync done -> the
    # reloader saw the change -> it served the new code -> the test got the new response.
    changed, serving = reloader_log_times(cluster, namespace)
    reported = [first_after(changed, at) for at in saved]
    new_code = [first_after(serving, at) for at in reported]
    synced_at = [at + seconds for at, seconds in zip(saved, synced, strict=True)]
    answered_at = [at + seconds for at, seconds in zip(saved, samples, strict=True)]
    full, floor_median = statistics.median(samples), statistics.median(floor)

    def median_of(pairs) -> float:
        return round(statistics.median(later - earlier for earlier, later in pairs), 3)

    figures = {
        "median_s": full,
        "p90_s": sorted(samples)[int(0.9 * (len(samples) - 1))],
        "samples_s": [round(s, 3) for s in samples],
        # Tilt's own build history: the edit's live update finished (files in the container).
        "save_to_sync_done_median_s": round(statistics.median(synced), 3),
        "sync_done_to_served_median_s": median_of(zip(synced, samples, strict=True)),
        "empty_sync_floor_median_s": round(floor_median, 3),
        "empty_sync_samples_s": [round(s, 3) for s in floor],
        # Where an edit's live update differs from the floor's: before Tilt starts it, or in it.
        "save_to_live_update_start_median_s": round(statistics.median(started), 3),
        "empty_sync_save_to_start_median_s": round(statistics.median(floor_started), 3),
        "gap_to_floor_s": round(full - floor_median, 3),
        "reload_in_pod_median_s": round(statistics.median(reloads), 3),
        "sync_done_to_change_reported_median_s": median_of(zip(synced_at, reported, strict=True)),
        "change_reported_to_serving_median_s": median_of(zip(reported, new_code, strict=True)),
        "serving_to_response_median_s": median_of(zip(new_code, answered_at, strict=True)),
    }
    record("cluster_save_to_serve", figures)
    memory = reloader_memory(cluster, namespace)
    record("cluster_reloader_memory", memory)
    assert memory["processes"] == 4, memory  # the supervisor, its watcher, server and spare
    assert all(s < 60 for s in samples), samples
    assert deployed_image(cluster, namespace) == pod_image
    assert "Will copy 1 file(s) to container" in session.log.read_text()


@pytest.mark.parametrize("button", ["helm-test", "system-tests", "load-test"])
def test_each_button_passes(tilt, button):
    session, _ = tilt
    build = session.trigger_and_wait(button)
    assert not build.get("error"), session.log.read_text()[-4000:]


def test_tilt_web_ui_shows_resources_and_buttons_and_runs_the_suite(tilt):
    from tests.cluster.tilt_ui import check_ui, screenshot

    session, _ = tilt
    before = len(session.resource("system-tests")["status"].get("buildHistory") or [])
    buttons = ["helm-test", "system-tests", "load-test"]
    check_ui(session.api_port, ["fastapi-service", *buttons], buttons, "system-tests")
    build = session.wait_for_build("system-tests", before)
    assert not build.get("error")
    screenshot(session.api_port, ROOT / "docs" / "tilt-ui.png")


def test_a_dependency_change_reaches_the_pod_without_a_rebuild(
    cluster: Cluster, namespace, project, tilt
):
    """Last of the Tilt tests: the copy's lock now holds a library the others do not expect."""
    session, url = tilt
    pod_image = deployed_image(cluster, namespace)
    failures_before = session.logs("fastapi-service").count("Build Failed")
    add_dependency(project)
    seconds = seconds_until_importable(cluster, namespace)
    wait_ready(f"{url}/readyz", timeout=60)
    record("tilt_dependency_change_to_importable_s", round(seconds, 2))
    assert deployed_image(cluster, namespace) == pod_image, "the lock change rebuilt the image"
    logs = wait_for_line(lambda: session.logs("fastapi-service"), "SIGHUP: restarting")
    assert logs.count("Build Failed") == failures_before, logs[-3000:]


@pytest.fixture(scope="module")
def skaffold_build(tilt, cluster: Cluster, namespace, tmp_path_factory):
    """After Tilt is done with the namespace: skaffold's build file."""
    output = tmp_path_factory.mktemp("skaffold") / "build.json"
    result = _skaffold(cluster, "build", "-p", "ci", "--file-output", str(output))
    assert result.returncode == 0, result.stderr[-3000:]
    return output


def _skaffold(cluster: Cluster, *args: str, timeout: float = 1200) -> subprocess.CompletedProcess:
    return run_tool(
        "skaffold",
        *args,
        "--namespace",
        NAMESPACE,
        # As an environment variable: verify and exec have no --kube-context flag (they use
        # the current context, which ctlptl set to the same cluster).
        env=tool_env(SKAFFOLD_UPDATE_CHECK="false", SKAFFOLD_KUBE_CONTEXT=cluster.context),
        timeout=timeout,
    )


def test_skaffold_run_ci_deploys_and_helm_tests(cluster: Cluster, namespace, skaffold_build):
    started = time.monotonic()
    result = _skaffold(cluster, "run", "-p", "ci")
    record("skaffold_run_ci_seconds", round(time.monotonic() - started, 1))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    assert "fastapi-service-test-system" in output
    assert "Succeeded" in output


@pytest.mark.parametrize(
    ("figure", "command"),
    [("verify", ("verify",)), ("exec_load", ("exec", "fastapi-service-load"))],
)
def test_skaffold_verify_and_load(cluster: Cluster, skaffold_build, figure, command):
    started = time.monotonic()
    result = _skaffold(cluster, *command, "-p", "ci", "-a", str(skaffold_build))
    record(f"skaffold_{figure}_seconds", round(time.monotonic() - started, 1))
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]


def _k6_image(skaffold_build) -> str:
    builds = json.loads(skaffold_build.read_text())["builds"]
    return next(b["tag"] for b in builds if b["imageName"] == "fastapi-service-k6")


@pytest.mark.parametrize("disruption", ["rollout-restart", "delete-pod"])
def test_no_request_fails_while_pods_are_replaced(
    cluster: Cluster, namespace, skaffold_build, disruption
):
    # The chart leaves replicas to its HPA (minReplicas 2): a fresh install starts with one
    # pod until the HPA controller's next sync scales it up.
    cluster.kubectl(
        "wait",
        "-n",
        namespace,
        "deployment/fastapi-service",
        "--for=jsonpath={.status.readyReplicas}=2",
        "--timeout=120s",
    )
    job = f"k6-{disruption}"
    manifest = yaml.safe_dump(
        k6_job(job, namespace, _k6_image(skaffold_build), rate=50, duration="45s")
    )
    subprocess.run(
        [tool("kubectl"), "--context", cluster.context, "apply", "-f", "-"],
        input=manifest,
        capture_output=True,
        text=True,
        check=True,
    )
    try:
        cluster.kubectl(
            "wait",
            "-n",
            namespace,
            f"job/{job}",
            "--for=jsonpath={.status.active}=1",
            "--timeout=120s",
        )
        time.sleep(8)
        if disruption == "rollout-restart":
            cluster.kubectl("rollout", "restart", "deployment/fastapi-service", "-n", namespace)
            cluster.kubectl(
                "rollout", "status", "deployment/fastapi-service", "-n", namespace, "--timeout=300s"
            )
        else:
            pod = cluster.kubectl(
                "get",
                "pods",
                "-n",
                namespace,
                "-l",
                "app.kubernetes.io/name=fastapi-service",
                "-o",
                "jsonpath={.items[0].metadata.name}",
            )
            cluster.kubectl("delete", "pod", pod, "-n", namespace)
        cluster.kubectl(
            "wait", "-n", namespace, f"job/{job}", "--for=condition=Complete", "--timeout=300s"
        )
        output = cluster.kubectl("logs", "-n", namespace, f"job/{job}")
        failed, total = failed_requests(output)
        record(f"failed_requests_during_{disruption}", {"failed": failed, "total": total})
        assert total > 1000
        assert failed == 0, output[-2000:]
    finally:
        cluster.kubectl("delete", "job", job, "-n", namespace, "--wait=false")


def test_every_pod_started_under_the_restricted_standard(cluster: Cluster, namespace):
    pods = json.loads(cluster.kubectl("get", "pods", "-n", namespace, "-o", "json"))["items"]
    names = {p["metadata"]["name"]: p["status"]["phase"] for p in pods}
    assert names["fastapi-service-test-system"] == "Succeeded"
    assert names["fastapi-service-test-connection"] == "Succeeded"
    running = [
        n for n, phase in names.items() if n.startswith("fastapi-service-") and phase == "Running"
    ]
    assert len(running) >= 2


def test_helm_install_rejects_a_bad_value_naming_the_field(cluster: Cluster, namespace):
    result = subprocess.run(
        [
            tool("helm"),
            "install",
            "bad",
            str(ROOT / "charts" / "fastapi-service"),
            "--kube-context",
            cluster.context,
            "--namespace",
            namespace,
            "--set-string",
            "service.port=http",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "values don't meet the specifications of the schema" in result.stderr
    assert "port" in result.stderr
