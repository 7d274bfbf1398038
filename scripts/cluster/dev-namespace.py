#!/usr/bin/env python3
"""A developer's namespace on a cluster, ready for the chart: run by Tilt and Skaffold before
they deploy (and with --adopt after).

    dev-namespace.py --context CTX --namespace NS
                     [--registry HOST[:PORT][/PATH]] [--pull-secret NAME] [--owner KIND/NAME]
    dev-namespace.py --context CTX --namespace NS --pull-secret NAME --owner KIND/NAME --adopt

Creates the namespace if it does not exist, enforcing the "restricted" Pod Security Standard
(an existing one keeps its labels). With --registry, it also writes a pull secret (type
kubernetes.io/dockerconfigjson) holding your `docker login` for that registry's host, read
from your Docker config or its credential helper: PULL_DOCKER_CONFIG names another one (say,
a pull-only token's) than the one images are pushed with. The credentials only ever travel
to kubectl's stdin: never into a file, an argument, an annotation or the output.

What it creates carries the label app.kubernetes.io/managed-by=dev-namespace, and it never
writes over a secret without it. --owner names the release's Deployment (release/NAME finds
it by the release's label): the secret gets it
as its owner, so Kubernetes deletes the secret with the release (`tilt down`, `skaffold
delete`). The Deployment only exists once the chart is installed, so the deploy step runs
this again after it with --adopt, which only hands the secret, if this script made it, to
its owner (and is silent when there is none).
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
MANAGED_BY = "app.kubernetes.io/managed-by"


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
        "metadata": {"name": namespace, "labels": RESTRICTED | {MANAGED_BY: MANAGER}},
    }
    created = kubectl(context, "create", "-f", "-", stdin=json.dumps(manifest))
    if created.returncode != 0:
        fail(f"cannot create namespace {namespace} in {context}: {created.stderr.strip()}")
    return f"namespace {namespace} (created; Pod Security enforce: restricted)"


def docker_config() -> dict:
    folder = os.environ.get("PULL_DOCKER_CONFIG") or os.environ.get("DOCKER_CONFIG")
    path = Path(folder or Path.home() / ".docker") / "config.json"
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


def metadata(context: str, namespace: str, target: str) -> dict | None:
    """The metadata of target (KIND/NAME) in namespace, None if there is none: never its data."""
    got = kubectl(
        context,
        *("get", target, "--namespace", namespace, "--ignore-not-found"),
        *("--output", "jsonpath={.metadata}"),
    )
    if got.returncode != 0:
        fail(f"cannot read {target} in {namespace}: {got.stderr.strip()}")
    return json.loads(got.stdout) if got.stdout.strip() else None


def managed_secret(context: str, namespace: str, name: str) -> dict | None:
    """The secret's metadata if it exists; fails if it is not one this script made."""
    current = metadata(context, namespace, f"secret/{name}")
    if current is not None and (current.get("labels") or {}).get(MANAGED_BY) != MANAGER:
        fail(
            f"secret {name} in namespace {namespace} was not made by dev-namespace (it has no "
            f"label {MANAGED_BY}={MANAGER}), so it is left as it is. If it is an old copy of "
            f"your pull secret, delete it (kubectl --context {context} --namespace {namespace} "
            f"delete secret {name}) and start again; if it is someone else's, deploy into a "
            "namespace of your own (--namespace)."
        )
    return current


def release_deployment(context: str, namespace: str, owner: str) -> str:
    """owner as KIND/NAME: `release/NAME` is the Helm release's Deployment, whatever the
    chart named it (fullnameOverride), found by the release's instance label."""
    if not owner.startswith("release/"):
        return owner
    release = owner.removeprefix("release/")
    got = kubectl(
        context,
        *("get", "deployments", "--namespace", namespace, "--output", "name"),
        f"--selector=app.kubernetes.io/instance={release}",
    )
    if got.returncode != 0:
        fail(f"cannot list the deployments of release {release}: {got.stderr.strip()}")
    names = got.stdout.split()
    if len(names) > 1:
        fail(f"release {release} in {namespace} has {len(names)} deployments: name one (--owner)")
    return names[0] if names else f"deployment/{release}"


def owner_reference(context: str, namespace: str, owner: str) -> dict | None:
    """An ownerReference to owner (KIND/NAME), None if there is none or it is being deleted."""
    got = kubectl(
        context, "get", owner, "--namespace", namespace, "--ignore-not-found", "-o", "json"
    )
    if got.returncode != 0:
        fail(f"cannot read {owner} in {namespace}: {got.stderr.strip()}")
    if not got.stdout.strip():
        return None
    found = json.loads(got.stdout)
    if found["metadata"].get("deletionTimestamp"):
        return None
    return {
        "apiVersion": found["apiVersion"],
        "kind": found["kind"],
        "name": found["metadata"]["name"],
        "uid": found["metadata"]["uid"],
    }


def live_owners(context: str, namespace: str, meta: dict) -> list[dict]:
    """The object's ownerReferences whose owner still exists (the same one, by uid)."""
    live = []
    for ref in meta.get("ownerReferences") or []:
        group = ref["apiVersion"].rpartition("/")[0]  # apps/v1 -> apps, v1 -> the core group
        kind = f"{ref['kind']}.{group}" if group else ref["kind"]
        found = owner_reference(context, namespace, f"{kind}/{ref['name']}")
        if found and found["uid"] == ref["uid"]:
            live.append(ref)
    return live


def changed_meanwhile(result: subprocess.CompletedProcess) -> bool:
    """The object was created or changed since it was read: read it again and retry."""
    return any(sign in result.stderr for sign in ("AlreadyExists", "Conflict", "been modified"))


# Tilt runs each service's steps at once (--with): in one namespace they write the same secret.
ATTEMPTS = 5


def write_pull_secret(
    context: str, namespace: str, registry: str, name: str, owner: str | None
) -> str:
    host = registry.split("/", 1)[0]
    login = login_for(host)
    pull_config = os.environ.get("PULL_DOCKER_CONFIG")
    if login is None:
        where = f"DOCKER_CONFIG={pull_config} " if pull_config else ""
        fail(f"no `docker login` for {host}: run `{where}docker login {host}` first")
    config = json.dumps({"auths": {host: login}}).encode()
    for _ in range(ATTEMPTS):
        current = managed_secret(context, namespace, name)
        if (
            current
            and current.get("ownerReferences")
            and not live_owners(context, namespace, current)
        ):
            # Its owners are gone (`tilt down`, then up again): the garbage collector deletes it
            # any moment now, so a fresh one takes its place.
            deleted = kubectl(
                context, "delete", "secret", name, "--namespace", namespace, "--ignore-not-found"
            )
            if deleted.returncode != 0:
                fail(f"cannot replace secret {name} in {namespace}: {deleted.stderr.strip()}")
            current = None
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "kubernetes.io/dockerconfigjson",
            "metadata": {"name": name, "namespace": namespace, "labels": {MANAGED_BY: MANAGER}},
            "data": {".dockerconfigjson": base64.b64encode(config).decode()},
        }
        if current is None:
            # Create, not apply: a secret someone makes meanwhile is not taken over.
            command = ["create", f"--field-manager={MANAGER}", "-f", "-"]
        else:
            # The version read above is a precondition: a secret changed since is not written.
            secret["metadata"]["resourceVersion"] = current["resourceVersion"]
            # Server-side: client-side apply would copy the data into an annotation.
            command = ["apply", "--server-side", "--force-conflicts"]
            command += [f"--field-manager={MANAGER}", "-f", "-"]
        written = kubectl(context, *command, stdin=json.dumps(secret))
        if written.returncode == 0:
            break
        if not changed_meanwhile(written):
            fail(f"cannot write secret {name} in {namespace}: {written.stderr.strip()}")
    else:
        fail(f"secret {name} in {namespace} kept changing while it was written: run again")
    source = f"the docker login in {pull_config}" if pull_config else "your docker login"
    said = f"pull secret {name} from {source} for {host}"
    if owner and owner_reference(context, namespace, owner):  # a redeploy: the owner is there
        said += " " + adopt_pull_secret(context, namespace, name, owner)
    return said


def adopt_pull_secret(context: str, namespace: str, name: str, owner: str) -> str:
    """The owner (the release's Deployment) joins the secret's owners; gone ones leave it.

    Kubernetes deletes the secret once none of them is left. With no such secret (no
    --registry) there is nothing to do; one this script did not make is left as it is."""
    for _ in range(ATTEMPTS):
        current = metadata(context, namespace, f"secret/{name}")
        if current is None:
            return ""
        if (current.get("labels") or {}).get(MANAGED_BY) != MANAGER:
            return f"not dev-namespace's (no label {MANAGED_BY}={MANAGER}): left as it is"
        owned_by = owner_reference(context, namespace, owner)
        if owned_by is None:
            fail(f"no {owner} in namespace {namespace} to own secret {name}")
        others = [
            ref for ref in live_owners(context, namespace, current) if ref["uid"] != owned_by["uid"]
        ]
        owners = [*others, owned_by]
        if sorted(ref["uid"] for ref in owners) == sorted(
            ref["uid"] for ref in current.get("ownerReferences") or []
        ):
            break
        # Metadata only, no credentials; the version read above is a precondition.
        patch = {
            "metadata": {"resourceVersion": current["resourceVersion"], "ownerReferences": owners}
        }
        patched = kubectl(
            context,
            *("patch", "secret", name, "--namespace", namespace, "--type=merge"),
            *(f"--field-manager={MANAGER}", "--patch", json.dumps(patch)),
        )
        if patched.returncode == 0:
            break
        if not changed_meanwhile(patched):
            fail(f"cannot give secret {name} in {namespace} to {owner}: {patched.stderr.strip()}")
    else:
        fail(f"secret {name} in {namespace} kept changing while its owner was set: run again")
    return f"owned by {owner} (deleted with the release)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--context", required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--registry", default="", help="HOST[:PORT][/PATH] images are pushed to")
    parser.add_argument("--pull-secret", default="registry-credentials")
    parser.add_argument(
        "--owner",
        help="KIND/NAME, or release/NAME for that release's Deployment: deleted with the "
        "release, the secret goes too",
    )
    parser.add_argument(
        "--adopt",
        action="store_true",
        help="after the deploy: only give the secret, if this script made it, to --owner",
    )
    args = parser.parse_args()
    if args.owner:
        args.owner = release_deployment(args.context, args.namespace, args.owner)
    if args.adopt:
        if not args.owner:
            parser.error("--adopt needs --owner")
        said = adopt_pull_secret(args.context, args.namespace, args.pull_secret, args.owner)
        if said:
            print(f"secret {args.pull_secret} in {args.namespace}: {said}")
        return
    parts = [f"context {args.context}", ensure_namespace(args.context, args.namespace)]
    if args.registry:
        secret = write_pull_secret(
            args.context, args.namespace, args.registry, args.pull_secret, args.owner
        )
        parts += [f"images to {args.registry}", secret]
    else:
        parts.append("images to the registry the cluster advertises")
    print(", ".join(parts))


if __name__ == "__main__":
    main()
