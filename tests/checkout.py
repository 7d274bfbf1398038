"""A scratch copy of the checkout, for tests and benchmarks that edit source files."""

import shutil
import subprocess
from pathlib import Path

from tests.prerequisites import ROOT


def copy_project(destination: Path, share_environment: bool = False) -> Path:
    """The checkout's files (tracked and new, not ignored) under destination.

    share_environment links the checkout's .venv and .tools (uv checks the environment
    against the lock, so the copy runs the same code with the same tools).
    """
    names = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, names):
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    if share_environment:
        (destination / ".venv").symlink_to(ROOT / ".venv")
        (destination / ".tools").symlink_to(ROOT / ".tools")
    return destination
