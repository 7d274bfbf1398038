"""A build of the pinned Go module version, for networks that reach only the Go module proxy."""

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import prepare
from errors import InstallError, UnavailableError
from pins import Tool
from progress import Progress


def build(tool: Tool, work: Path, dest: Path, progress: Progress, log: Path) -> None:
    """Build the tool into `dest` from a writable copy of its module source under `work`."""
    go = shutil.which("go")
    if go is None:
        raise UnavailableError("Go not found: install Go (https://go.dev/doc/install) to build it")
    spec = tool.build
    if "cold" in spec:
        progress.say(
            f"building from source: about {spec['cold']} on 2 cores with nothing cached "
            "(up to twice that while other builds share them)"
        )
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    module = _download(go, f"{spec['module']}@v{tool.version}", work, progress)
    # `replace` directives only apply in the main module, and prepare steps write files.
    src = work / "src"
    shutil.copytree(module["Dir"], src, symlinks=True)
    _make_writable(src)
    if "prepare" in spec:
        getattr(prepare, spec["prepare"])(src, progress, log)
    ldflags = spec["ldflags"].format(
        version=tool.version,
        commit=spec.get("commit", ""),
        date=json.loads(Path(module["Info"]).read_text())["Time"],
        **(_k8s_version(go, src) if "{k8s_" in spec["ldflags"] else {}),
    )
    # -v: the log names each package as it compiles; Progress shows the latest.
    command = [go, "build", "-v", "-trimpath", "-buildvcs=false", "-ldflags", ldflags]
    command += ["-o", str(dest)]
    if spec.get("tags"):
        command += ["-tags", ",".join(spec["tags"])]
    if spec.get("stale_go_sum"):
        _drop_go_sum(src / "go.sum", spec["stale_go_sum"])
        # Go re-records the dropped sums, verified against its checksum database.
        command.append("-mod=mod")
    env = dict(os.environ)
    if spec.get("cgo") is False:
        env["CGO_ENABLED"] = "0"
    progress.run("go build", [*command, spec["package"]], log, cwd=src, env=env)
    shutil.rmtree(work)


def _download(go: str, module: str, cwd: Path, progress: Progress) -> dict:
    """Fetch the module into Go's module cache; returns `go mod download -json` output."""
    progress.say(f"go mod download {module}")
    done = subprocess.run(
        [go, "mod", "download", "-json", module], cwd=cwd, capture_output=True, text=True
    )
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()
        raise UnavailableError(f"go mod download {module} failed: {output}")
    return json.loads(done.stdout)


def _make_writable(tree: Path) -> None:
    """The module cache is read-only; its copy must not be."""
    for path in [tree, *tree.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def _drop_go_sum(go_sum: Path, stale: list[str]) -> None:
    """Remove the module-zip hashes of `stale` ("module version") entries from go.sum."""
    drop = {tuple(entry.split()) for entry in stale}
    lines = go_sum.read_text().splitlines(keepends=True)
    go_sum.write_text("".join(line for line in lines if tuple(line.split()[:2]) not in drop))


def _k8s_version(go: str, src: Path) -> dict[str, str]:
    """The Kubernetes version matching the module's client-go (v0.37.x is Kubernetes 1.37)."""
    done = subprocess.run(
        [go, "list", "-m", "-f", "{{.Version}}", "k8s.io/client-go"],
        cwd=src,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise InstallError(f"cannot read the client-go version: {done.stderr.strip()}")
    major, minor = done.stdout.strip().lstrip("v").split(".")[:2]
    return {"k8s_major": str(int(major) + 1), "k8s_minor": minor}
