"""The installed modules a server imported, imported in the supervisor: the next fork has them."""

import contextlib
import importlib
import sys


def preload(names: list[str]) -> bool:
    """Import what the server imported from installed code; True if any of it was new."""
    new = [name for name in names if name not in sys.modules]
    for name in new:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    # Not merely attempted: a module that fails here would otherwise re-fork the spare.
    return any(name in sys.modules for name in new)
