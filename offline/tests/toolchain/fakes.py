"""Stand-ins for a release host and a project: a local HTTP server, archives, pins files."""

import hashlib
import io
import os
import subprocess
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from harness.prerequisites import ROOT

INSTALLER = ROOT / "offline" / "toolchain" / "install.py"
PLATFORMS = ("linux-amd64", "linux-arm64", "darwin-amd64", "darwin-arm64")


def script(output: str, ran: Path | None = None) -> bytes:
    """An executable printing `output`; with `ran`, it also creates that file when run."""
    touch = f"touch '{ran}'\n" if ran else ""
    return f"#!/bin/sh\n{touch}echo '{output}'\n".encode()


def release_archive(name: str, version: str, output: str) -> bytes:
    """A release-shaped .tar.gz: `<name>-<version>/<name>`, an executable printing `output`."""
    body = script(output)
    member = tarfile.TarInfo(f"{name}-{version}/{name}")
    member.size, member.mode = len(body), 0o755
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.addfile(member, io.BytesIO(body))
    return buffer.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class ReleaseServer:
    """Serves files from `root` and records the paths requested."""

    root: Path
    url: str = ""
    requests: list[str] = field(default_factory=list)

    def publish(self, path: str, data: bytes) -> str:
        file = self.root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(data)
        return f"{self.url}/{path}"


@dataclass
class Workspace:
    """A pins file, bin dir, cache and PATH of the test's own."""

    pins: Path
    bin_dir: Path
    cache: Path
    path_dir: Path

    def run(self, *tools: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run the installer; PATH is `path_dir` then `path` (default: this process's PATH)."""
        path = os.environ["PATH"] if path is None else path
        env = {
            **os.environ,
            "XDG_CACHE_HOME": str(self.cache),
            "PATH": os.pathsep.join(filter(None, [str(self.path_dir), path])),
        }
        command = [sys.executable, str(INSTALLER), "--pins", str(self.pins)]
        command += ["--bin-dir", str(self.bin_dir), *tools]
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)

    def installed(self) -> list[str]:
        return sorted(p.name for p in self.bin_dir.iterdir()) if self.bin_dir.exists() else []

    def cached(self) -> list[str]:
        return sorted(p.name for p in self.cache.rglob("*") if p.is_file())

    def cache_entry(self, name: str) -> Path:
        """The one cached binary of `name`, whatever its version and recipe."""
        [binary] = self.cache.glob(f"fastapi-service/tools/{name}/*/{name}")
        return binary


def pin_download(
    name: str, version: str, url: str, sha: str | None, archive: bool = True, **extra: str
) -> str:
    """A versions.toml entry for a download-only tool; `sha` is pinned for every platform.
    The release is a release_archive, or with archive=False the bare binary."""
    lines = [
        f"[{name}]",
        f'version = "{version}"',
        'version_args = ["--version"]',
        f"[{name}.download]",
        f'url = "{url}"',
        *([f'member = "{name}-{{version}}/{name}"'] if archive else []),
        *(f'{key} = "{value}"' for key, value in extra.items()),
    ]
    if sha is not None:
        lines += [f"[{name}.download.sha256]", *(f'{p} = "{sha}"' for p in PLATFORMS)]
    return "\n".join(lines) + "\n"
