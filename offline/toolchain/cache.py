"""Where binaries and build trees live outside the repo, so every clone on a machine shares them.

Beside each cached binary, `<tool>.sha256` records the sha256 it had when this machine produced
it (sha256sum's format), so a binary changed or cut short since is never taken for it.
"""

import hashlib
import os
import re
from pathlib import Path

from pins import Tool


def root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "fastapi-service" / "tools"


def binary(tool: Tool) -> Path:
    """The cached binary: keyed by version and recipe, so a changed pin never reuses it."""
    return root() / tool.name / f"{tool.version}-{tool.recipe}" / tool.name


def record(tool: Tool) -> Path:
    return binary(tool).with_name(f"{tool.name}.sha256")


def recorded_sha256(tool: Tool) -> str | None:
    """The sha256 recorded for the cached binary; None if there is no readable record."""
    try:
        text = record(tool).read_text()
    except OSError:
        return None
    found = re.fullmatch(r"([0-9a-f]{64})  \S+\n", text)
    return found[1] if found else None


def write_record(tool: Tool, sha: str) -> None:
    """Write the record under a temporary name, then rename: never a half-written one."""
    partial = record(tool).with_name(f".{tool.name}.sha256.partial")
    partial.write_text(f"{sha}  {tool.name}\n")
    os.replace(partial, record(tool))


def discard(tool: Tool) -> None:
    binary(tool).unlink(missing_ok=True)
    record(tool).unlink(missing_ok=True)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def work_dir(tool: Tool) -> Path:
    return root() / "work" / f"{tool.name}-{tool.version}"
