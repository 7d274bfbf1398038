"""A service generated from this checkout with copier, and commands run in it."""

import subprocess
from pathlib import Path

from harness.checkout import GIT_IDENTITY, commit_all, copy_project
from harness.prerequisites import ROOT, tool_env

NAME = "orders-api"


def generated_project_env(**extra: str) -> dict[str, str]:
    # Copier's first-commit task needs an author; the machine may have none configured.
    env = tool_env(**GIT_IDENTITY, **extra)
    env.pop("VIRTUAL_ENV", None)  # the generated project's own .venv, not this one's
    return env


def run(*args: str, cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    env = generated_project_env()
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (
        f"{' '.join(args)}:\n{result.stdout[-4000:]}{result.stderr[-4000:]}"
    )
    return result


def template_repository(destination: Path) -> Path:
    """The checkout's files as they are now, committed as the one commit of a new repository."""
    return commit_all(copy_project(destination), "the template")


def copier(*args: str, vcs_ref: str | None = "HEAD") -> subprocess.CompletedProcess:
    """`copier` from this checkout's environment, trusted and answering with the defaults;
    vcs_ref None for a template that is a plain folder."""
    ref = [f"--vcs-ref={vcs_ref}"] if vcs_ref else []
    return run("uv", "run", "copier", *args, "--trust", "--defaults", *ref, cwd=ROOT)


def copier_copy(template: Path, target: Path, *answers: str, vcs_ref: str = "HEAD") -> None:
    """`copier copy` of the template at vcs_ref, answering `name` and each of `answers`."""
    data = [arg for answer in (f"name={NAME}", *answers) for arg in ("--data", answer)]
    copier("copy", *data, str(template), str(target), vcs_ref=vcs_ref)


def generate(target: Path, *answers: str) -> Path:
    """A new service in target, with its environment synced and this machine's pinned tools."""
    copier_copy(template_repository(target.parent / f"{target.name}-template"), target, *answers)
    (target / ".tools").symlink_to(ROOT / ".tools")  # the pinned tools, built once per machine
    run("uv", "sync", "--locked", cwd=target)
    return target
