"""The supervisor: owns the socket, keeps installed libraries imported, forks a server per change.

It stays single-threaded (the watcher runs in its own process) so that forking is safe.
"""

import contextlib
import ctypes
import importlib
import json
import logging
import os
import selectors
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from hotreload import child, watcher
from hotreload.prefault import populate_writable_memory

# How long a replaced or stopping server may take to finish in-flight requests.
STOP_TIMEOUT = 5.0
# A new server that is not serving this long after a change is reported (a hung import).
SLOW_START_SECONDS = 5.0
# A server that dies this soon after it started is not restarted until the next change.
CRASH_LOOP_SECONDS = 2.0
# The first server waits for the watcher to watch, so that no save after its import is missed;
# this long at most, should a watchfiles release stop saying so.
WATCHER_START_SECONDS = 10.0


def log(message: str) -> None:
    print(f"[hotreload] {message}", file=sys.stderr, flush=True)


def die_with_parent() -> None:
    """Linux: have the kernel kill this process if the supervisor dies, even by SIGKILL.
    SIGKILL, as a server paused for a reload would never handle a SIGTERM."""
    if sys.platform == "linux":
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


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
        self.current: int | None = None  # the newest server; older ones are being replaced
        self.replaced: set[int] = set()
        self.pending_signals: list[int] = []
        self.change_started: float | None = None
        self.slow_start_reported = False
        self.current_started = 0.0
        self.watcher_pid: int | None = None
        self.watcher_started: float | None = None  # until it reports that it is watching
        self.spare: _Spare | None = None
        self.forking = True

    # -- processes -----------------------------------------------------------------------

    def fork(self, target) -> tuple[int, int]:
        """Fork a child that runs target(write_fd); return (pid, read end of its pipe)."""
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.close(read_fd)
                self.selector.close()
                signal.set_wakeup_fd(-1)
                for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD):
                    signal.signal(sig, signal.SIG_DFL)
                die_with_parent()
                code = target(write_fd)
            finally:
                # os._exit skips interpreter clean-up: write out what logging still buffers.
                logging.shutdown()
                os._exit(code or 0)
        os.close(write_fd)
        return pid, read_fd

    def start_watcher(self) -> None:
        """A forked process while forking is safe; else a thread (under a debugger, whose
        every new process becomes a debug session)."""
        if self.forking:
            pid, fd = self.fork(lambda w: watcher.run(self.watch, w))
            self.watcher_pid = pid
        else:
            pid, (fd, write_fd) = 0, os.pipe()
            thread = threading.Thread(target=watcher.report, args=(self.watch, write_fd))
            thread.daemon = True
            thread.start()
        self.selector.register(fd, selectors.EVENT_READ, ("watcher", pid, _LineReader(fd)))
        self.watcher_started = time.monotonic()

    def on_watching(self) -> None:
        """The watcher sees every save from now on: start the first server."""
        if self.watcher_started is not None:
            self.watcher_started = None
            self.start_server()

    def check_watcher_start(self) -> None:
        if self.watcher_started is None:
            return
        if time.monotonic() - self.watcher_started >= WATCHER_START_SECONDS:
            log(
                "the file watcher has not said it is watching within "
                f"{WATCHER_START_SECONDS:.0f} s; serving anyway (a save until it watches may "
                "be missed)"
            )
            self.on_watching()

    def spawn_server(self) -> tuple[int, int]:
        """A fresh interpreter running child.main: for when forking this process is unsafe."""
        read_fd, write_fd = os.pipe()
        os.set_inheritable(write_fd, True)
        argv = [sys.executable, "-m", "hotreload.child", self.app, str(self.sock.fileno())]
        argv += [str(write_fd), *map(str, self.watch)]
        pid = os.posix_spawn(sys.executable, argv, os.environ)
        os.close(write_fd)
        return pid, read_fd

    def fork_is_safe(self) -> bool:
        """False once this process has threads (a preloaded library started them): a fork
        copies only the forking thread, and locks the others held stay locked in the child."""
        if not self.forking:
            return False
        threads = _thread_count()
        if threads > 1:
            self.forking = False
            who = "debugpy" if "debugpy" in sys.modules else "the preloaded libraries"
            log(
                f"{who} started {threads - 1} thread(s), which makes forking "
                "unsafe: each reload now starts a fresh interpreter (slower)"
            )
        return self.forking

    def fork_spare(self) -> None:
        """Fork the next server ahead of the change it will serve: it waits to be told to load
        the project, so a reload does not wait for the fork and the child's set-up."""
        self.drop_spare()
        go_read, go_write = os.pipe()

        def wait_then_serve(report_fd: int) -> int:
            os.close(go_write)
            populate_writable_memory()
            if not os.read(go_read, 1):  # dropped, or the supervisor is gone
                return 0
            return child.serve(self.app, self.sock, self.watch, report_fd)

        pid, fd = self.fork(wait_then_serve)
        os.close(go_read)
        self.spare = _Spare(pid, fd, go_write)

    def wake_spare(self) -> tuple[int, int] | None:
        """The spare's (pid, report pipe), now loading the project; None without a live one."""
        spare, self.spare = self.spare, None
        if spare is None:
            return None
        try:
            os.write(spare.go_fd, b"g")
        except BrokenPipeError:  # it died and is not reaped yet
            os.close(spare.report_fd)
            return None
        finally:
            os.close(spare.go_fd)
        return spare.pid, spare.report_fd

    def drop_spare(self) -> None:
        if self.spare is not None:
            os.close(self.spare.go_fd)  # it reads the end of the pipe and exits
            os.close(self.spare.report_fd)
            self.spare = None

    def start_server(self) -> None:
        if not self.fork_is_safe():
            self.drop_spare()
            pid, fd = self.spawn_server()
        else:
            pid, fd = self.wake_spare() or self.fork(
                lambda w: child.serve(self.app, self.sock, self.watch, w)
            )
        if self.current is not None:
            self.replaced.add(self.current)
        self.current = pid
        self.current_started = time.monotonic()
        self.selector.register(fd, selectors.EVENT_READ, ("server", pid, _LineReader(fd)))

    def signal_each(self, pids: set[int], *signals: signal.Signals) -> None:
        for pid in pids:
            for sig in signals:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)

    def terminate(self, pids: set[int]) -> None:
        # SIGCONT after: a paused server handles its SIGTERM once it runs again.
        self.signal_each(pids, signal.SIGTERM, signal.SIGCONT)

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.replaced.discard(pid)
            if self.spare is not None and pid == self.spare.pid:
                self.drop_spare()
            elif pid == self.current:
                self.current = None
                if self.change_started is not None:  # it never served: the last good code does
                    self.change_started = None
                    self.signal_each(self.replaced, signal.SIGCONT)
                if time.monotonic() - self.current_started < CRASH_LOOP_SECONDS:
                    log(f"server exited ({_describe(status)}) as it started; waiting for a change")
                else:
                    log(f"server exited ({_describe(status)}); starting a new one")
                    self.start_server()

    # -- events --------------------------------------------------------------------------

    def on_watcher_message(self, message: dict) -> None:
        if message.get("watching"):
            self.on_watching()
        elif "changed" in message:
            self.on_changes(message["changed"])

    def on_changes(self, paths: list[str]) -> None:
        shown = ", ".join(os.path.relpath(p) for p in paths[:3]) + (
            " ..." if len(paths) > 3 else ""
        )
        self.reload(f"changed: {shown}")

    def reload(self, reason: str) -> None:
        log(f"{reason}; reloading")
        self.change_started = time.monotonic()
        self.slow_start_reported = False
        # Paused until the new code serves, the old servers answer nothing after the change:
        # new connections wait on the shared socket for the new server to accept them.
        self.signal_each({p for p in (self.current, *self.replaced) if p}, signal.SIGSTOP)
        self.start_server()

    def check_slow_start(self) -> None:
        if self.change_started is None or self.slow_start_reported:
            return
        waited = time.monotonic() - self.change_started
        if waited >= SLOW_START_SECONDS:
            self.slow_start_reported = True
            self.signal_each(self.replaced, signal.SIGCONT)
            log(
                f"the new code is not serving after {waited:.0f} s (an import that does not "
                "return?); the last good code keeps serving until the next save"
            )

    def on_server_message(self, pid: int, message: dict) -> None:
        if "modules" in message and self.forking:
            imported = self.preload(message["modules"])
            # A spare forked before these libraries were preloaded would import them itself.
            if self.fork_is_safe() and (imported or self.spare is None):
                self.fork_spare()
        if message.get("ready") and pid == self.current:
            if self.change_started is not None:
                elapsed = time.monotonic() - self.change_started
                log(f"serving new code {elapsed:.3f} s after the change")
                self.change_started = None
            self.terminate(self.replaced)

    def preload(self, names: list[str]) -> bool:
        """Import what the server imported from installed code; True if any of it was new."""
        new = [name for name in names if name not in sys.modules]
        for name in new:
            with contextlib.suppress(Exception):
                importlib.import_module(name)
        # Not merely attempted: a module that fails here would otherwise re-fork the spare.
        return any(name in sys.modules for name in new)

    def on_signals(self) -> bool:
        """Handle queued signals; False means stop."""
        signals, self.pending_signals = self.pending_signals, []
        if signal.SIGTERM in signals or signal.SIGINT in signals:
            return False  # before reaping: a server that Ctrl-C ended is not to be restarted
        for sig in signals:
            if sig == signal.SIGCHLD:
                self.reap()
            elif sig == signal.SIGHUP and not self.forking:
                self.reload("SIGHUP: libraries changed")  # a fresh interpreter imports them
            elif sig == signal.SIGHUP:
                log("SIGHUP: restarting with fresh libraries")
                self.stop()
                # Held until the new process is ready for it: a SIGHUP arriving meanwhile
                # would otherwise kill it, and is already served by this restart.
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
                os.execv(  # noqa: S606 - re-exec ourselves with the same arguments
                    sys.executable, [sys.executable, "-m", "hotreload", *sys.argv[1:]]
                )
        return True

    # -- main loop -----------------------------------------------------------------------

    def run(self) -> None:
        self.sock = bind(self.host, self.port)
        wakeup_read, wakeup_write = os.pipe()
        os.set_blocking(wakeup_write, False)
        signal.set_wakeup_fd(wakeup_write)
        # A SIGHUP held across the restart that made this process asked for what it is now.
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGHUP})
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD):
            signal.signal(sig, lambda s, _: self.pending_signals.append(s))
        self.selector.register(wakeup_read, selectors.EVENT_READ, ("signal", 0, None))
        watched = ", ".join(os.path.relpath(d) for d in self.watch)
        log(f"serving {self.app} on http://{self.host}:{self.port}, watching {watched}")
        self.fork_is_safe()
        self.start_watcher()
        try:
            while self.loop_once():
                pass
        finally:
            self.stop()

    def loop_once(self) -> bool:
        waiting = self.change_started is not None or self.watcher_started is not None
        events = self.selector.select(timeout=1.0 if waiting else None)
        self.check_watcher_start()
        self.check_slow_start()
        for key, _ in events:
            kind, pid, reader = key.data
            if kind == "signal":
                os.read(key.fd, 512)
                if not self.on_signals():
                    return False
                continue
            lines = reader.read_lines()
            if lines is None:  # the child closed its pipe: it is exiting
                self.selector.unregister(key.fd)
                os.close(key.fd)
                if kind == "watcher":
                    log("file watcher exited; stopping")
                    return False
                continue
            for line in lines:
                if kind == "watcher":
                    self.on_watcher_message(json.loads(line))
                else:
                    self.on_server_message(pid, json.loads(line))
        return True

    def stop(self) -> None:
        """Terminate every child and wait for them, killing any that overstays."""
        spare = self.spare.pid if self.spare else None
        self.drop_spare()
        children = self.replaced | {p for p in (self.current, self.watcher_pid, spare) if p}
        self.terminate(children)
        deadline = time.monotonic() + STOP_TIMEOUT
        while children and time.monotonic() < deadline:
            for pid in list(children):
                with contextlib.suppress(ChildProcessError):
                    if os.waitpid(pid, os.WNOHANG)[0] == 0:
                        continue
                children.discard(pid)
            time.sleep(0.02)
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        self.current, self.replaced = None, set()
        self.sock.close()


@dataclass(frozen=True)
class _Spare:
    pid: int
    report_fd: int  # registered with the selector once it serves
    go_fd: int  # a byte written here: load the project and serve


class _LineReader:
    """Buffers a pipe's bytes and hands back whole lines."""

    def __init__(self, fd: int) -> None:
        self.fd, self.buffer = fd, b""

    def read_lines(self) -> list[bytes] | None:
        data = os.read(self.fd, 65536)
        if not data:
            return None
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        return lines


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"


def _thread_count() -> int:
    """This process's threads, native ones included where /proc shows them."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()
