"""A newcomer's first `make dev`: a fresh clone, nothing cached, to the first 200 in the pod.

    python -m bench.first_run [--jobs N]   (make bench-first-run; 30-40 min on 2 cores air-gapped)

The clone's tool, Go, npm, uv and cluster-build caches all start empty in a scratch directory;
the cluster images are rebuilt (CLUSTER_REBUILD=1), Docker's build cache is pruned and the
base image's stand-in removed. What a fresh machine is assumed to have: Python, Go, Node and
a Docker engine. Where a container registry and release downloads answer, it measures that
path instead (nothing is built). --jobs is make dev's DEV_JOBS (2: the tools and the cluster
images side by side; 1: one after the other). Each output line of `make dev` is kept with its
time in .out/first-run-jobsN.log; .out/first-run-jobsN.json has the milestones, each tool's and
each cluster image step's own time, and the first 200 through Tilt's port-forward. Tilt and
the cluster are taken down after.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import ROOT
from bench.image import PINNED_BASE
from harness.server import wait_ready

OUT = ROOT / ".out"
URL = "http://127.0.0.1:8000/healthz"
# Lines of `make dev` that mark a milestone (the first match counts).
MILESTONES = {
    "tools_installed": re.compile(r"^Tools in "),
    "cluster_images_ready": re.compile(
        r"ensure-images\.sh\] .* can be pulled|build-images\.sh\] done"
    ),
    "cluster_ready": re.compile(r"up\.sh\] cluster \S+ ready"),
}
TOOL_LINE = re.compile(r"^  (\S+)\s+\S+\s+([\d.]+)s  (.+)$")  # the installer's summary table
IMAGE_STEP = re.compile(r"build-images\.sh\] (\S+) done in (\d+) s")


def fresh_env(scratch: Path) -> dict[str, str]:
    """The environment of a machine that has built nothing yet."""
    env = dict(os.environ)
    env.pop("CI", None)
    # No pinned tool from another checkout: the installer would take it from PATH.
    path = [d for d in env["PATH"].split(os.pathsep) if "/.tools/" not in d]
    env.update(
        PATH=os.pathsep.join(path),
        XDG_CACHE_HOME=str(scratch / "cache"),
        GOCACHE=str(scratch / "go-build"),
        GOMODCACHE=str(scratch / "go-mod"),
        UV_CACHE_DIR=str(scratch / "uv"),
        npm_config_cache=str(scratch / "npm"),
        YARN_GLOBAL_FOLDER=str(scratch / "yarn"),
        CLUSTER_WORK_DIR=str(scratch / "cluster"),
        CLUSTER_REBUILD="1",
    )
    return env


def forget_images() -> None:
    """Docker's build cache and the base image's stand-in: what a fresh engine lacks."""
    standin = PINNED_BASE.split("@")[0]  # the kit builds it under the pinned image's tag
    label = subprocess.run(
        [
            "docker",
            "image",
            "inspect",
            "-f",
            '{{index .Config.Labels "dev.fastapi-service.standin"}}',
            standin,
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if label == "true":
        subprocess.run(["docker", "rmi", standin], check=True, capture_output=True)
    subprocess.run(["docker", "builder", "prune", "-af"], check=True, capture_output=True)


def follow(process: subprocess.Popen, started: float, log: Path, lines: list, tilt_up) -> None:
    """Keep each output line with its seconds since the start, echoing it."""
    with log.open("w") as out:
        for line in process.stdout:
            at = time.monotonic() - started
            lines.append((at, line.rstrip("\n")))
            if line.strip().endswith(" tilt up"):  # make echoes the recipe's last command
                tilt_up.set()
            stamped = f"{at:8.1f} {line}"
            out.write(stamped)
            out.flush()
            print(stamped, end="", flush=True)


def figures(lines: list[tuple[float, str]]) -> dict:
    found: dict = {"milestones_s": {}, "tools_s": {}, "cluster_image_steps_s": {}}
    for at, line in lines:
        for name, pattern in MILESTONES.items():
            if pattern.search(line) and name not in found["milestones_s"]:
                found["milestones_s"][name] = round(at, 1)
        if tool := TOOL_LINE.match(line):
            found["tools_s"][tool[1]] = {"seconds": float(tool[2]), "source": tool[3].strip()}
        if step := IMAGE_STEP.search(line):
            found["cluster_image_steps_s"][step[1]] = int(step[2])
    return found


def tear_down(command: list[str], clone: Path, env: dict[str, str], timeout: float) -> None:
    """Best effort, after the figures: a failure here leaves them standing."""
    subprocess.run(command, cwd=clone, env=env, check=False, capture_output=True, timeout=timeout)


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench.first_run", description=__doc__)
    parser.add_argument("--jobs", type=int, default=2, help="make dev's DEV_JOBS (default 2)")
    jobs = parser.parse_args().jobs
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="first-run-") as scratch_dir:
        scratch = Path(scratch_dir)
        clone = scratch / "fastapi-service"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        env = fresh_env(scratch)
        forget_images()
        lines: list[tuple[float, str]] = []
        started = time.monotonic()
        make = subprocess.Popen(
            ["make", "dev", f"DEV_JOBS={jobs}"],
            cwd=clone,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        tilt_up = threading.Event()
        reader = threading.Thread(
            target=follow, args=(make, started, OUT / f"first-run-jobs{jobs}.log", lines, tilt_up)
        )
        reader.start()
        try:
            while not tilt_up.wait(timeout=5):
                if make.poll() is not None:
                    raise SystemExit(f"make dev exited with {make.returncode}: see its log in .out")
            wait_ready(URL, timeout=900, process=make)
            first_200 = time.monotonic() - started
        finally:
            tools = {**env, "PATH": f"{clone / '.tools' / 'bin'}{os.pathsep}{env['PATH']}"}
            tear_down(["tilt", "down"], clone, tools, timeout=300)
            os.killpg(make.pid, signal.SIGTERM)
            make.wait(timeout=60)
            reader.join()
            tear_down(["make", "cluster-down"], clone, env, timeout=600)
        result = {"machine": {"cpus": os.cpu_count()}, "jobs": jobs, **figures(lines)}
        result["milestones_s"]["first_200_in_the_pod"] = round(first_200, 1)
    (OUT / f"first-run-jobs{jobs}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
