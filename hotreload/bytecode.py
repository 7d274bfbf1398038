"""Checked-hash bytecode for the watched sources: each pyc is validated by its source's content.

Python's default pyc is valid while the source's size and mtime, in whole seconds, match it:
two saves of the same size within one second would serve the first save's code. A pyc made
checked-hash (PEP 552) stays checked-hash whenever the import system rewrites it, so each
source is converted once: the watcher converts them all as it starts, and each changed one
before it reports the change.
"""

import contextlib
import importlib.util
import py_compile
import sys
from collections.abc import Iterable
from pathlib import Path

# The pyc header's flags word: hash-based (bit 0), checked against the source (bit 1).
_CHECKED_HASH = (0b11).to_bytes(4, "little")


def is_checked_hash(pyc: Path) -> bool:
    """A pyc of this interpreter that the import system validates by the source's hash."""
    try:
        with pyc.open("rb") as stream:
            header = stream.read(8)
    except OSError:
        return False
    return header == importlib.util.MAGIC_NUMBER + _CHECKED_HASH


def make_checked_hash(sources: Iterable[Path]) -> None:
    """Compile each .py source whose pyc is missing or mtime-validated; nothing when Python
    writes no bytecode. A source that does not compile is left to the server to report."""
    if sys.dont_write_bytecode:
        return
    for source in sources:
        if source.suffix != ".py":
            continue
        pyc = Path(importlib.util.cache_from_source(str(source)))
        if is_checked_hash(pyc):
            continue
        with contextlib.suppress(py_compile.PyCompileError, OSError):
            py_compile.compile(
                str(source),
                cfile=str(pyc),
                doraise=True,
                invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH,
            )
