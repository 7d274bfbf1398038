"""The repository's own code passes its linters (ruff for Python, shellcheck for shell)."""

import subprocess
import sys
from pathlib import Path

from tests.prerequisites import ROOT, tool

SHELL_SCRIPTS = sorted(
    str(p.relative_to(ROOT)) for p in [*ROOT.glob("scripts/**/*.sh"), ROOT / ".ci" / "run"]
)


def run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_lint_and_format():
    ruff = str(Path(sys.executable).parent / "ruff")
    for args in (("check", "."), ("format", "--check", ".")):
        result = run(ruff, *args)
        assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck():
    assert SHELL_SCRIPTS
    result = run(tool("shellcheck"), "-x", *SHELL_SCRIPTS)
    assert result.returncode == 0, result.stdout + result.stderr
