"""Closing a listener without resetting the connections the kernel already accepted for it.

Closing a listening socket resets every connection still in its accept queue, and clients
that had sent a request there lose it. So before the server closes it: a socket filter drops
new SYNs (a client retries, then finds the port closed: refused, never reset), handshakes
under way still complete, and the event loop accepts what is queued until the queue is empty.
Linux only; elsewhere, or where a sandbox forbids socket filters, the queue is still
accepted before the close, without the filter.
"""

import asyncio
import ctypes
import logging
import socket
import struct
import sys
import time

log = logging.getLogger(__name__)

_SO_ATTACH_FILTER = 26
# Classic BPF over the TCP header: ldb [13] (flags); and #0x12 (SYN|ACK); jeq #0x02 (a new
# SYN) -> ret 0 (drop); else ret -1 (accept).
_DROP_NEW_SYNS = (
    (0x30, 0, 0, 13),
    (0x54, 0, 0, 0x12),
    (0x15, 0, 1, 0x02),
    (0x06, 0, 0, 0),
    (0x06, 0, 0, 0xFFFFFFFF),
)
# tcp_info.tcpi_unacked: for a listening socket, the length of its accept queue.
_TCPI_UNACKED_OFFSET = 24


def refuse_new_connections(sock: socket.socket) -> None:
    """Drop SYNs arriving from now on; a socket-like object (asyncio, uvloop) will do."""
    code = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *i) for i in _DROP_NEW_SYNS))
    program = struct.pack("HL", len(_DROP_NEW_SYNS), ctypes.addressof(code))
    sock.setsockopt(socket.SOL_SOCKET, _SO_ATTACH_FILTER, program)  # the kernel copies it


def queued(sock: socket.socket) -> int:
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    except OSError:
        return 0  # not to be known here: close as before
    unacked: int = struct.unpack_from("I", info, _TCPI_UNACKED_OFFSET)[0]
    return unacked


async def empty_accept_queues(sockets: list[socket.socket], limit_seconds: float = 2.0) -> None:
    """Refuse new connections, then wait while the running server accepts the queued ones."""
    if sys.platform != "linux" or not sockets:
        return
    try:
        for sock in sockets:
            refuse_new_connections(sock)
    except OSError as exc:  # some sandboxes forbid socket filters: then drain what is queued
        log.info("new connections not filtered at shutdown (%s): draining the queue only", exc)
    deadline = time.monotonic() + limit_seconds
    # Polled: the queue is kernel state, and no event tells when it empties.
    while any(queued(sock) for sock in sockets) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.005)
