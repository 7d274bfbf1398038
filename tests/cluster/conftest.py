"""A kind cluster for the cluster tests: the one ctlptl.yaml describes, created by
`make cluster-up` (`make e2e` has made its images available first) and deleted by
`make cluster-down` after the last test.
"""

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import prerequisites
from tests.cluster.cluster import (
    CONTEXT,
    KIND_NAME,
    REGISTRY,
    Cluster,
    containers,
    kind_clusters,
    make,
    run,
)
from tests.cluster.mission import FIGURES


@pytest.fixture(scope="session", autouse=True)
def this_runs_figures_only() -> None:
    """.out/e2e.json holds the latest run's figures, none older (docs/benchmarks.md shows them
    as that run's)."""
    FIGURES.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    prerequisites.docker()
    for name in ("ctlptl", "kind", "kubectl"):
        prerequisites.tool(name)
    if KIND_NAME in kind_clusters() or containers(REGISTRY):
        if not prerequisites.in_ci():
            pytest.skip(
                f"cluster {CONTEXT} or {REGISTRY} already exists: `make cluster-down` first"
            )
        make("cluster-down")

    start = time.monotonic()
    make("cluster-up")
    try:
        yield Cluster(CONTEXT, time.monotonic() - start)
    finally:
        make("cluster-down", check=False)


@pytest.fixture(scope="session")
def probe_image() -> str:
    """A tiny image built here and pushed to the local registry: Debian's static busybox."""
    docker = prerequisites.docker()
    if shutil.which("apt-get") is None:
        prerequisites.missing("apt-get not found: the probe image is Debian's busybox-static")
    with tempfile.TemporaryDirectory() as work:
        result = subprocess.run(
            ["apt-get", "download", "busybox-static"],
            cwd=work,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            prerequisites.missing(f"apt-get download busybox-static failed: {result.stderr[-500:]}")
        deb = next(Path(work).glob("busybox-static_*.deb"))
        rootfs = Path(work) / "rootfs"
        run("dpkg-deb", "-x", str(deb), str(rootfs))
        image = "fastapi-service/cluster-probe:test"
        layer = Path(work) / "probe.tar"
        run("tar", "-C", str(rootfs), "-cf", str(layer), "bin/busybox")
        run(docker, "import", "--change", 'ENTRYPOINT ["/bin/busybox"]', str(layer), image)
    return image


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """test_down.py deletes the session's cluster: run it after every other test."""
    last = [item for item in items if item.path.name == "test_down.py"]
    items[:] = [item for item in items if item not in last] + last
