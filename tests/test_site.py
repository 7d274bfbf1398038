"""The documentation: the site (mkdocs.yml, docs/) builds with `mkdocs build --strict` and
loads nothing from the network, and every relative link of README.md, which mkdocs does not
read, names a file of the repository (and a heading of it, for an anchor)."""

import fnmatch
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from harness.prerequisites import ROOT, missing

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^\s*(```|~~~)")
# A page may link out (<a href>), but nothing it shows or runs may come from elsewhere.
REMOTE_ASSET = re.compile(
    r"<(?:script|img|iframe|source)\b[^>]*\bsrc=\"(?:https?:)?//"
    r"|<link\b(?![^>]*\brel=\"(?:next|prev|canonical)\")[^>]*\bhref=\"(?:https?:)?//"
    r"|@import\s+url\(\"?(?:https?:)?//"
)


def mkdocs(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    for module in ("mkdocs", "material"):
        if importlib.util.find_spec(module) is None:
            missing(f"{module} is not installed: `make sync` installs the docs group")
    # A fetch at build time would fail here rather than pass unnoticed.
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "NO_PROXY": "", "no_proxy": ""}
    env |= {name: "http://127.0.0.1:9" for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = mkdocs(
        "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(out)
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}{result.stderr}"
    return out


def test_the_site_builds_strictly_with_every_page(site):
    pages = {
        p.relative_to(ROOT / "docs").with_suffix(".html") for p in (ROOT / "docs").rglob("*.md")
    }
    built = {p.relative_to(site) for p in site.rglob("*.html")}
    assert pages <= built, sorted(map(str, pages - built))


def test_the_site_loads_nothing_from_the_network(site):
    remote = [
        f"{path.relative_to(site)}: {match.group(0)}"
        for path in site.rglob("*")
        if path.suffix in {".html", ".css", ".js"}
        for match in REMOTE_ASSET.finditer(path.read_text(errors="replace"))
    ]
    assert remote == []


def test_links_into_the_repository_show_as_paths_and_broken_links_fail(tmp_path):
    """The hook (scripts/docs/repository_links.py) takes links out of docs/; mkdocs the rest."""
    for part in ("docs", "scripts/docs"):
        shutil.copytree(ROOT / part, tmp_path / part)
    shutil.copy(ROOT / "mkdocs.yml", tmp_path)
    for page in (ROOT / "docs").rglob("*.md"):  # what the pages link to, outside docs/
        for _, target, _ in repository_targets(page):
            if not target.is_relative_to(ROOT / "docs"):
                copy = tmp_path / target.relative_to(ROOT)
                if target.is_dir():
                    copy.mkdir(parents=True, exist_ok=True)
                else:
                    copy.parent.mkdir(parents=True, exist_ok=True)
                    copy.touch()
    (tmp_path / "Makefile").write_text("all:\n")
    index = tmp_path / "docs" / "index.md"
    index.write_text(index.read_text() + "\nSee [the Makefile](../Makefile).\n")
    result = mkdocs("build", "--site-dir", str(tmp_path / "site"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "See the Makefile (<code>Makefile</code>)."
        in (tmp_path / "site" / "index.html").read_text()
    )

    index.write_text(
        index.read_text()
        + "\n[gone](../no-such-file.md) [lost](no-such-page.md) [x](ci.md#nowhere)\n"
    )
    result = mkdocs("build", "--site-dir", str(tmp_path / "site"), cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "links to '../no-such-file.md', which is not in the repository" in output
    assert "no-such-page.md" in output
    assert "#nowhere" in output


def slug(heading: str) -> str:
    """GitHub's anchor for a heading (and mkdocs' for the headings these files have)."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def links(markdown: Path) -> list[str]:
    found, fenced = [], False
    for line in markdown.read_text().splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            found += LINK.findall(re.sub(r"`[^`]*`", "", line))
    return found


def repository_targets(markdown: Path) -> list[tuple[str, Path, str]]:
    """(link, the file it names, its anchor) for each relative link of a markdown file."""
    targets = []
    for link in links(markdown):
        if re.match(r"[a-z][a-z0-9+.-]*:", link) or link.startswith(("#", "/")):
            continue
        path, _, anchor = link.partition("#")
        targets.append((link, (markdown.parent / path).resolve(), anchor))
    return targets


def test_every_relative_link_in_the_readme_names_a_file_and_heading():
    broken = []
    for link, target, anchor in repository_targets(ROOT / "README.md"):
        if not target.is_relative_to(ROOT) or not target.exists():
            broken.append(f"{link}: no such file")
        elif anchor and target.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", target.read_text(), re.M)
            if anchor not in {slug(h) for h in headings}:
                broken.append(f"{link}: no heading #{anchor} in {target.relative_to(ROOT)}")
    assert broken == []


def matches(path: str, patterns: list[str]) -> bool:
    """Whether a gitignore-style pattern (as copier's _exclude has them) takes path."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    return any(
        fnmatch.fnmatch(prefix, pattern) or ("/" not in pattern and fnmatch.fnmatch(part, pattern))
        for pattern in patterns
        for prefix, part in zip(prefixes, parts, strict=True)
    )


def test_no_link_names_a_file_a_new_service_goes_without():
    """copier leaves out its _exclude and, without the examples, their files: a link to one
    would break the generated service's own `make test`."""
    copier = ROOT / "copier.yml"
    if not copier.exists():
        pytest.skip("not the template: copier.yml is not here")
    patterns = [p.rstrip("/") for p in yaml.safe_load(copier.read_text())["_exclude"]]
    excluded = [p for p in patterns if not p.startswith("!")]
    kept = [p[1:] for p in patterns if p.startswith("!")]
    spec = importlib.util.spec_from_file_location(
        "make_it_yours", ROOT / "scripts" / "template" / "make_it_yours.py"
    )
    make_it_yours = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_it_yours)
    examples = make_it_yours.EXAMPLE_FILES
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    gone = []
    for page in pages:
        for link, target, _ in repository_targets(page):
            if not target.is_relative_to(ROOT):
                continue
            path = target.relative_to(ROOT).as_posix()
            if path in examples or (matches(path, excluded) and not matches(path, kept)):
                gone.append(f"{page.relative_to(ROOT)}: {link}")
    assert gone == []


@pytest.mark.parametrize(
    ("path", "pattern", "taken"),
    [
        ("tests/template/generate.py", "tests/template", True),
        ("copier.yml", "copier.yml", True),
        ("app/__pycache__/main.cpython-313.pyc", "__pycache__", True),
        ("app/main.pyc", "*.py[co]", True),
        (".vscode/launch.json", ".vscode/*", True),
        ("docs/ci.md", "tests/template", False),
        ("tests/templates.md", "tests/template", False),
    ],
)
def test_exclude_patterns_match_as_copier_reads_them(path, pattern, taken):
    assert matches(path, [pattern]) is taken
