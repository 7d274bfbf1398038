"""The repository's own code passes its linters (ruff for Python, shellcheck for shell)."""

from tests.prerequisites import ROOT, run_tool

SHELL_SCRIPTS = sorted(
    str(p.relative_to(ROOT))
    for p in [*ROOT.glob("scripts/**/*.sh"), *ROOT.glob("offline/**/*.sh"), ROOT / ".ci" / "run"]
)


def test_ruff_lint_and_format():
    for args in (("check", "."), ("format", "--check", ".")):
        result = run_tool("ruff", *args)
        assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck():
    assert SHELL_SCRIPTS
    result = run_tool("shellcheck", "-x", *SHELL_SCRIPTS)
    assert result.returncode == 0, result.stdout + result.stderr
