"""mkdocs hook (mkdocs.yml `hooks:`): links from docs/ to the repository's other files.

A page links to a file outside docs/ the way GitHub and editors resolve it, relative to the
page: `[the kit](../offline/README.md)`. mkdocs knows only the files under docs/, and
`mkdocs build --strict` would fail on such a link, so this hook takes them over: each must
name a file or folder of the repository, or the build warns (and fails, being strict) with
the page and the link. On the site the link goes to the file on the repository's host when
mkdocs.yml sets `repo_url` (on its `main` branch, which a new service starts on), else it
becomes the file's path as code.
"""

import logging
import re
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

log = logging.getLogger("mkdocs.hooks.repository_links")

# An inline link or image: [text](target) or [text](target "title").
LINK = re.compile(
    r"(?P<image>!?)\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)(?P<title>\s+\"[^\"]*\")?\)"
)
FENCE = re.compile(r"^\s*(```|~~~)")
BRANCH = "main"


def on_page_markdown(markdown: str, *, page, config, files) -> str:
    docs = Path(config["docs_dir"]).resolve()
    root = Path(config["config_file_path"]).resolve().parent
    page_dir = (docs / page.file.src_uri).parent
    lines, fenced = [], False
    for line in markdown.splitlines(keepends=True):
        if FENCE.match(line):
            fenced = not fenced
        if not fenced:
            line = LINK.sub(
                lambda m: _rewrite(m, page.file.src_uri, page_dir, docs, root, config), line
            )
        lines.append(line)
    return "".join(lines)


def _rewrite(match: re.Match, source: str, page_dir: Path, docs: Path, root: Path, config) -> str:
    target = match["target"]
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith(("#", "/")) or not parts.path:
        return match[0]
    resolved = (page_dir / parts.path).resolve()
    if resolved.is_relative_to(docs):
        return match[0]  # a page or an asset of the site: mkdocs checks those itself
    if not resolved.is_relative_to(root) or not resolved.exists():
        log.warning(f"Doc file '{source}' links to '{target}', which is not in the repository.")
        return match["text"]  # said once, here, rather than again by mkdocs
    path = PurePosixPath(resolved.relative_to(root)).as_posix()
    if match["image"]:
        log.warning(f"Doc file '{source}' shows '{target}': images of the site live in docs/.")
        return match[0]
    if config.get("repo_url"):
        kind = "tree" if resolved.is_dir() else "blob"
        url = f"{config['repo_url'].rstrip('/')}/{kind}/{BRANCH}/{path}"
        url += f"#{parts.fragment}" if parts.fragment else ""
        return f"[{match['text']}]({url}{match['title'] or ''})"
    text = match["text"].strip("`")
    return (
        f"`{path}`"
        if text.rstrip("/") in (path, parts.path.rstrip("/"))
        else f"{match['text']} (`{path}`)"
    )
