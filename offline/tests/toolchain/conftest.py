"""Fixtures: a release server on 127.0.0.1 and an installer workspace in a temporary directory."""

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from offline.tests.toolchain.fakes import ReleaseServer, Workspace


@pytest.fixture
def release_server(tmp_path: Path) -> Iterator[ReleaseServer]:
    server = ReleaseServer(tmp_path / "releases")
    server.root.mkdir()

    class Handler(SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests.append(self.path)
            super().do_GET()

        def log_message(self, *args: object) -> None:
            """Quiet: the tests read `requests` instead."""

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=server.root))
    server.url = f"http://127.0.0.1:{httpd.server_port}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    space = Workspace(
        pins=tmp_path / "versions.toml",
        bin_dir=tmp_path / "tools" / "bin",
        cache=tmp_path / "cache",
        path_dir=tmp_path / "path",
    )
    space.path_dir.mkdir()
    return space
