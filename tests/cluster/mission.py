"""Helpers for the end-to-end mission test: a Tilt session, k6 Jobs, figures."""

import json
import os
import re
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from tests.prerequisites import ROOT, TOOLS_BIN, tool

FIGURES = ROOT / ".out" / "e2e.json"


def record(name: str, value) -> None:
    """Add a measured figure to .out/e2e.json."""
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    figures = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    figures[name] = value
    FIGURES.write_text(json.dumps(figures, indent=2) + "\n")


def tool_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PATH": f"{TOOLS_BIN}:{os.environ['PATH']}", **extra}


class TiltSession:
    """`tilt up` in a project copy, driven through Tilt's own CLI (its API)."""

    def __init__(self, project: Path, api_port: int, env: dict[str, str], args: list[str]) -> None:
        self.project, self.api_port, self.env, self.args = project, api_port, env, args
        self.log = project / "tilt-up.log"

    def cli(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            [tool("tilt"), *args, "--port", str(self.api_port)],
            cwd=self.project,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def resource(self, name: str) -> dict:
        result = self.cli("get", "uiresource", name, "-o", "json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def wait_for_api(self, timeout: float = 120) -> None:
        """Until `tilt up` answers on its port."""
        deadline = time.monotonic() + timeout
        while self.cli("get", "session").returncode != 0:
            assert time.monotonic() < deadline, self.log.read_text()[-3000:]
            time.sleep(1)

    def wait_ready(self, name: str, timeout: float = 600) -> None:
        result = self.cli(
            "wait",
            "--for=condition=Ready",
            f"uiresource/{name}",
            f"--timeout={int(timeout)}s",
            timeout=timeout + 10,
        )
        assert result.returncode == 0, result.stderr + self.log.read_text()[-3000:]

    def trigger_and_wait(self, name: str, timeout: float = 600) -> dict:
        """Trigger a manual resource; return its finished build record."""
        before = len(self.resource(name)["status"].get("buildHistory") or [])
        assert self.cli("trigger", name).returncode == 0
        return self.wait_for_build(name, before, timeout)

    def wait_for_build(self, name: str, builds_before: int, timeout: float = 600) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.resource(name)["status"]
            history = status.get("buildHistory") or []
            if (
                len(history) > builds_before
                and history[0].get("finishTime")
                and not status.get("currentBuild", {}).get("startTime")
            ):
                return history[0]
            time.sleep(1)
        raise AssertionError(
            f"{name} did not finish within {timeout} s:\n{self.log.read_text()[-3000:]}"
        )


@contextmanager
def tilt_up(project: Path, api_port: int, env: dict[str, str], *args: str):
    session = TiltSession(project, api_port, env, list(args))
    with session.log.open("w") as out:
        process = subprocess.Popen(
            [tool("tilt"), "up", "--port", str(api_port), "--stream", "--", *args],
            cwd=project,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield session
    finally:
        process.terminate()
        process.wait(timeout=60)


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
