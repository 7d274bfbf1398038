"""Copy a forked spare's memory before it is needed, not page by page as its reload runs.

A forked child shares its parent's pages until it writes to one; Python writes to almost every
object it touches (reference counts), so a reload otherwise spends a share of its time on
copy-on-write faults. MADV_POPULATE_WRITE (Linux 5.14) takes those faults at once.
"""

import contextlib
import ctypes
import sys
from collections.abc import Iterator

MADV_POPULATE_WRITE = 23


def populate_writable_memory() -> None:
    """Fault in the private writable mappings this process mostly uses; nothing where the
    kernel or libc does not offer it."""
    if sys.platform != "linux":
        return
    with contextlib.suppress(OSError, AttributeError):
        madvise = ctypes.CDLL(None, use_errno=True).madvise
        madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        for start, end in _mostly_resident_mappings():
            madvise(start, end - start, MADV_POPULATE_WRITE)


def _mostly_resident_mappings() -> Iterator[tuple[int, int]]:
    """Private writable mappings at least half resident: populating a reserved, barely used
    one (a thread's stack, an allocator's arena) would allocate all of it."""
    with open("/proc/self/smaps") as smaps:
        mapping = None
        for line in smaps:
            fields = line.split()
            if "-" in fields[0]:  # a mapping's header: range, permissions, offset, dev, inode, name
                name = fields[5] if len(fields) > 5 else ""
                private_writable = fields[1][1:4:2] == "wp" and not name.startswith("[v")
                start, end = (int(address, 16) for address in fields[0].split("-"))
                mapping = (start, end) if private_writable else None
            elif fields[0] == "Rss:" and mapping is not None:
                start, end = mapping
                if int(fields[1]) * 1024 * 2 >= end - start:
                    yield mapping
