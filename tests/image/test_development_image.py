"""The development image: hot reload when files are synced in with tar, as Tilt does."""

import io
import tarfile
import time

import pytest
import requests

from harness.images import ROOT, container, docker
from harness.live_edit import PATH, ROUTE, LiveEdit
from harness.server import free_port, wait_ready

pytestmark = pytest.mark.docker


def tar_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_source_belongs_to_the_runtime_user(development_image):
    owner = docker(
        "run", "--rm", "--entrypoint", "stat", development_image, "-c", "%u", "/srv", "/srv/app"
    )
    assert owner.stdout.split() == ["10001", "10001"]


def test_tar_sync_as_non_root_is_served_after_reload(development_image):
    port = free_port()
    changed = LiveEdit(ROOT).edited_source("Synced")
    with container(development_image, "--cap-drop", "ALL", port=port) as cid:
        url = f"http://127.0.0.1:{port}{PATH}"
        wait_ready(url)
        payload = tar_of({f"srv/{ROUTE}": changed})
        synced = docker(
            "exec",
            "-i",
            "--user",
            "10001:10001",
            cid,
            "tar",
            "-C",
            "/",
            "-x",
            "-f",
            "-",
            input=payload.decode("latin-1"),
        )
        assert synced.returncode == 0
        wait_ready(url, timeout=10, body='{"status":"Synced"}')
        assert requests.get(url, timeout=1).json() == {"status": "Synced"}
        logs = docker("logs", cid).stderr
        assert "serving new code" in logs
