"""The pins file (versions.toml): which version of each tool, and where it comes from."""

import hashlib
import json
import platform
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from errors import InstallError

PINS_FILE = Path(__file__).with_name("versions.toml")
ROOT = PINS_FILE.resolve().parents[2]

_MACHINES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def host_platform() -> tuple[str, str]:
    """The (os, arch) pair in Go's spelling: ("linux", "amd64"), ("darwin", "arm64")."""
    return sys.platform, _MACHINES.get(platform.machine().lower(), platform.machine().lower())


@dataclass(frozen=True)
class Tool:
    name: str
    version: str
    version_args: list[str]
    download: dict | None
    build: dict | None
    wheel: dict | None
    recipe: str  # digest of this tool's pins: the binary cache key

    def reports_version(self, output: str) -> bool:
        """Whether a version command's output names exactly this version (v-prefixed)."""
        return re.search(rf"(?<![\w.])v{re.escape(self.version)}(?![\w.-])", output) is not None


def load(path: Path = PINS_FILE) -> dict[str, Tool]:
    with path.open("rb") as pins:
        table = tomllib.load(pins)
    return {name: _tool(name, entry) for name, entry in table.items()}


def _tool(name: str, entry: dict) -> Tool:
    entry = {**entry, "version": _version(name, entry)}
    recipe = _recipe(entry)
    return Tool(
        name=name,
        version=entry["version"],
        version_args=entry["version_args"],
        download=entry.get("download"),
        build=entry.get("build"),
        wheel=entry.get("wheel"),
        recipe=recipe,
    )


def _recipe(entry: dict) -> str:
    """Digest of the pins that shape the binary: all but the build's cold time, which is
    only said, so changing it rebuilds nothing."""
    shaping = dict(entry)
    if "build" in shaping:
        shaping["build"] = {k: v for k, v in shaping["build"].items() if k != "cold"}
    return hashlib.sha256(json.dumps(shaping, sort_keys=True).encode()).hexdigest()[:12]


def _version(name: str, entry: dict) -> str:
    """The pinned version, or for a tool an image also ships, the requirements file pinning it."""
    if "version_from" not in entry:
        return entry["version"]
    source = entry["version_from"]
    path = ROOT / source["file"]
    requirement = re.escape(source["requirement"])
    found = re.search(rf"^{requirement}==([^\s;\\]+)", path.read_text(), re.MULTILINE)
    if found is None:
        raise InstallError(
            f"{path}: no `{source['requirement']}==VERSION` line, which versions.toml [{name}] "
            "version_from names"
        )
    return found[1]
