"""Turn a copy of this repository into a team's own service: copier's task after it copies
(copier.yml), so `copier update` renders the old and new template versions the same way.

    python3 scripts/template/make_it_yours.py --name orders-api [--no-examples]

Renames the service everywhere (files, folders, images, chart, release, cluster, caches) and,
with --no-examples, removes the example routes and everything that belongs to them only.
Every edit names the text it expects: if the repository moved on, it stops with the file.
"""

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

TEMPLATE_NAME = "fastapi-service"
NAME = re.compile(r"^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$")

SKIPPED = {".git", ".venv", ".tools", ".out", "__pycache__", ".pytest_cache", ".ruff_cache"}

EXAMPLE_FILES = ["app/routes/hello.py", "tests/unit/test_hello.py", "tests/system/test_hello.py"]
# (file, text the example adds, what stays without it)
EXAMPLE_EDITS = [
    (
        "app/main.py",
        "from app.routes import health, hello, metrics",
        "from app.routes import health, metrics",
    ),
    ("app/main.py", "    app.include_router(hello.router)\n", ""),
]


def fail(message: str) -> None:
    sys.exit(f"make_it_yours: {message}")


def project_files(root: Path) -> list[Path]:
    """Every file but those of tools and environments (never part of the template)."""
    return [
        path
        for path in root.rglob("*")
        if path.is_file() and not SKIPPED & set(path.relative_to(root).parts)
    ]


def rename(root: Path, name: str) -> None:
    replacements = [
        (TEMPLATE_NAME, name),
        (TEMPLATE_NAME.replace("-", "_"), name.replace("-", "_")),
    ]
    for path in project_files(root):
        try:
            text = path.read_text()
        except (UnicodeDecodeError, FileNotFoundError):
            continue  # binary (images) or already moved
        new = text
        for old, replacement in replacements:
            new = new.replace(old, replacement)
        if new != text:
            path.write_text(new)
    renamed = [p for p in root.rglob(f"*{TEMPLATE_NAME}*") if not SKIPPED & set(p.parts)]
    for path in sorted(renamed, key=lambda p: -len(p.parts)):
        target = path.with_name(path.name.replace(TEMPLATE_NAME, name))
        if path.is_dir() and target.is_dir():  # `copier update` wrote the template's folder too
            shutil.copytree(path, target, dirs_exist_ok=True)
            shutil.rmtree(path)
        else:
            path.replace(target)


def edit(root: Path, file: str, old: str, new: str) -> None:
    path = root / file
    text = path.read_text()
    if old not in text:
        fail(f"{file} no longer holds {old.strip()!r}; update EXAMPLE_EDITS in {__file__}")
    path.write_text(text.replace(old, new))


def remove_examples(root: Path) -> None:
    for file in EXAMPLE_FILES:
        (root / file).unlink(missing_ok=True)
    for file, old, new in EXAMPLE_EDITS:
        edit(root, file, old, new)
    requests = root / "load" / "requests.json"
    kept = [r for r in json.loads(requests.read_text()) if not r.get("example")]
    requests.write_text(json.dumps(kept, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True, help="the service's name, e.g. orders-api")
    parser.add_argument("--no-examples", action="store_true", help="remove the example routes")
    parser.add_argument("--root", type=Path, default=Path.cwd())
    args = parser.parse_args()
    if not NAME.match(args.name):
        fail(f"--name {args.name!r}: 1-40 lowercase letters, digits and dashes, from a letter")
    if args.no_examples:
        remove_examples(args.root)
    if args.name != TEMPLATE_NAME:
        rename(args.root, args.name)


if __name__ == "__main__":
    main()
