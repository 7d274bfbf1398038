"""Where binaries and build trees live outside the repo, so every clone on a machine shares them."""

import os
from pathlib import Path

from pins import Tool


def root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "fastapi-service" / "tools"


def binary(tool: Tool) -> Path:
    """The cached binary: keyed by version and recipe, so a changed pin never reuses it."""
    return root() / tool.name / f"{tool.version}-{tool.recipe}" / tool.name


def work_dir(tool: Tool) -> Path:
    return root() / "work" / f"{tool.name}-{tool.version}"
