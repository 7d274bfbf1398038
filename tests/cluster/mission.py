"""Helpers for the end-to-end mission test: k6 Jobs, figures (the Tilt session: tests/tilt)."""

import json
import os
import platform
import re
import subprocess
import time
from pathlib import Path

from harness.prerequisites import ROOT, tool, tool_env
from tests.cluster.cluster import run
from tests.tilt.session import epoch

FIGURES = ROOT / ".out" / "e2e.json"


def record(name: str, value) -> None:
    """Add a measured figure to .out/e2e.json, with the machine of the latest one (as
    .out/bench.json has it; `make bench-report` names it on docs/benchmarks.md)."""
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    figures = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    figures[name] = value
    figures["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    FIGURES.write_text(json.dumps(figures, indent=2) + "\n")


def k6_job(name: str, namespace: str, image: str, rate: int, duration: str) -> dict:
    """A Job running load/load.js at a fixed rate against the Service, hardened like the chart."""
    container = {
        "name": "k6",
        "image": image,
        "env": [
            {"name": "FASTAPI_ROOT", "value": "http://fastapi-service:8000"},
            {"name": "RATE", "value": str(rate)},
            {"name": "DURATION", "value": duration},
            {"name": "P95_MS", "value": "1000"},
            {"name": "SUMMARY_PATH", "value": "/tmp/summary.json"},
        ],
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "backoffLimit": 0,
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "automountServiceAccountToken": False,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": 10001,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [container],
                    "volumes": [{"name": "tmp", "emptyDir": {}}],
                }
            },
        },
    }


def failed_requests(k6_output: str) -> tuple[int, int]:
    """(failed, total) from load.js's summary line."""
    match = re.search(r"requests (\d+) at [\d.]+/s, failed (\d+) ", k6_output)
    assert match, k6_output[-2000:]
    return int(match.group(2)), int(match.group(1))


# A small pure-Python library the lock does not hold: what a dependency change adds.
NEW_DEPENDENCY = "inflection"


def add_dependency(project: Path) -> None:
    """What a developer does: `uv add`, which rewrites pyproject.toml and uv.lock (resolving
    against the package index; the project's shared .venv is left alone)."""
    lock = (project / "uv.lock").read_text()
    assert f'name = "{NEW_DEPENDENCY}"' not in lock, f"uv.lock already holds {NEW_DEPENDENCY}"
    subprocess.run(
        ["uv", "add", "--no-sync", NEW_DEPENDENCY],
        cwd=project,
        env=tool_env(),
        capture_output=True,
        check=True,
        timeout=300,
    )


def seconds_until_importable(cluster, namespace: str, timeout: float = 120) -> float:
    """From now until the running pod's environment imports NEW_DEPENDENCY."""
    started = time.monotonic()
    command = ["exec", "-n", namespace, "deploy/fastapi-service", "--", "python", "-c"]
    while time.monotonic() - started < timeout:
        result = run(
            tool("kubectl"),
            "--context",
            cluster.context,
            *command,
            f"import {NEW_DEPENDENCY}",
            check=False,
            timeout=30,
        )
        if result.returncode == 0:
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"{NEW_DEPENDENCY} not importable in the pod after {timeout} s")


def wait_for_line(read, text: str, timeout: float = 60) -> str:
    """read() (a log) once it contains text; the log as it stands otherwise fails the test."""
    deadline = time.monotonic() + timeout
    while text not in (log := read()):
        assert time.monotonic() < deadline, (
            f"{text!r} not in the log after {timeout} s:\n{log[-3000:]}"
        )
        time.sleep(0.5)
    return log


def reloader_log_times(cluster, namespace: str) -> tuple[list[float], list[float]]:
    """When the pod's reloader reported each change, and each time it served new code (epoch
    seconds: the container runtime's timestamps of those log lines)."""
    log = cluster.kubectl("logs", "deployment/fastapi-service", "-n", namespace, "--timestamps")
    changed, serving = [], []
    for line in log.splitlines():
        stamp, _, text = line.partition(" ")
        if text.startswith("[hotreload] changed: "):
            changed.append(epoch(stamp))
        elif text.startswith("[hotreload] serving new code"):
            serving.append(epoch(stamp))
    return changed, serving


def first_after(times: list[float], moment: float) -> float:
    later = [t for t in times if t > moment]
    assert later, f"nothing logged after {moment}"
    return min(later)


# Run in the pod: each process's parent, start time, command line and memory (KiB).
_PROCESSES = """
import json, os
processes = {}
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        with open(f"/proc/{pid}/stat") as stat, open(f"/proc/{pid}/cmdline") as cmdline:
            fields = stat.read().rsplit(")", 1)[1].split()
            entry = {"ppid": fields[1], "start": int(fields[19]), "cmdline": cmdline.read()}
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                name, value, *_ = line.split()
                entry[name.rstrip(":")] = int(value) if value.isdigit() else value
    except (OSError, ValueError):
        continue
    processes[pid] = entry
print(json.dumps(processes))
"""


def reloader_memory(cluster, namespace: str) -> dict[str, float]:
    """MiB: the supervisor's resident memory, what its idle spare holds privately (its copy of
    the supervisor's pages), and the proportional share of every reloader process together."""
    processes = json.loads(
        cluster.kubectl(
            "exec", "-n", namespace, "deploy/fastapi-service", "--", "python", "-c", _PROCESSES
        )
    )
    reloader = {pid: p for pid, p in processes.items() if "hotreload" in p["cmdline"]}
    (supervisor,) = [pid for pid, p in reloader.items() if p["ppid"] not in reloader]
    children = [p for p in reloader.values() if p["ppid"] == supervisor]
    spare = max(children, key=lambda p: p["start"])  # forked after the server it stands by for
    return {
        "supervisor_rss_mib": round(reloader[supervisor]["Rss"] / 1024, 1),
        "spare_private_mib": round(spare["Private_Dirty"] / 1024, 1),
        "reloader_pss_mib": round(sum(p["Pss"] for p in reloader.values()) / 1024, 1),
        "processes": len(reloader),
    }
