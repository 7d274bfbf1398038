"""A stand-in for a team's shared development cluster, for the shared-cluster tests.

A second kind cluster, reached at 127.0.0.2 (not localhost) under a context whose name says
nothing of kind, with no local-registry ConfigMap; a registry that wants a login (htpasswd)
over TLS from a CA made here, which the cluster and this machine's Docker engine trust; and
NetworkPolicies enforced (kube-router's firewall alone, as a DaemonSet). Names resolve as on a
real network: registry.shared.test is 127.0.0.2 on this machine (an /etc/hosts line, removed
after) and the registry container on the cluster's Docker network.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from harness import prerequisites
from tests.cluster.cluster import NODE_CONTAINER, REGISTRY, Cluster, kube_version, run

if TYPE_CHECKING:  # the e2e group's, imported where used: collection needs none of it
    import trustme

NAME = "fastapi-service-shared"
CONTEXT = "shared-dev"
API_ADDRESS = "127.0.0.2"
REGISTRY_NAME = "registry.shared.test"
REGISTRY_HOST = f"{REGISTRY_NAME}:5443"
REGISTRY_CONTAINER = f"{NAME}-registry"
KUBE_ROUTER_IMAGE = "fastapi-service/kube-router:test"
HOSTS_LINE = f"{API_ADDRESS} {REGISTRY_NAME}  # {NAME} test, removed after\n"


@dataclass(kw_only=True)
class SharedCluster(Cluster):
    registry: str
    logins: dict[str, str] = field(repr=False)  # user -> password, for `docker login`


def image_of(container: str) -> str:
    """The image a running container was started from (the project cluster's node, registry)."""
    docker = prerequisites.docker()
    return run(docker, "inspect", "--format", "{{.Config.Image}}", container).stdout.strip()


@contextmanager
def line_in(path: Path, line: str) -> Iterator[None]:
    original = path.read_text()
    path.write_text(original + ("" if original.endswith("\n") else "\n") + line)
    try:
        yield
    finally:
        path.write_text(path.read_text().replace(line, ""))


@contextmanager
def docker_trusts(ca: trustme.CA, host: str) -> Iterator[None]:
    """The engine trusts the CA for host (it reads certs.d on each connection: no restart)."""
    folder = Path("/etc/docker/certs.d") / host
    folder.mkdir(parents=True, exist_ok=True)
    ca.cert_pem.write_to_path(str(folder / "ca.crt"))
    try:
        yield
    finally:
        (folder / "ca.crt").unlink()
        folder.rmdir()


@contextmanager
def registry(work: Path, ca: trustme.CA, logins: dict[str, str]) -> Iterator[None]:
    """distribution (the image the project's own registry runs) with htpasswd and TLS."""
    import bcrypt

    docker = prerequisites.docker()
    (work / "certs").mkdir()
    served = ca.issue_cert(REGISTRY_NAME)
    served.cert_chain_pems[0].write_to_path(str(work / "certs" / "tls.crt"))
    served.private_key_pem.write_to_path(str(work / "certs" / "tls.key"))
    (work / "auth").mkdir()
    (work / "auth" / "htpasswd").write_text(
        "".join(
            f"{user}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()}\n"
            for user, password in logins.items()
        )
    )
    run(docker, "rm", "--force", REGISTRY_CONTAINER, check=False)
    run(
        docker,
        *("run", "--detach", "--name", REGISTRY_CONTAINER),
        *("--network", "kind", "--network-alias", REGISTRY_NAME),
        *("--publish", f"{API_ADDRESS}:5443:5443"),
        *("--volume", f"{work / 'certs'}:/certs:ro", "--volume", f"{work / 'auth'}:/auth:ro"),
        *("--env", "REGISTRY_HTTP_ADDR=0.0.0.0:5443"),
        *("--env", "REGISTRY_HTTP_TLS_CERTIFICATE=/certs/tls.crt"),
        *("--env", "REGISTRY_HTTP_TLS_KEY=/certs/tls.key"),
        *("--env", "REGISTRY_AUTH=htpasswd", "--env", "REGISTRY_AUTH_HTPASSWD_REALM=shared"),
        *("--env", "REGISTRY_AUTH_HTPASSWD_PATH=/auth/htpasswd"),
        image_of(REGISTRY),
    )
    try:
        yield
    finally:
        run(docker, "rm", "--force", REGISTRY_CONTAINER, check=False)


def kind_config(work: Path, ca: trustme.CA) -> Path:
    """One node, its API on 127.0.0.2, containerd trusting the CA for the registry."""
    hosts = work / "certs.d" / REGISTRY_HOST
    hosts.mkdir(parents=True)
    ca.cert_pem.write_to_path(str(hosts / "ca.crt"))
    (hosts / "hosts.toml").write_text(
        f'server = "https://{REGISTRY_HOST}"\n\n'
        f'[host."https://{REGISTRY_HOST}"]\n'
        f'  ca = "/etc/containerd/certs.d/{REGISTRY_HOST}/ca.crt"\n'
    )
    config = {
        "kind": "Cluster",
        "apiVersion": "kind.x-k8s.io/v1alpha4",
        "networking": {"apiServerAddress": API_ADDRESS},
        "containerdConfigPatches": [
            '[plugins."io.containerd.grpc.v1.cri".registry]\n'
            '  config_path = "/etc/containerd/certs.d"\n'
        ],
        "nodes": [
            {
                "role": "control-plane",
                "image": image_of(NODE_CONTAINER),
                "extraMounts": [
                    {
                        "hostPath": str(work / "certs.d"),
                        "containerPath": "/etc/containerd/certs.d",
                        "readOnly": True,
                    }
                ],
            }
        ],
    }
    path = work / "kind.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@contextmanager
def kind_cluster(work: Path, ca: trustme.CA) -> Iterator[Path]:
    kind = prerequisites.tool("kind")
    kubeconfig = work / "kubeconfig"
    run(kind, "delete", "cluster", "--name", NAME, check=False)
    run(
        kind,
        *("create", "cluster", "--name", NAME, "--config", str(kind_config(work, ca))),
        *("--kubeconfig", str(kubeconfig), "--wait", "180s"),
        timeout=600,
    )
    try:
        # Context, cluster and user named as a team's would be: no tool may tell it is kind.
        kubeconfig.write_text(kubeconfig.read_text().replace(f"kind-{NAME}", CONTEXT))
        yield kubeconfig
    finally:
        run(kind, "delete", "cluster", "--name", NAME, check=False)


def kube_router_image(work: Path) -> str:
    """kube-router, built from its Go module (make tools), in the Kubernetes release's
    kube-proxy image: iptables, ipset and the wrapper that picks the node's iptables backend."""
    context = work / "kube-router-image"
    context.mkdir()
    (context / "kube-router").write_bytes(Path(prerequisites.tool("kube-router")).read_bytes())
    (context / "kube-router").chmod(0o755)
    (context / "Dockerfile").write_text(
        f"FROM registry.k8s.io/kube-proxy:{kube_version()}\n"
        "COPY kube-router /usr/local/bin/kube-router\n"
        'ENTRYPOINT ["/usr/local/bin/kube-router"]\n'
    )
    docker = prerequisites.docker()
    run(docker, "build", "--quiet", "--tag", KUBE_ROUTER_IMAGE, str(context), timeout=300)
    return KUBE_ROUTER_IMAGE


def enforce_network_policies(shared: SharedCluster, work: Path) -> None:
    """kube-router's network-policy controller only (no routing, no service proxy)."""
    kind = prerequisites.tool("kind")
    image = kube_router_image(work)
    run(kind, "load", "docker-image", image, "--name", NAME, timeout=300)
    manifest = Path(__file__).with_name("kube-router.yaml").read_text().replace("IMAGE", image)
    shared.kubectl("apply", "-f", "-", stdin=manifest)
    shared.kubectl(
        *("rollout", "status", "daemonset/kube-router", "-n", "kube-system", "--timeout=180s")
    )


@contextmanager
def shared_cluster(work: Path) -> Iterator[SharedCluster]:
    import trustme

    if os.geteuid() != 0:
        prerequisites.missing("the shared-cluster stand-in edits /etc/hosts and /etc/docker: root")
    ca = trustme.CA()
    logins = {user: secrets.token_urlsafe(18) for user in ("alice", "bob")}
    with ExitStack() as stack:
        stack.enter_context(line_in(Path("/etc/hosts"), HOSTS_LINE))
        stack.enter_context(docker_trusts(ca, REGISTRY_HOST))
        stack.enter_context(registry(work, ca, logins))
        started = time.monotonic()
        kubeconfig = stack.enter_context(kind_cluster(work, ca))
        shared = SharedCluster(
            context=CONTEXT,
            seconds_to_ready=time.monotonic() - started,
            kubeconfig=kubeconfig,
            registry=REGISTRY_HOST,
            logins=logins,
        )
        enforce_network_policies(shared, work)
        yield shared


def docker_login(config_dir: Path, user: str, password: str) -> None:
    """`docker login` into a Docker config of the developer's own (DOCKER_CONFIG)."""
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "config.json").write_text(json.dumps({"auths": {}}))
    plugins = Path.home() / ".docker" / "cli-plugins"  # buildx, which Skaffold builds with
    if plugins.is_dir():
        (config_dir / "cli-plugins").symlink_to(plugins)
    result = subprocess.run(
        [prerequisites.docker(), "login", REGISTRY_HOST, "--username", user, "--password-stdin"],
        input=password,
        capture_output=True,
        text=True,
        env={**os.environ, "DOCKER_CONFIG": str(config_dir)},
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
