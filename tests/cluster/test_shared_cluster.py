"""Beyond one laptop: two developers on one shared cluster (tests/cluster/shared.py's stand-in),
each with a `tilt up` of their own checkout into their own namespace, pushing to an
authenticated TLS registry with their own `docker login`, pods pulling with a secret made
from it. Both serve, live update reaches each and only each, every button passes, neither
reaches the other's pods, and no credential shows up in the repo, an image or a log. The pull
secret goes with the release (`tilt down`, `skaffold delete`), and a secret of the same name
that dev-namespace did not make is never written over.
"""

import base64
import json
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from harness import prerequisites
from harness.checkout import copy_project
from harness.live_edit import PATH, LiveEdit
from harness.prerequisites import run_tool, tool_env
from harness.server import free_port, wait_ready
from tests.cluster.cluster import run
from tests.cluster.mission import record
from tests.cluster.shared import NAME, SharedCluster, docker_login, shared_cluster
from tests.tilt.session import TiltSession, tilt_up

pytestmark = pytest.mark.cluster

DEVELOPERS = ("alice", "bob")
BUTTONS = ("helm-test", "system-tests", "load-test")


@dataclass
class Developer:
    name: str
    namespace: str
    project: Path
    docker_config: Path
    url: str
    tilt: TiltSession
    env: dict[str, str]
    args: list[str]


@pytest.fixture(scope="module")
def shared(cluster, tmp_path_factory) -> Iterator[SharedCluster]:
    """After the project cluster is up: the stand-in uses its Docker network and images."""
    with shared_cluster(tmp_path_factory.mktemp("shared")) as stand_in:
        yield stand_in


@pytest.fixture(scope="module")
def developers(shared: SharedCluster, tmp_path_factory) -> Iterator[dict[str, Developer]]:
    started = time.monotonic()
    with ExitStack() as stack:
        team = {}
        for name in DEVELOPERS:
            home = tmp_path_factory.mktemp(name)
            project = copy_project(home / "fastapi-service", share_environment=True)
            docker_login(home / "docker", name, shared.logins[name])
            port = free_port()
            env = tool_env(
                KUBECONFIG=str(shared.kubeconfig),
                DOCKER_CONFIG=str(home / "docker"),
                TILT_DEV_DIR=str(home / ".tilt-dev"),
                ITERATIONS="200",  # the load button is checked for passing, not for figures
            )
            args = [
                *("--mode=k8s", f"--allow-context={shared.context}", f"--namespace=dev-{name}"),
                *(f"--registry={shared.registry}/{name}", f"--port={port}"),
            ]
            tilt = stack.enter_context(tilt_up(project, free_port(), env, *args))
            team[name] = Developer(
                *(name, f"dev-{name}", project, home / "docker", f"http://127.0.0.1:{port}"),
                *(tilt, env, args),
            )
        for developer in team.values():
            developer.tilt.wait_for_api()
            developer.tilt.wait_ready("fastapi-service")
            wait_ready(f"{developer.url}/healthz", timeout=120)
        # Both images built, pushed with a login, pulled with a secret, both releases serving.
        record(
            "shared_cluster_two_tilt_ups_to_both_serving_seconds",
            round(time.monotonic() - started, 1),
        )
        yield team


MANAGED = {"app.kubernetes.io/managed-by": "dev-namespace"}


def pull_secret(shared: SharedCluster, namespace: str) -> dict | None:
    """The metadata of the namespace's registry-credentials secret, None if there is none."""
    found = shared.kubectl(
        *("get", "secret", "registry-credentials", "-n", namespace, "--ignore-not-found"),
        *("-o", "jsonpath={.metadata}"),
    )
    return json.loads(found) if found else None


def wait_gone(shared: SharedCluster, namespace: str, timeout: float = 120) -> None:
    """Until the garbage collector has deleted the pull secret with its owner."""
    deadline = time.monotonic() + timeout
    while (left := pull_secret(shared, namespace)) is not None:
        assert time.monotonic() < deadline, f"the pull secret outlived its release: {left}"
        time.sleep(1)


def owned_by_the_release(shared: SharedCluster, namespace: str) -> None:
    secret = pull_secret(shared, namespace)
    assert secret is not None, f"no pull secret in {namespace}"
    assert MANAGED.items() <= (secret.get("labels") or {}).items(), secret
    uid = shared.kubectl(
        "get", "deployment", "fastapi-service", "-n", namespace, "-o", "jsonpath={.metadata.uid}"
    )
    [owner] = secret.get("ownerReferences") or [None]
    assert owner, secret
    assert (owner["kind"], owner["name"], owner["uid"]) == ("Deployment", "fastapi-service", uid)


def pod_spec(shared: SharedCluster, namespace: str) -> dict:
    """The release's Deployment's pod spec."""
    deployment = shared.kubectl(
        "get", "deployment", "fastapi-service", "-n", namespace, "-o", "json"
    )
    return json.loads(deployment)["spec"]["template"]["spec"]


def test_each_namespace_is_created_restricted_and_named_in_the_ui(shared, developers):
    for developer in developers.values():
        labels = json.loads(shared.kubectl("get", "namespace", developer.namespace, "-o", "json"))
        assert labels["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
        # The Tilt UI's dev-namespace resource says where this session deploys.
        said = developer.tilt.logs("dev-namespace")
        assert f"context {shared.context}" in said
        assert f"namespace {developer.namespace} (created" in said
        assert f"images to {shared.registry}/{developer.name}" in said


def test_images_go_to_the_registry_with_each_ones_login_and_pull_with_a_secret(
    shared, developers, tmp_path
):
    ca = tmp_path / "ca.crt"
    ca.write_text(Path(f"/etc/docker/certs.d/{shared.registry}/ca.crt").read_text())
    for developer in developers.values():
        spec = pod_spec(shared, developer.namespace)
        image = spec["containers"][0]["image"]
        repository = f"{developer.name}/fastapi-service-dev"
        assert image.startswith(f"{shared.registry}/{repository}:"), image
        assert spec["imagePullSecrets"] == [{"name": "registry-credentials"}]
        # The tag the pod runs is in the registry, which turns away anyone without a login.
        tags = f"https://{shared.registry}/v2/{repository}/tags/list"
        assert requests.get(tags, verify=str(ca), timeout=10).status_code == 401
        login = (developer.name, shared.logins[developer.name])
        listed = requests.get(tags, verify=str(ca), auth=login, timeout=10)
        assert image.rsplit(":", 1)[1] in listed.json().get("tags", []), listed.text


def test_live_update_reaches_each_developers_pod_and_only_theirs(developers):
    alice, bob = developers["alice"], developers["bob"]
    before = requests.get(f"{bob.url}{PATH}", timeout=10).text
    edits = {alice.name: LiveEdit(alice.project), bob.name: LiveEdit(bob.project)}
    try:
        served = wait_ready(
            f"{alice.url}{PATH}", timeout=60, body=edits["alice"].edit("alice was here")
        )
        record("shared_cluster_save_to_serve_seconds", round(served.seconds, 2))
        time.sleep(2)  # a stray sync into bob's pod would have landed by now
        assert requests.get(f"{bob.url}{PATH}", timeout=10).text == before
        wait_ready(f"{bob.url}{PATH}", timeout=60, body=edits["bob"].edit("bob too"))
        assert "alice was here" in requests.get(f"{alice.url}{PATH}", timeout=10).text
    finally:
        for name, edit in edits.items():
            edit.restore()
            wait_ready(f"{developers[name].url}{PATH}", timeout=60, body=before)


@pytest.mark.parametrize("button", BUTTONS)
@pytest.mark.parametrize("name", DEVELOPERS)
def test_each_developers_buttons_pass(developers, name, button):
    tilt = developers[name].tilt
    build = tilt.trigger_and_wait(button)
    assert not build.get("error"), tilt.logs(button)[-3000:]


# Own first, retried: the policy controller admits a new pod's IP a moment after it starts, so
# only once its own service answers does a refusal from the other's mean the policy refused it.
# busybox's own timeout: its wget -T crashes in this build.
REACH_OWN_NOT_THEIRS = """
tries=0
until busybox timeout 5 busybox wget -qO- "$0" >/dev/null; do
  tries=$((tries + 1)); [ "$tries" -ge 30 ] && exit 1; busybox sleep 1
done
busybox timeout 10 busybox wget -qO- "$1" >/dev/null && exit 2
exit 0
"""


def probe(shared: SharedCluster, namespace: str, probe_image: str, own: str, theirs: str) -> int:
    """Exit code of REACH_OWN_NOT_THEIRS run in a pod in namespace."""
    name = f"probe-{int(time.time() * 1000) % 100000}"
    script = ["/bin/busybox", "sh", "-c", REACH_OWN_NOT_THEIRS, own, theirs]
    locked_down = {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "restartPolicy": "Never",
            "containers": [
                {
                    "name": "wget",
                    "image": probe_image,
                    "imagePullPolicy": "Never",
                    "command": script,
                    "securityContext": locked_down,
                }
            ],
        },
    }
    shared.kubectl("apply", "-f", "-", stdin=json.dumps(pod))
    try:
        ended = shared.pod_when_done(name, namespace, timeout=120)
        assert ended is not None, f"probe pod {name} did not finish within 120 s"
        [container] = ended["status"]["containerStatuses"]
        return container["state"]["terminated"]["exitCode"]
    finally:
        shared.kubectl("delete", "pod", name, "-n", namespace, "--wait=false")


def test_neither_developer_reaches_the_others_pods(shared, developers, probe_image):
    run(prerequisites.tool("kind"), "load", "docker-image", probe_image, "--name", NAME)
    outcome = {
        0: "reached its own, refused the other's",
        1: "never reached its own",
        2: "reached the other's",
    }
    for developer in developers.values():
        other = next(d for d in developers.values() if d is not developer)
        own = f"http://fastapi-service.{developer.namespace}:8000/healthz"
        theirs = f"http://fastapi-service.{other.namespace}:8000/healthz"
        code = probe(shared, developer.namespace, probe_image, own, theirs)
        assert code == 0, f"a pod in {developer.namespace} {outcome.get(code, f'exited {code}')}"


def test_no_credential_in_the_repo_an_image_or_a_log(shared, developers):
    for developer in developers.values():
        password = shared.logins[developer.name]
        token = base64.b64encode(f"{developer.name}:{password}".encode()).decode()
        # The checkout, as copied (the shared environment's links aside).
        for path in developer.project.rglob("*"):
            if path.is_file() and not {".venv", ".tools"} & set(path.parts):
                assert password not in path.read_text(errors="replace"), path
        image = pod_spec(shared, developer.namespace)["containers"][0]["image"]
        layers = subprocess.run(
            [prerequisites.docker(), "save", image], capture_output=True, check=True
        ).stdout
        assert password.encode() not in layers
        assert token.encode() not in layers
        logs = developer.tilt.log.read_text() + developer.tilt.cli("logs").stdout
        assert password not in logs
        assert token not in logs
        # The secret holds it, but nothing copies it into an annotation.
        secret = json.loads(
            shared.kubectl(
                "get", "secret", "registry-credentials", "-n", developer.namespace, "-o", "json"
            )
        )
        assert "kubectl.kubernetes.io/last-applied-configuration" not in (
            secret["metadata"].get("annotations") or {}
        )


def test_skaffold_run_with_the_shared_profile_deploys_and_helm_tests(shared, developers):
    alice = developers["alice"]
    namespace = "dev-alice-skaffold"
    result = run_tool(
        "skaffold",
        *("run", "-p", "ci,shared", "--kube-context", shared.context, "--namespace", namespace),
        f"--default-repo={shared.registry}/alice",
        cwd=alice.project,
        env=tool_env(
            KUBECONFIG=str(shared.kubeconfig),
            DOCKER_CONFIG=str(alice.docker_config),
            SKAFFOLD_UPDATE_CHECK="false",
        ),
        timeout=1500,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        events = shared.kubectl("get", "events", "-n", namespace, "--sort-by=.lastTimestamp")
        pytest.fail(f"{output[-5000:]}\n\nevents in {namespace}:\n{events[-3000:]}")
    assert "fastapi-service-test-system" in output
    said = f"pull secret registry-credentials from your docker login for {shared.registry}"
    assert said in output
    assert shared.logins["alice"] not in output
    labels = json.loads(shared.kubectl("get", "namespace", namespace, "-o", "json"))["metadata"]
    assert labels["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    spec = pod_spec(shared, namespace)
    assert spec["containers"][0]["image"].startswith(f"{shared.registry}/alice/fastapi-service:")
    assert spec["imagePullSecrets"] == [{"name": "registry-credentials"}]
    # `skaffold delete` (as `skaffold dev` does on its way out) takes the pull secret too.
    owned_by_the_release(shared, namespace)
    deleted = run_tool(
        *("skaffold", "delete", "-p", "ci,shared", "--kube-context", shared.context),
        *("--namespace", namespace),
        cwd=alice.project,
        env=tool_env(KUBECONFIG=str(shared.kubeconfig), SKAFFOLD_UPDATE_CHECK="false"),
        timeout=300,
    )
    assert deleted.returncode == 0, deleted.stdout[-3000:] + deleted.stderr[-3000:]
    wait_gone(shared, namespace)


def test_a_secret_of_the_same_name_it_did_not_make_is_left_alone(shared, developers, tmp_path):
    alice = developers["alice"]
    namespace = "dev-alice-theirs"
    # Someone's pull secret for the same registry, made by hand: the very kind it would replace.
    login = {"auths": {shared.registry: {"auth": base64.b64encode(b"carol:hers").decode()}}}
    theirs = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/dockerconfigjson",
        "metadata": {"name": "registry-credentials", "namespace": namespace},
        "stringData": {".dockerconfigjson": json.dumps(login)},
    }
    shared.kubectl("create", "namespace", namespace)
    try:
        shared.kubectl("create", "-f", "-", stdin=json.dumps(theirs))
        before = pull_secret(shared, namespace)
        args = [
            f"--namespace={namespace}" if a.startswith("--namespace=") else a for a in alice.args
        ]
        result = run_tool(
            *("tilt", "ci", "--port", str(free_port()), "--", *args),
            cwd=alice.project,
            env={**alice.env, "TILT_DEV_DIR": str(tmp_path / ".tilt-dev")},
            timeout=600,
        )
        output = result.stdout + result.stderr
        assert result.returncode != 0, output[-3000:]
        said = f"secret registry-credentials in namespace {namespace} was not made by dev-namespace"
        assert said in output, output[-3000:]
        assert f"--namespace {namespace} delete secret registry-credentials" in output
        # Not written, not labelled, not owned: not touched at all, and nothing deployed.
        assert pull_secret(shared, namespace) == before
        kept = shared.kubectl(
            *("get", "secret", "registry-credentials", "-n", namespace),
            *("-o", r"jsonpath={.data.\.dockerconfigjson}"),
        )
        assert json.loads(base64.b64decode(kept)) == login
        assert shared.kubectl("get", "deployments", "-n", namespace, "-o", "name") == ""
    finally:
        shared.kubectl("delete", "namespace", namespace, "--wait=false")


def test_the_pull_secret_can_hold_another_login_than_the_one_images_push_with(shared, developers):
    """PULL_DOCKER_CONFIG: a pull-only token's Docker config (bob's login stands in for it)."""
    alice, bob = developers["alice"], developers["bob"]
    namespace = "dev-alice-robot"
    try:
        result = subprocess.run(
            [
                *("python3", "scripts/cluster/dev-namespace.py", "--context", shared.context),
                *("--namespace", namespace, "--registry", f"{shared.registry}/alice"),
            ],
            cwd=alice.project,
            env={**alice.env, "PULL_DOCKER_CONFIG": str(bob.docker_config)},
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert f"from the docker login in {bob.docker_config} for {shared.registry}" in (
            result.stdout
        )
        assert shared.logins["bob"] not in result.stdout + result.stderr
        written = shared.kubectl(
            *("get", "secret", "registry-credentials", "-n", namespace),
            *("-o", r"jsonpath={.data.\.dockerconfigjson}"),
        )
        auth = json.loads(base64.b64decode(written))["auths"][shared.registry]["auth"]
        assert base64.b64decode(auth).decode() == f"bob:{shared.logins['bob']}"
    finally:
        shared.kubectl("delete", "namespace", namespace, "--wait=false")


def test_tilt_down_takes_the_pull_secret_with_the_release(shared, developers):
    """Last: it ends bob's release (his `tilt up` stops with the module)."""
    bob = developers["bob"]
    owned_by_the_release(shared, bob.namespace)
    down = run_tool("tilt", "down", "--", *bob.args, cwd=bob.project, env=bob.env, timeout=300)
    assert down.returncode == 0, down.stdout[-3000:] + down.stderr[-3000:]
    wait_gone(shared, bob.namespace)
    # Alice's, in her own namespace, stays with her release.
    owned_by_the_release(shared, developers["alice"].namespace)
