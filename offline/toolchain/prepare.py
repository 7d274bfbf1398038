"""Source preparation a Go module needs before `go build` (named by `prepare` in versions.toml)."""

import os
import re
import shutil
import subprocess
from pathlib import Path

from errors import UnavailableError
from progress import Progress

NODE_MAJOR = 20  # tilt's web/package.json: "engines": {"node": ">=20"}


def tilt_web_ui(src: Path, progress: Progress, log: Path) -> None:
    """Build Tilt's web UI into pkg/assets/build: a release binary refuses to start without it."""
    node = _node()
    web = src / "web"
    # The checked-in yarn release, as tilt's Makefile runs it (`yarn install --immutable`).
    yarn = str(next((web / ".yarn" / "releases").glob("yarn-*.cjs")))
    env = {**os.environ, "CI": "true", "YARN_ENABLE_TELEMETRY": "0"}
    registry = _npm_registry()
    if registry and "YARN_NPM_REGISTRY_SERVER" not in env:
        # Yarn 4 ignores .npmrc: use the registry (or mirror) npm is configured with.
        env["YARN_NPM_REGISTRY_SERVER"] = registry
    progress.run(
        "web UI: yarn install", [node, yarn, "install", "--immutable"], log, cwd=web, env=env
    )
    progress.run("web UI: yarn build", [node, yarn, "build"], log, cwd=web, env=env)
    shutil.copytree(web / "build", src / "pkg" / "assets" / "build", dirs_exist_ok=True)


def skaffold_embedded_files(src: Path, progress: Progress, log: Path) -> None:
    """Copy the config schemas into fs/assets, where skaffold embeds them from."""
    progress.run("embedded files", ["bash", "hack/generate-embedded-files.sh"], log, cwd=src)


def _node() -> str:
    node = shutil.which("node")
    wanted = f"install Node.js >= {NODE_MAJOR} (https://nodejs.org) to build tilt's web UI"
    if node is None:
        raise UnavailableError(f"Node.js not found: {wanted}")
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    major = re.match(r"v(\d+)\.", version)
    if major is None or int(major.group(1)) < NODE_MAJOR:
        raise UnavailableError(f"Node.js {version or '(unknown version)'} is too old: {wanted}")
    return node


def _npm_registry() -> str | None:
    npm = shutil.which("npm")
    if npm is None:
        return None
    done = subprocess.run([npm, "config", "get", "registry"], capture_output=True, text=True)
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None
