"""Drive the project's kind cluster (ctlptl.yaml) through the Makefile's targets and kubectl."""

import json
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness import prerequisites

ROOT = prerequisites.ROOT
KIND_NAME = "fastapi-service"
CONTEXT = f"kind-{KIND_NAME}"
NODE_CONTAINER = f"{KIND_NAME}-control-plane"
REGISTRY = "ctlptl-registry"
REGISTRY_HOST = "localhost:5005"


def run(
    *args: str, timeout: float = 600, check: bool = True, stdin: str | None = None
) -> subprocess.CompletedProcess:
    result = subprocess.run(
        args,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=prerequisites.tool_env(),
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-3000:]}"
        )
    return result


def make(target: str, check: bool = True) -> subprocess.CompletedProcess:
    """A Makefile target, the door to the cluster: `cluster-up`, `cluster-down`."""
    return run("make", "--no-print-directory", "-C", str(ROOT), target, timeout=900, check=check)


def kube_version() -> str:
    """The Kubernetes release ctlptl.yaml's node image runs, e.g. v1.34.0."""
    match = re.search(r"kindest/node:(v[0-9.]+)@", (ROOT / "ctlptl.yaml").read_text())
    assert match, "ctlptl.yaml names no kindest/node:vX.Y.Z@sha256 image"
    return match.group(1)


def kind_clusters() -> list[str]:
    return run(prerequisites.tool("kind"), "get", "clusters").stdout.split()


def containers(*names: str) -> list[str]:
    """Those of the named containers that exist, running or not."""
    listed = run(prerequisites.docker(), "ps", "--all", "--format", "{{.Names}}").stdout.split()
    return [name for name in names if name in listed]


@dataclass
class Cluster:
    context: str
    seconds_to_ready: float
    kubeconfig: Path | None = None  # None: the current one (KUBECONFIG or ~/.kube/config)

    def kubectl(self, *args: str, timeout: float = 300, stdin: str | None = None) -> str:
        config = ["--kubeconfig", str(self.kubeconfig)] if self.kubeconfig else []
        kubectl = prerequisites.tool("kubectl")
        return run(
            kubectl, *config, "--context", self.context, *args, timeout=timeout, stdin=stdin
        ).stdout

    def pod_when_done(self, name: str, namespace: str = "default", timeout: float = 180):
        """The pod once it has ended (Succeeded or Failed), or None if it has not by timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(1)
            pod = json.loads(self.kubectl("get", "pod", name, "-n", namespace, "-o", "json"))
            if pod["status"].get("phase") in ("Succeeded", "Failed"):
                return pod
        return None

    @contextmanager
    def restricted_namespace(self, name: str) -> Iterator[str]:
        """A namespace enforcing the "restricted" Pod Security Standard, deleted after."""
        self.kubectl("create", "namespace", name)
        self.kubectl(
            "label",
            "namespace",
            name,
            "pod-security.kubernetes.io/enforce=restricted",
            "pod-security.kubernetes.io/enforce-version=latest",
        )
        try:
            yield name
        finally:
            self.kubectl("delete", "namespace", name, "--wait=false")

    def run_pod(self, name: str, image: str, *command: str, timeout: float = 180) -> str:
        """Run command in a one-off pod until it exits; return its output if it succeeded."""
        self.kubectl("delete", "pod", name, "--ignore-not-found", "--wait=true")
        self.kubectl(
            "run", name, f"--image={image}", "--restart=Never", "--command", "--", *command
        )
        try:
            pod = self.pod_when_done(name, timeout=timeout)
            phase = pod["status"]["phase"] if pod else ""
            if phase != "Succeeded":
                state = self.kubectl("describe", "pod", name)
                logs = run(
                    prerequisites.tool("kubectl"),
                    "--context",
                    self.context,
                    "logs",
                    name,
                    check=False,
                )
                output = f"{logs.stdout[-1500:]}\n{state[-2500:]}"
                raise AssertionError(f"pod {name} ended {phase or 'nowhere'}:\n{output}")
            return self.kubectl("logs", name)
        finally:
            self.kubectl("delete", "pod", name, "--ignore-not-found", "--wait=false")
