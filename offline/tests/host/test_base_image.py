"""ensure-base-image.sh where the pinned digest cannot be pulled: the image under its tag stands
in, and the tag is recorded for make to pass as PYTHON_IMAGE (a digest-pinned FROM cannot
resolve to a local image without that digest). Real engine, a throwaway image name."""

import io
import os
import subprocess
import tarfile
import uuid
from pathlib import Path

import pytest

from harness.prerequisites import ROOT, docker

pytestmark = pytest.mark.docker

SCRIPT = ROOT / "offline" / "host" / "ensure-base-image.sh"
STANDIN_LABEL = "dev.fastapi-service.standin=true"


@pytest.fixture
def tag():
    """A tag no registry serves; the images made under it are removed after."""
    cli = docker()
    name = f"fastapi-service-test/base:{uuid.uuid4().hex[:12]}"
    yield name
    subprocess.run([cli, "rmi", "--force", name], capture_output=True, check=False)


def make_image(tag: str, *changes: str) -> None:
    """An empty image under `tag` (docker import of an empty tar), with LABEL changes."""
    empty = io.BytesIO()
    tarfile.open(fileobj=empty, mode="w").close()
    command = ["docker", "import", *[f"--change=LABEL {c}" for c in changes], "-", tag]
    subprocess.run(command, input=empty.getvalue(), capture_output=True, check=True)


def ensure(pinned: str, record: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "PYTHON_IMAGE"}
    environment |= {"BASE_IMAGE_RECORD": str(record), **env}
    return subprocess.run(
        [SCRIPT, pinned], env=environment, capture_output=True, text=True, timeout=180, check=False
    )


def pinned(tag: str) -> str:
    return f"{tag}@sha256:{'0' * 64}"


def test_a_stand_in_built_earlier_is_kept_and_recorded(tag, tmp_path):
    make_image(tag, STANDIN_LABEL)
    done = ensure(pinned(tag), tmp_path / "python-image")
    assert done.returncode == 0, done.stderr
    assert f"keeping the stand-in {tag}" in done.stderr
    assert (tmp_path / "python-image").read_text() == f"{tag}\n"


def test_an_official_image_under_the_tag_is_used_and_recorded(tag, tmp_path):
    make_image(tag, "org.opencontainers.image.description=official")
    done = ensure(pinned(tag), tmp_path / "python-image")
    assert done.returncode == 0, done.stderr
    assert f"using the official {tag} this engine already has" in done.stderr
    assert (tmp_path / "python-image").read_text() == f"{tag}\n"


def test_nothing_is_done_when_you_set_python_image(tag, tmp_path):
    done = ensure(pinned(tag), tmp_path / "python-image", PYTHON_IMAGE="mirror.example/python:3")
    assert done.returncode == 0, done.stderr
    assert "PYTHON_IMAGE=mirror.example/python:3 is set" in done.stderr
    assert not (tmp_path / "python-image").exists()


def test_a_base_not_pinned_by_digest_is_refused(tag, tmp_path):
    done = ensure(tag, tmp_path / "python-image")
    assert done.returncode == 1
    assert "is not NAME:TAG@sha256:DIGEST" in done.stderr
