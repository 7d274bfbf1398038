"""A Debug Adapter Protocol client, enough to drive debugpy the way VS Code does.

It attaches over TCP, follows every new server process the reloader starts (debugpy's
`debugpyAttach` event, which VS Code answers with a child session), sets the same
breakpoints in each, and reports where the debuggee stopped.
Protocol: https://microsoft.github.io/debug-adapter-protocol/specification
"""

import contextlib
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# A DAP message, or the body or arguments of one: JSON objects.
Message = dict[str, Any]


class DapError(Exception):
    pass


class Session:
    """One DAP connection: requests with their responses, events as they arrive."""

    def __init__(self, host: str, port: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.create_connection((host, port), timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.sock.settimeout(None)
        self.seq = itertools.count(1)
        self.lock = threading.Condition()
        self.responses: dict[int, Message] = {}
        self.events: list[Message] = []
        # Called from the reader thread with each event.
        self.on_event: Callable[[Session, Message], None] | None = None
        self.closed = False
        self.ended = False  # the debuggee exited (a reloaded server does)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.sock.makefile("rb")
        try:
            while True:
                length = None
                while (line := stream.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode().partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                if length is None:
                    break
                message: Message = json.loads(stream.read(length))
                if message["type"] == "event" and self.on_event:
                    self.on_event(self, message)
                with self.lock:
                    if message["type"] == "response":
                        self.responses[message["request_seq"]] = message
                    elif message["type"] == "event":
                        self.events.append(message)
                        self.ended |= message["event"] == "terminated"
                    self.lock.notify_all()
        except OSError:
            pass
        finally:
            with self.lock:
                self.closed = True
                self.lock.notify_all()

    def send(self, command: str, arguments: Message | None = None) -> int:
        seq = next(self.seq)
        body = json.dumps(
            {"seq": seq, "type": "request", "command": command, "arguments": arguments or {}}
        ).encode()
        self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return seq

    def response(self, seq: int, timeout: float = 10.0) -> Message:
        with self.lock:
            if not self.lock.wait_for(lambda: seq in self.responses or self.closed, timeout):
                raise TimeoutError(f"no response to request {seq} in {timeout} s")
            if seq not in self.responses:
                raise DapError("the debug adapter closed the connection")
            message = self.responses.pop(seq)
        if not message["success"]:
            raise DapError(f"{message['command']}: {message.get('message')}")
        body: Message = message.get("body") or {}
        return body

    def request(
        self, command: str, arguments: Message | None = None, timeout: float = 10.0
    ) -> Message:
        return self.response(self.send(command, arguments), timeout)

    def event(self, name: str, timeout: float = 10.0) -> Message:
        """The first event called name not taken yet."""
        with self.lock:

            def found() -> Message | None:
                return next((e for e in self.events if e["event"] == name), None)

            message = None
            if self.lock.wait_for(lambda: found() or self.closed, timeout):
                message = found()
            if message is None:
                raise TimeoutError(f"no {name!r} event in {timeout} s")
            self.events.remove(message)
        body: Message = message.get("body") or {}
        return body

    def close(self) -> None:
        self.sock.close()


@dataclass
class Stop:
    session: Session
    thread_id: int
    path: str
    line: int
    frame_id: int

    def evaluate(self, expression: str) -> str:
        """The value's repr in this frame, as a watch expression shows it."""
        arguments = {"expression": expression, "frameId": self.frame_id, "context": "watch"}
        result: str = self.session.request("evaluate", arguments)["result"]
        return result

    def resume(self) -> None:
        self.session.request("continue", {"threadId": self.thread_id})


class Debugger:
    """What an IDE does on attach: configure the session, follow its child processes."""

    def __init__(self, host: str, port: int, path_mappings: list[Message] | None = None) -> None:
        self.host, self.port = host, port
        self.config = {"justMyCode": True, "subProcess": True, "pathMappings": path_mappings or []}
        self.breakpoints: dict[str, list[int]] = {}
        self.sessions: list[Session] = []
        self.stops: list[Stop] = []
        self.changed = threading.Condition()
        self.errors: list[BaseException] = []

    def attach(self, timeout: float = 10.0) -> Session:
        return self._start({"request": "attach", **self.config}, timeout)

    def _start(self, config: Message, timeout: float) -> Session:
        session = Session(self.host, self.port, timeout)
        session.on_event = self._on_event
        session.request(
            "initialize",
            {
                "clientID": "tests",
                "adapterID": "debugpy",
                "pathFormat": "path",
                "linesStartAt1": True,
                "columnsStartAt1": True,
            },
        )
        attach = session.send("attach", config)
        session.event("initialized", timeout)
        for path, lines in self.breakpoints.items():
            self._set(session, path, lines)
        session.request("configurationDone")
        session.response(attach, timeout)
        with self.changed:
            self.sessions.append(session)
            self.changed.notify_all()
        return session

    def _on_event(self, session: Session, message: Message) -> None:
        if message["event"] == "debugpyAttach":  # a new process: VS Code starts a child session
            threading.Thread(target=self._follow, args=(message["body"],), daemon=True).start()
        elif message["event"] == "stopped":
            threading.Thread(
                target=self._record_stop, args=(session, message["body"]), daemon=True
            ).start()

    def _follow(self, config: Message) -> None:
        try:
            self._start(config, 10.0)
        except BaseException as error:  # surfaced by wait_for_stop
            with self.changed:
                self.errors.append(error)
                self.changed.notify_all()

    def _record_stop(self, session: Session, body: Message) -> None:
        try:
            frame = session.request("stackTrace", {"threadId": body["threadId"]})["stackFrames"][0]
            stop = Stop(
                session, body["threadId"], frame["source"]["path"], frame["line"], frame["id"]
            )
        except BaseException as error:
            stop, self.errors = None, [*self.errors, error]
        with self.changed:
            if stop:
                self.stops.append(stop)
            self.changed.notify_all()

    def _set(self, session: Session, path: str, lines: list[int]) -> None:
        session.request(
            "setBreakpoints",
            {"source": {"path": path}, "breakpoints": [{"line": n} for n in lines]},
        )

    def set_breakpoints(self, path: str, lines: list[int]) -> None:
        """In every session, as an IDE does when a breakpoint is toggled."""
        self.breakpoints[path] = lines
        for session in list(self.sessions):
            if not session.ended:
                self._set(session, path, lines)

    def wait_for_stop(self, timeout: float = 15.0) -> Stop:
        with self.changed:
            if not self.changed.wait_for(lambda: self.stops or self.errors, timeout):
                raise TimeoutError(f"no breakpoint hit in {timeout} s")
            if self.errors:
                raise self.errors[0]
            return self.stops.pop(0)

    def wait_for_session(self, timeout: float = 15.0, newer_than: Session | None = None) -> Session:
        """The newest child session (a server process), once it is configured."""

        def found() -> bool:
            return len(self.sessions) > 1 and self.sessions[-1] is not newer_than

        with self.changed:
            if not self.changed.wait_for(lambda: found() or self.errors, timeout):
                raise TimeoutError(f"no server process to debug in {timeout} s")
            if self.errors:
                raise self.errors[0]
            return self.sessions[-1]

    def wait_until_ended(self, session: Session, timeout: float = 15.0) -> None:
        with session.lock:
            if not session.lock.wait_for(lambda: session.ended or session.closed, timeout):
                raise TimeoutError(f"the debugged process did not end in {timeout} s")

    def close(self) -> None:
        for session in self.sessions:
            with contextlib.suppress(DapError, OSError, TimeoutError):
                session.request("disconnect", {"terminateDebuggee": False}, timeout=2)
            session.close()
