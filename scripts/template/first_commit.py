"""Make a newly generated service its team's own git repository: copier's last task on copy.

    python3 scripts/template/first_commit.py --template-commit <the template's commit>

Initialises a repository (branch `main` unless git's init.defaultBranch says otherwise) and
commits every generated file, so `copier update` can run from the start. A folder already inside
a repository (a monorepo) is left to its owners. If git cannot commit (no user.name, a hook), the
files stay staged and the message says what to run: the generated service is never lost.
"""

import argparse
import subprocess
import sys
from pathlib import Path


def git(*args: str, root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template-commit", required=True, help="recorded in the message")
    parser.add_argument("--root", type=Path, default=Path.cwd())
    args = parser.parse_args()
    root = args.root
    if git("rev-parse", "--is-inside-work-tree", root=root).returncode == 0:
        print(f"first_commit: {root} is inside a git repository already; nothing committed")
        return 0
    configured = git("config", "--get", "init.defaultBranch", root=root).stdout.strip()
    git("init", "--quiet", f"--initial-branch={configured or 'main'}", root=root)
    git("add", "--all", root=root)
    message = f"Generate {root.name} from the template at {args.template_commit}"
    committed = git("commit", "--quiet", "--message", message, root=root)
    if committed.returncode != 0:
        print(
            f"first_commit: git could not commit ({committed.stderr.strip()});"
            " the files are staged: run `git commit -m 'Generate the service'` in"
            f" {root}, then `copier update` works",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
