"""The reloader's own lines on stderr, told apart from the app's by their prefix."""

import sys


def log(message: str) -> None:
    print(f"[hotreload] {message}", file=sys.stderr, flush=True)
