"""Image sizes, rebuild time after a one-line change, container start to first ready answer."""

import os
import re
import subprocess
import time
from pathlib import Path

from bench.common import ROOT, summary
from harness.checkout import copy_project
from harness.images import build, docker
from harness.live_edit import LiveEdit
from harness.server import free_port, wait_ready

# The Dockerfile's base image, where it is pinned; the images build from PYTHON_IMAGE instead
# when it is set (make sets it to the offline kit's stand-in where no registry answers).
PINNED_BASE = re.search(r"^ARG PYTHON_IMAGE=(\S+)", (ROOT / "Dockerfile").read_text(), re.M)[1]
BASE = os.environ.get("PYTHON_IMAGE") or PINNED_BASE

STARTS = 5


def size_mb(image: str) -> float:
    return int(docker("image", "inspect", "--format", "{{.Size}}", image).stdout) / 1e6


def rebuild_seconds(project: Path) -> float:
    build("fastapi-service:bench-rebuild", context=project)  # warm: every layer cached
    route = LiveEdit(project).path
    route.write_text(route.read_text() + "\n# a one-line change\n")
    start = time.monotonic()
    build("fastapi-service:bench-rebuild", context=project)
    return time.monotonic() - start


def start_to_ready(image: str) -> list[float]:
    samples = []
    for _ in range(STARTS):
        port = free_port()
        start = time.monotonic()
        cid = docker(
            "run",
            "--detach",
            "--read-only",
            "--tmpfs",
            "/tmp",
            "--publish",
            f"127.0.0.1:{port}:8000",
            image,
        ).stdout.strip()
        try:
            wait_ready(f"http://127.0.0.1:{port}/readyz")
            samples.append(time.monotonic() - start)
        finally:
            docker("rm", "--force", cid, check=False)
    return samples


def run(scratch: Path) -> dict:
    production = build("fastapi-service:bench", target="production")
    development = build("fastapi-service:bench-dev", target="development")
    k6 = build("fastapi-service-k6:bench", target="k6")
    base = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{.Size}}", BASE],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {
        "size_mb": {
            "production": size_mb(production),
            "development": size_mb(development),
            "k6": size_mb(k6),
            f"base {BASE}": int(base) / 1e6,
        },
        "rebuild_after_one_line_change_s": rebuild_seconds(copy_project(scratch / "image")),
        "start_to_ready_s": summary(start_to_ready(production)),
    }
