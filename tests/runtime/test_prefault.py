"""The spare's prefault: after it, a forked child's memory is its own, not its parent's."""

import mmap
import os
import sys

import pytest

from hotreload.prefault import populate_writable_memory

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="MADV_POPULATE_WRITE is Linux's")

BALLAST = 32 << 20


def private_dirty_kib() -> int:
    with open("/proc/self/smaps_rollup") as rollup:
        return next(int(line.split()[1]) for line in rollup if line.startswith("Private_Dirty:"))


def populated_in_a_child() -> tuple[int, int]:
    """A forked child's private dirty memory before and after it populates."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        before = private_dirty_kib()
        populate_writable_memory()
        os.write(write_fd, f"{before} {private_dirty_kib()}".encode())
        os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd) as report:
        before, after = map(int, report.read().split())
    os.waitpid(pid, 0)
    return before, after


def test_a_forked_child_owns_the_parents_pages_once_populated():
    ballast = bytearray(b"x" * BALLAST)  # written by the parent: shared with the child after fork
    before, after = populated_in_a_child()
    assert len(ballast) == BALLAST
    assert after - before >= 0.9 * BALLAST / 1024, (before, after)


def test_a_reserved_mapping_the_parent_barely_used_is_not_allocated():
    def copied() -> int:
        before, after = populated_in_a_child()
        return after - before

    without = copied()
    flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS
    with mmap.mmap(-1, 8 * BALLAST, flags=flags) as reserved:
        reserved[0] = 1  # a page of it resident, the rest only reserved
        with_it = copied()
    assert with_it - without < BALLAST / 1024, (without, with_it)
