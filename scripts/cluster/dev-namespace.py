#!/usr/bin/env python3
"""A developer's namespace on a cluster, ready for the chart: run by Tilt and Skaffold before
they deploy.

    dev-namespace.py --context CTX --namespace NS
                     [--registry HOST[:PORT][/PATH]] [--pull-secret NAME]

Creates the namespace if it does not exist, enforcing the "restricted" Pod Security Standard
(an existing one keeps its labels). With --registry, it also writes a pull secret (type
kubernetes.io/dockerconfigjson) holding your `docker login` for that registry's host, read
from your Docker config or its credential helper. The credentials only ever travel to
kubectl's stdin: never into a file, an argument, an annotation or the output.
Standard library only: it runs on the host's python3, before any project environment.
"""

import argparse
import base64
import json
import os
import subprocess
import sys
from pathlib import Path

RESTRICTED = {
    f"pod-security.kubernetes.io/{mode}": "restricted" for mode in ("enforce", "warn", "audit")
} | {"pod-security.kubernetes.io/enforce-version": "latest"}
MANAGER = "dev-namespace"


def fail(message: str) -> None:
    sys.exit(f"dev-namespace: {message}")


def kubectl(context: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            ["kubectl", "--context", context, *args],
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    except FileNotFoundError:
        fail("kubectl not found: `make tools` puts the pinned one in .tools/bin")


def ensure_namespace(context: str, namespace: str) -> str:
    if kubectl(context, "get", "namespace", namespace).returncode == 0:
        level = kubectl(
            context,
            *("get", "namespace", namespace, "-o"),
            r"jsonpath={.metadata.labels.pod-security\.kubernetes\.io/enforce}",
        ).stdout
        return f"namespace {namespace} (exists; Pod Security enforce: {level or 'none'})"
    manifest = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": namespace, "labels": RESTRICTED},
    }
    created = kubectl(context, "create", "-f", "-", stdin=json.dumps(manifest))
    if created.returncode != 0:
        fail(f"cannot create namespace {namespace} in {context}: {created.stderr.strip()}")
    return f"namespace {namespace} (created; Pod Security enforce: restricted)"


def docker_config() -> dict:
    path = Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker") / "config.json"
    try:
        return json.loads(path.read_text()) if path.exists() else {}
    except json.JSONDecodeError as error:
        fail(f"{path}: not JSON ({error})")


def login_for(host: str) -> dict | None:
    """The auths entry for host, as `docker login` left it: inline, or in a credential helper."""
    config = docker_config()
    auths = {
        key.removeprefix("https://").rstrip("/"): value
        for key, value in config.get("auths", {}).items()
    }
    inline = auths.get(host, {})
    if inline.get("auth"):
        return {"auth": inline["auth"]}
    helper = config.get("credHelpers", {}).get(host) or (host in auths and config.get("credsStore"))
    if not helper:
        return None
    try:
        got = subprocess.run(
            [f"docker-credential-{helper}", "get"],
            input=host,
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except FileNotFoundError:
        fail(f"your Docker config names docker-credential-{helper}, which is not on PATH")
    if got.returncode != 0:
        return None
    secret = json.loads(got.stdout)
    token = base64.b64encode(f"{secret['Username']}:{secret['Secret']}".encode()).decode()
    return {"auth": token}


def write_pull_secret(context: str, namespace: str, registry: str, name: str) -> str:
    host = registry.split("/", 1)[0]
    login = login_for(host)
    if login is None:
        fail(f"no `docker login` for {host}: run `docker login {host}` first")
    config = json.dumps({"auths": {host: login}}).encode()
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/dockerconfigjson",
        "metadata": {"name": name, "namespace": namespace},
        "data": {".dockerconfigjson": base64.b64encode(config).decode()},
    }
    # Server-side: client-side apply would copy the data into an annotation.
    applied = kubectl(
        context,
        *("apply", "--server-side", "--force-conflicts", f"--field-manager={MANAGER}", "-f", "-"),
        stdin=json.dumps(secret),
    )
    if applied.returncode != 0:
        fail(f"cannot write secret {name} in {namespace}: {applied.stderr.strip()}")
    return f"pull secret {name} from your docker login for {host}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--context", required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--registry", default="", help="HOST[:PORT][/PATH] images are pushed to")
    parser.add_argument("--pull-secret", default="registry-credentials")
    args = parser.parse_args()
    parts = [f"context {args.context}", ensure_namespace(args.context, args.namespace)]
    if args.registry:
        parts += [
            f"images to {args.registry}",
            write_pull_secret(args.context, args.namespace, args.registry, args.pull_secret),
        ]
    else:
        parts.append("images to the registry the cluster advertises")
    print(", ".join(parts))


if __name__ == "__main__":
    main()
