"""A scratch copy of the checkout, for tests and benchmarks that edit source files."""

import os
import shutil
import subprocess
from pathlib import Path

from harness.prerequisites import ROOT


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


# Commits in scratch repositories need an author; the machine may have none configured.
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **GIT_IDENTITY},
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def commit_all(project: Path, message: str = "scratch") -> Path:
    """Make project a repository whose one commit holds every file (for git-reading tools)."""
    git("init", "--quiet", cwd=project)
    git("add", "--all", cwd=project)
    git("commit", "--quiet", "-m", message, cwd=project)
    return project
