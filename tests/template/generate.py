"""A service generated from this checkout's HEAD with copier, and commands run in it."""

import subprocess
from pathlib import Path

from tests.prerequisites import ROOT, tool_env

NAME = "orders-api"


def generated_project_env(**extra: str) -> dict[str, str]:
    env = tool_env(**extra)
    env.pop("VIRTUAL_ENV", None)  # the generated project's own .venv, not this one's
    return env


def run(*args: str, cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    env = generated_project_env()
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (
        f"{' '.join(args)}:\n{result.stdout[-4000:]}{result.stderr[-4000:]}"
    )
    return result


def copier_copy(template: Path, target: Path, *answers: str) -> None:
    """`copier copy` of the template's HEAD, answering `name` and each of `answers`."""
    data = [arg for answer in (f"name={NAME}", *answers) for arg in ("--data", answer)]
    run(
        "uv",
        "run",
        "copier",
        "copy",
        "--trust",
        "--defaults",
        "--vcs-ref=HEAD",
        *data,
        str(template),
        str(target),
        cwd=ROOT,
    )


def generate(target: Path, *answers: str) -> Path:
    """A new service in target, with its environment synced and this machine's pinned tools."""
    copier_copy(ROOT, target, *answers)
    (target / ".tools").symlink_to(ROOT / ".tools")  # the pinned tools, built once per machine
    run("uv", "sync", "--locked", cwd=target)
    return target
