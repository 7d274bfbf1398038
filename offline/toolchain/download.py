"""The official release artifact, checked against its sha256 before anything is unpacked."""

import shutil
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path, PurePosixPath

from cache import sha256
from errors import ChecksumError, UnavailableError
from pins import Tool
from progress import Progress

TIMEOUT_SECONDS = 60


def fetch(tool: Tool, host: tuple[str, str], dest: Path, progress: Progress) -> None:
    """Write the tool's verified binary for `host` (os, arch) to `dest`."""
    spec = tool.download
    names = _names(tool, host)
    url = spec["url"].format(**names)
    expected = spec.get("sha256", {}).get("-".join(host)) or _published_sha256(spec, names, url)
    with tempfile.TemporaryDirectory() as tmp:
        artifact = Path(tmp) / "artifact"
        progress.say(f"download {url}")
        _get(url, artifact)
        actual = sha256(artifact)
        if actual != expected:
            raise ChecksumError(f"{url}: sha256 {actual}, pinned {expected}; not installed")
        member = spec.get("member")
        _unpack(artifact, url, member.format(**names) if member else None, dest)


def binary_sha256(tool: Tool, host: tuple[str, str]) -> str | None:
    """The sha256 pinned for the binary itself: where the release artifact is the binary (no
    archive member) and a sha256 is pinned for `host`; else None."""
    spec = tool.download
    if not spec or spec.get("member"):
        return None
    return spec.get("sha256", {}).get("-".join(host))


def _names(tool: Tool, host: tuple[str, str]) -> dict[str, str]:
    """Template values: the release's own spelling of the host's os and arch."""
    spec = tool.download
    os_name, arch = host
    return {
        "version": tool.version,
        "os": spec.get("os", {}).get(os_name, os_name),
        "arch": spec.get("arch", {}).get(arch, arch),
        "ext": spec.get("ext", {}).get(os_name, ""),
    }


def _published_sha256(spec: dict, names: dict[str, str], url: str) -> str:
    """The sha256 from the checksum file the release publishes beside the artifact."""
    if "checksums_url" not in spec:
        raise UnavailableError(f"no sha256 pinned for this platform ({url})")
    with tempfile.TemporaryDirectory() as tmp:
        sums = Path(tmp) / "checksums"
        _get(spec["checksums_url"].format(**names), sums)
        artifact_name = PurePosixPath(url).name
        for line in sums.read_text().splitlines():
            fields = line.split()
            # `HASH` alone (one artifact per file) or `HASH  NAME` lines (sha256sum format).
            if len(fields) == 1 or (len(fields) == 2 and fields[1].lstrip("*") == artifact_name):
                return fields[0].lower()
    raise UnavailableError(f"{artifact_name} is not in the release's checksum file")


def _get(url: str, dest: Path) -> None:
    try:
        with (
            urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response,
            dest.open("wb") as out,
        ):
            shutil.copyfileobj(response, out)
    except OSError as error:  # URLError, HTTPError and timeouts are all OSErrors
        raise UnavailableError(f"cannot download {url}: {error}") from error


def _unpack(artifact: Path, url: str, member: str | None, dest: Path) -> None:
    """Copy the binary out of a .tar.gz or .zip (only the named member), or the file itself."""
    if member is None:
        shutil.copyfile(artifact, dest)
    elif url.endswith(".zip"):
        with zipfile.ZipFile(artifact) as archive, archive.open(member) as binary:
            _write(binary, dest)
    else:
        with tarfile.open(artifact, "r:gz") as archive:
            binary = archive.extractfile(member)
            if binary is None:
                raise UnavailableError(f"{member} in {url} is not a regular file")
            _write(binary, dest)
    dest.chmod(0o755)


def _write(source, dest: Path) -> None:
    with dest.open("wb") as out:
        shutil.copyfileobj(source, out)
