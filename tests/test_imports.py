"""The doors between the top-level packages open one way.

app/ (the service) and hotreload/ (the reloader that runs it) import neither each other nor
any test or benchmark code. harness/ is what tests/ and bench/ share, and nothing outside
tests/ imports tests. tests/system runs in the images, where only the standard library,
pytest, requests and the suite itself are.
"""

import ast
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from harness.prerequisites import ROOT

# Code under each directory, and the packages it may not import.
BANNED = {
    "app": ("tests", "harness", "bench", "hotreload"),
    # It never imports the project's code: nothing stale survives a reload.
    "hotreload": ("app", "tests", "harness", "bench"),
}
# Everywhere else outside tests/.
BANNED_ELSEWHERE = ("tests",)
SYSTEM_SUITE = Path("tests/system")
# What tests/system may import besides the standard library: what its images hold.
SYSTEM_SUITE_ALLOWED = ("pytest", "requests", "tests.system")


def python_files(root: Path, under: Path = Path()) -> Iterator[Path]:
    """The .py files below root/under, relative to root; no hidden or cache directories."""
    for directory, subdirectories, files in os.walk(root / under):
        subdirectories[:] = sorted(
            d for d in subdirectories if not d.startswith(".") and d != "__pycache__"
        )
        for name in sorted(files):
            if name.endswith(".py"):
                yield (Path(directory) / name).relative_to(root)


def imports(root: Path, path: Path) -> Iterator[tuple[int, str, str]]:
    """(line, each module or name it imports in full, the statement) for every import in
    path, relative ones resolved from its directory."""
    for node in ast.walk(ast.parse((root / path).read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, ast.unparse(node)
        elif isinstance(node, ast.ImportFrom):
            module = [node.module] if node.module else []
            if node.level:  # from . (its directory), from .. (the one above), ...
                module = [*path.parent.parts[: len(path.parent.parts) - node.level + 1], *module]
            for alias in node.names:
                yield node.lineno, ".".join([*module, alias.name]), ast.unparse(node)


def within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == package or name.startswith(f"{package}.") for package in packages)


def violations(root: Path) -> list[str]:
    found = []
    for path in python_files(root):
        top = path.parts[0] if len(path.parts) > 1 else ""
        if top == "tests":
            continue
        banned = BANNED.get(top, BANNED_ELSEWHERE)
        where = f"{top}/" if top else "the top level"
        for line, name, statement in imports(root, path):
            if within(name, banned):
                rule = f"{where} imports none of {', '.join(banned)}"
                found.append(f"{path}:{line}: {statement}  ({rule})")
    for path in python_files(root, SYSTEM_SUITE):
        for line, name, statement in imports(root, path):
            stdlib = name.partition(".")[0] in sys.stdlib_module_names
            if not stdlib and not within(name, SYSTEM_SUITE_ALLOWED):
                rule = f"{SYSTEM_SUITE}/ imports only the standard library and "
                rule += ", ".join(SYSTEM_SUITE_ALLOWED)
                found.append(f"{path}:{line}: {statement}  ({rule})")
    return found


def test_no_package_imports_through_a_one_way_door() -> None:
    found = violations(ROOT)
    assert not found, "imports against the layering:\n" + "\n".join(found)


def test_each_import_against_the_rules_is_named_with_its_file_and_line(tmp_path: Path) -> None:
    files = {
        "app/main.py": "import os\nfrom tests.checkout import copy_project\n",
        "hotreload/child.py": "from hotreload import bytecode\nfrom . import watcher\n",
        "hotreload/supervisor.py": "def load():\n    import app.main\n",
        "bench/reload.py": "from harness.server import free_port\nimport tests.prerequisites\n",
        "harness/debugger/scenario.py": "from ..live_edit import LiveEdit\nfrom tests import x\n",
        "offline/tests/test_tools.py": "from tests.system.service import request_count\n",
        "tests/runtime/test_it.py": "from app import main\nfrom harness import images\n",
        "tests/system/conftest.py": "import os\nimport pytest\nfrom .service import wait\n",
        "tests/system/test_it.py": "import requests\nfrom harness.server import free_port\n",
    }
    for name, source in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(source)

    found = violations(tmp_path)

    assert [entry.partition("  (")[0] for entry in found] == [
        "app/main.py:2: from tests.checkout import copy_project",
        "bench/reload.py:2: import tests.prerequisites",
        "harness/debugger/scenario.py:2: from tests import x",
        "hotreload/supervisor.py:2: import app.main",
        "offline/tests/test_tools.py:1: from tests.system.service import request_count",
        "tests/system/test_it.py:2: from harness.server import free_port",
    ]
    assert found[0].endswith("(app/ imports none of tests, harness, bench, hotreload)")
