"""The children's reports to the supervisor: a pipe each, one JSON object a line.

The watcher says {"watching": true} once no save can be missed, then {"changed": [paths]}
per batch (watcher.py); a server says {"ready": true} once it serves, then {"modules":
[names]}, the installed modules it imported (child.py).
"""

import json
import os
from collections.abc import Iterator
from typing import Any, Literal

Message = dict[str, Any]


class ReportPipe:
    """A child's pipe: buffers its bytes and hands back the message of each whole line."""

    def __init__(self, kind: Literal["watcher", "server"], pid: int, fd: int) -> None:
        self.kind, self.pid, self.fd = kind, pid, fd  # pid 0: the watcher thread
        self.buffer = b""

    def read(self) -> Iterator[Message] | None:
        """The messages of the lines completed by what the pipe holds; None once it is closed."""
        data = os.read(self.fd, 65536)
        if not data:
            return None
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        return (json.loads(line) for line in lines)
