"""The supervisor: owns the socket, keeps installed libraries imported, forks a server per change.

It stays single-threaded (the watcher runs in its own process) so that forking is safe. Its
loop waits on the children's report pipes (reports.py) and on signals (signals.py), and
decides; the parts keep their own state: the watcher (watching.py), the spare server
(spare.py), the handover from old servers to new (handover.py), forking (forking.py).
"""

import os
import selectors
import signal
import socket
from pathlib import Path

from hotreload import child, processes
from hotreload.forking import Forking, Target, fork
from hotreload.handover import Handover
from hotreload.log import log
from hotreload.preload import preload
from hotreload.reports import Message, ReportPipe
from hotreload.signals import SignalQueue, restart
from hotreload.spare import Spare
from hotreload.watching import Watcher


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class Supervisor:
    def __init__(self, app: str, host: str, port: int, watch: list[Path]) -> None:
        self.app, self.host, self.port, self.watch = app, host, port, watch
        self.selector = selectors.DefaultSelector()
        self.signals = SignalQueue()
        self.forking = Forking()
        self.watcher = Watcher(watch)
        self.spare = Spare(self.fork, self.serve)
        self.handover = Handover()

    # -- processes -----------------------------------------------------------------------

    def fork(self, target: Target) -> tuple[int, int]:
        return fork(target, self.selector)

    def serve(self, report_fd: int) -> int:
        """In a forked child: load the project and serve it."""
        return child.serve(self.app, self.sock, self.watch, report_fd)

    def start_watcher(self) -> None:
        """A forked process while forking is safe; else a thread (under a debugger, whose
        every new process becomes a debug session)."""
        fd = self.watcher.fork(self.fork) if self.forking.enabled else self.watcher.thread()
        pipe = ReportPipe("watcher", self.watcher.pid or 0, fd)
        self.selector.register(fd, selectors.EVENT_READ, pipe)

    def start_server(self) -> None:
        if not self.forking.safe():
            self.spare.drop()
            pid, fd = child.spawn(self.app, self.sock, self.watch)
        else:
            pid, fd = self.spare.wake() or self.fork(self.serve)
        self.handover.started(pid)
        self.selector.register(fd, selectors.EVENT_READ, ReportPipe("server", pid, fd))

    def reap(self) -> None:
        for pid, status in processes.reaped():
            if pid == self.spare.pid:
                self.spare.drop()
            elif self.handover.exited(pid, status):
                self.start_server()

    # -- events --------------------------------------------------------------------------

    def on_watcher_message(self, message: Message) -> None:
        if message.get("watching"):
            if self.watcher.watching():  # it sees every save from now on
                self.start_server()
        elif "changed" in message:
            self.on_changes(message["changed"])

    def on_changes(self, paths: list[str]) -> None:
        shown = ", ".join(os.path.relpath(p) for p in paths[:3]) + (
            " ..." if len(paths) > 3 else ""
        )
        self.reload(f"changed: {shown}")

    def reload(self, reason: str) -> None:
        log(f"{reason}; reloading")
        self.handover.pause_all()
        self.start_server()

    def on_server_message(self, pid: int, message: Message) -> None:
        if "modules" in message and self.forking.enabled:
            imported = preload(message["modules"])
            # A spare forked before these libraries were preloaded would import them itself.
            if self.forking.safe() and (imported or self.spare.pid is None):
                self.spare.refork()
        if message.get("ready"):
            self.handover.ready(pid)

    def on_signals(self, signals: list[int]) -> bool:
        """Handle queued signals; False means stop."""
        if signal.SIGTERM in signals or signal.SIGINT in signals:
            return False  # before reaping: a server that Ctrl-C ended is not to be restarted
        for sig in signals:
            if sig == signal.SIGCHLD:
                self.reap()
            elif sig == signal.SIGHUP and not self.forking.enabled:
                self.reload("SIGHUP: libraries changed")  # a fresh interpreter imports them
            elif sig == signal.SIGHUP:
                log("SIGHUP: restarting with fresh libraries")
                self.stop()
                restart()
        return True

    # -- main loop -----------------------------------------------------------------------

    def run(self) -> None:
        self.sock = bind(self.host, self.port)
        self.selector.register(self.signals.install(), selectors.EVENT_READ)
        watched = ", ".join(os.path.relpath(d) for d in self.watch)
        log(f"serving {self.app} on http://{self.host}:{self.port}, watching {watched}")
        self.forking.safe()
        self.start_watcher()
        try:
            while self.loop_once():
                pass
        finally:
            self.stop()

    def loop_once(self) -> bool:
        waiting = self.handover.changing or self.watcher.awaited
        events = self.selector.select(timeout=1.0 if waiting else None)
        if self.watcher.overdue():
            self.start_server()
        self.handover.check_slow_start()
        for key, _ in events:
            pipe: ReportPipe | None = key.data
            if pipe is None:  # the signals' wake-up pipe
                if not self.on_signals(self.signals.take()):
                    return False
                continue
            messages = pipe.read()
            if messages is None:  # the child closed its pipe: it is exiting
                self.selector.unregister(key.fd)
                os.close(key.fd)
                if pipe.kind == "watcher":
                    log("file watcher exited; stopping")
                    return False
                continue
            for message in messages:
                if pipe.kind == "watcher":
                    self.on_watcher_message(message)
                else:
                    self.on_server_message(pipe.pid, message)
        return True

    def stop(self) -> None:
        """Terminate every child and wait for them, killing any that overstays."""
        children = self.handover.pids() | {p for p in (self.watcher.pid, self.spare.pid) if p}
        self.spare.drop()
        processes.end(children)
        self.handover.clear()
        self.sock.close()
