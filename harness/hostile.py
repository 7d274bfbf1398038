"""The production server with a route that reads its whole body, for hostile clients to try."""

import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import requests  # type: ignore[import-untyped, unused-ignore]  # no stubs in the types group

from harness.server import server_process

# The production server plus a route that reads its whole body, as a team's first POST will.
SERVER_WITH_BODY_ROUTE = """
from fastapi import Request
from app.server import build_server
from app.settings import load_settings

server = build_server(load_settings())

@server.config.app.post("/body")
async def body(request: Request) -> dict:
    return {"bytes": len(await request.body())}

server.run()
"""


class Server:
    def __init__(self, root: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.root, self.pid, self.log = root, process.pid, log
        parts = urlsplit(root)
        self.address = (parts.hostname, parts.port)

    def connect(self) -> socket.socket:
        return socket.create_connection(self.address, timeout=10)

    def exchange(self, request: bytes) -> bytes:
        """Send request, read until the server closes the connection."""
        with self.connect() as sock:
            sock.sendall(request)
            return read_all(sock)

    def memory_mb(self, field: str = "VmRSS") -> float:
        """VmRSS now, or VmHWM: the most the worker has held since it started."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith(field))
        return kib / 1024

    def healthy(self) -> bool:
        try:
            return requests.get(f"{self.root}/healthz", timeout=5).status_code == 200
        except requests.RequestException:
            return False


def read_all(sock: socket.socket) -> bytes:
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except ConnectionResetError:
        pass  # closed with unread data of ours still in its buffer: what came is the answer
    return b"".join(chunks)


@contextmanager
def server_with_body_route(log: Path, **settings: str) -> Iterator[Server]:
    argv = [sys.executable, "-c", SERVER_WITH_BODY_ROUTE]
    with server_process(argv=argv, log=log, **settings) as (root, process):
        yield Server(root, process, log)
