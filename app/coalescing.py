"""A transport that sends each response with one system call instead of two.

uvicorn writes a response's status line and headers, then its body, each straight to the
socket. Holding the writes made during one turn of the event loop and sending them together
served about 40% more requests per second on small JSON responses (`make bench`).

The unit is the loop turn, not the response: flushing each response on its own measured about
a quarter fewer requests per second for no gain in p99.
"""

import asyncio
from typing import Any

# Past this many held bytes, write through: large bodies must reach the transport's own
# buffer so that its flow control (pause_writing) holds back the sender.
WRITE_THROUGH_BYTES = 64 * 1024


class CoalescingTransport:
    """A transport that holds writes until the end of the current event-loop turn."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []
        self._held_bytes = 0
        self._flush_scheduled = False

    def write(self, data: bytes) -> None:
        self._held.append(data)
        self._held_bytes += len(data)
        if self._held_bytes >= WRITE_THROUGH_BYTES:
            self.flush()
        elif not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self._scheduled_flush)

    def flush(self) -> None:
        if not self._held:
            return
        data = b"".join(self._held)
        self._held.clear()
        self._held_bytes = 0
        if not self._transport.is_closing():  # the peer is gone: nobody to send to
            self._transport.write(data)

    def _scheduled_flush(self) -> None:
        self._flush_scheduled = False
        self.flush()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    # The rest of what uvicorn calls, passed through. Listed rather than forwarded wholesale:
    # a write path added to uvicorn later must fail loudly here, not bypass the held bytes.
    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._transport.set_protocol(protocol)
