"""Helpers for the end-to-end mission test: k6 Jobs, figures (the Tilt session: tests/tilt)."""

import json
import os
import re

from tests.prerequisites import ROOT, TOOLS_BIN

FIGURES = ROOT / ".out" / "e2e.json"


def record(name: str, value) -> None:
    """Add a measured figure to .out/e2e.json."""
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    figures = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    figures[name] = value
    FIGURES.write_text(json.dumps(figures, indent=2) + "\n")


def tool_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PATH": f"{TOOLS_BIN}:{os.environ['PATH']}", **extra}


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
