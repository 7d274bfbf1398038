"""copier's first-commit task where it must not, or cannot, commit: the files are never lost."""

import os
import subprocess
import sys
from pathlib import Path

from harness.checkout import GIT_IDENTITY, git
from harness.prerequisites import ROOT

SCRIPT = ROOT / "scripts" / "template" / "first_commit.py"


def first_commit(root: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--template-commit", "abc1234"],
        cwd=root,
        env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_without_an_identity_the_files_stay_staged_and_it_says_what_to_run(tmp_path):
    (tmp_path / "app.py").write_text("print('hi')\n")
    identity = {name: "" for name in GIT_IDENTITY}  # empty: git must find its own, and cannot
    no_guessing = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "user.useConfigOnly"}
    result = first_commit(tmp_path, **identity, **no_guessing, GIT_CONFIG_VALUE_0="true")
    assert result.returncode == 0, result.stderr
    assert "git commit -m" in result.stderr
    assert git("status", "--porcelain", cwd=tmp_path) == "A  app.py\n"


def test_inside_a_repository_it_commits_nothing(tmp_path):
    git("init", "--quiet", cwd=tmp_path)
    service = tmp_path / "services" / "orders-api"
    service.mkdir(parents=True)
    (service / "app.py").write_text("print('hi')\n")
    result = first_commit(service, **GIT_IDENTITY)
    assert result.returncode == 0, result.stderr
    assert "inside a git repository already" in result.stdout
    assert not (service / ".git").exists()
    assert git("status", "--porcelain", cwd=tmp_path) == "?? services/\n"
