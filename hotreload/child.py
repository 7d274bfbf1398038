"""The server process: import the project's app, serve it on the inherited socket.

Reports to the supervisor, one JSON line each: `ready` once it is serving, then the installed
modules it imported, uvicorn's own included (the supervisor preloads them so the next fork
skips them). Forked, it runs serve(); spawned as a fresh interpreter (spawn()), main().
"""

import asyncio
import json
import os
import socket
import sys
import sysconfig
import traceback
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from types import FrameType
from typing import Any, Literal

import uvicorn
from uvicorn.importer import import_from_string

from hotreload.processes import die_with_parent
from hotreload.reports import Message

# ASGI's callables, as far as the error app needs them.
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Installed code, which the supervisor may keep imported across reloads.
# Both spellings of each path: a module's __file__ keeps a symlinked venv's path unresolved.
_INSTALLED = tuple(
    {
        spelling
        for name in ("stdlib", "platstdlib", "purelib", "platlib")
        for spelling in (sysconfig.get_path(name), str(Path(sysconfig.get_path(name)).resolve()))
    }
)


def installed_modules(project_dirs: list[Path]) -> list[str]:
    project = tuple(str(d) for d in project_dirs)
    names: list[str] = []
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if path and path.startswith(_INSTALLED) and not path.startswith(project):
            names.append(name)
    return sorted(names)


def error_app(message: str) -> ASGIApp:
    """An ASGI app that answers every request with the import error, until the next save."""
    body = message.encode()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        await send(
            {
                "type": "http.response.start",
                "status": 500,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return app


class ReportingServer(uvicorn.Server):
    """A uvicorn server that reports readiness and stops accepting the moment it is told to exit."""

    def __init__(
        self,
        config: uvicorn.Config,
        report: Callable[[Message], None],
        project_dirs: list[Path] | None,
    ) -> None:
        super().__init__(config)
        self.report = report
        self.project_dirs = project_dirs  # None: serving the import error, nothing to preload
        self.loop: asyncio.AbstractEventLoop | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.loop = asyncio.get_running_loop()
        if not self.should_exit:
            self.report({"ready": True})
            # After startup: what uvicorn imports as it loads its protocol and lifespan counts.
            if self.project_dirs is not None:
                self.report({"modules": installed_modules(self.project_dirs)})

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        # uvicorn notices should_exit only on its next 0.1 s tick; a newer child is already
        # serving, so close the listener now and let it take every new connection.
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self._stop_accepting)

    def _stop_accepting(self) -> None:
        for server in self.servers:
            server.close()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # A connection accepted just before the listener closed has not sent its request
        # yet, and uvicorn would drop it as idle; give its request time to arrive.
        await asyncio.sleep(0.1)
        await super().shutdown(sockets)


def serve(app_path: str, sock: socket.socket, project_dirs: list[Path], report_fd: int) -> int:
    stream = os.fdopen(report_fd, "w", buffering=1)

    def report(message: Message) -> None:
        stream.write(json.dumps(message) + "\n")

    app: ASGIApp
    lifespan: Literal["auto", "off"]
    preload_from: list[Path] | None
    try:
        app = import_from_string(app_path)
    except BaseException:  # any error in the project's code, SyntaxError and SystemExit included
        text = traceback.format_exc()
        print(
            f"[hotreload] cannot load {app_path}; fix it and save again:\n{text}", file=sys.stderr
        )
        app, lifespan = error_app(f"hotreload: cannot load {app_path}\n\n{text}"), "off"
        preload_from = None
    else:
        lifespan, preload_from = "auto", project_dirs
    config = uvicorn.Config(
        app,
        lifespan=lifespan,
        access_log=False,  # the app logs its own requests
        log_config=None,  # the app configures logging
        timeout_graceful_shutdown=2,
    )
    ReportingServer(config, report, preload_from).run(sockets=[sock])
    return 0


def spawn(app_path: str, sock: socket.socket, project_dirs: list[Path]) -> tuple[int, int]:
    """A fresh interpreter running main(), for when forking the supervisor is unsafe; return
    (pid, read end of its report pipe)."""
    read_fd, write_fd = os.pipe()
    os.set_inheritable(write_fd, True)
    argv = [sys.executable, "-m", "hotreload.child", app_path, str(sock.fileno())]
    argv += [str(write_fd), *map(str, project_dirs)]
    pid = os.posix_spawn(sys.executable, argv, os.environ)
    os.close(write_fd)
    return pid, read_fd


def main() -> None:
    """python -m hotreload.child APP SOCKET_FD REPORT_FD WATCH_DIR..., as spawn() runs it."""
    app_path, sock_fd, report_fd, *watch = sys.argv[1:]
    die_with_parent()
    sock = socket.socket(fileno=int(sock_fd))
    sys.exit(serve(app_path, sock, [Path(d) for d in watch], int(report_fd)))


if __name__ == "__main__":
    main()
