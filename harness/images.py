"""Build the project's images and run containers from them, for tests and benchmarks."""

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harness.prerequisites import ROOT

BUILD_ENV = {**os.environ, "DOCKER_BUILDKIT": "1"}


def base_image_args() -> list[str]:
    """The build argument choosing the base, as make, Tilt, Skaffold and compose pass it:
    PYTHON_IMAGE when set (a mirror, the offline kit's stand-in), else the Dockerfile's pin."""
    image = os.environ.get("PYTHON_IMAGE")
    return ["--build-arg", f"PYTHON_IMAGE={image}"] if image else []


def docker(*args: str, check: bool = True, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], check=check, capture_output=True, text=True, env=BUILD_ENV, **kwargs
    )


def build(tag: str, target: str | None = None, context: Path = ROOT) -> str:
    args = ["build", "--quiet", *base_image_args(), "--tag", tag]
    if target:
        args += ["--target", target]
    result = docker(*args, str(context), check=False)
    if result.returncode != 0:
        raise RuntimeError(f"docker build of {tag} failed:\n{result.stderr[-3000:]}")
    return tag


@contextmanager
def container(image: str, *run_args: str, port: int) -> Iterator[str]:
    """Run image detached with its port 8000 on 127.0.0.1:port; yield the container id."""
    cid = docker("run", "--detach", "--publish", f"127.0.0.1:{port}:8000", *run_args, image).stdout
    cid = cid.strip()
    try:
        yield cid
    finally:
        docker("rm", "--force", cid, check=False)
