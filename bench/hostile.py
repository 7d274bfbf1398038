"""The worker's peak memory under hostile clients, at the chart's default limits: as many
misbehaving connections as APP_MAX_CONNECTIONS admits, each holding what its limits allow."""

import contextlib
import resource
import socket
import time
from pathlib import Path

import yaml

from app.settings import Settings
from harness.hostile import server_with_body_route

DEFAULTS = Settings()
CONNECTIONS = DEFAULTS.max_connections - 10  # room for the probes beside them
# An unfinished head just under the limits; a body one byte short of its declared length.
HEAD = b"GET /healthz HTTP/1.1\r\nHost: bench\r\nX-Pad: " + b"a" * (DEFAULTS.max_header_bytes - 64)
BODY = b"POST /body HTTP/1.1\r\nHost: bench\r\nContent-Length: %d\r\n\r\n" % DEFAULTS.max_body_bytes
PIPELINE = b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n" * 5000
# Of each kind, per scenario: what one connection sends before it goes quiet.
SCENARIOS = {
    "endless_heads": [(HEAD, CONNECTIONS)],
    "stalled_bodies": [(BODY + b"a" * (DEFAULTS.max_body_bytes - 1), CONNECTIONS)],
    "pipelines_never_read": [(PIPELINE, CONNECTIONS)],
    "heads_and_bodies": [
        (HEAD, CONNECTIONS * 4 // 5),
        (BODY + b"a" * (DEFAULTS.max_body_bytes - 1), CONNECTIONS // 5),
    ],
}


def chart_memory_limit() -> str:
    values = Path(__file__).resolve().parents[1] / "charts" / "fastapi-service" / "values.yaml"
    return yaml.safe_load(values.read_text())["resources"]["limits"]["memory"]


def open_hostile(address: tuple[str, int], plan: list[tuple[bytes, int]]) -> list[socket.socket]:
    held = []
    for payload, count in plan:
        for _ in range(count):
            sock = socket.create_connection(address, timeout=5)
            with contextlib.suppress(OSError):  # refused or closed by a limit: as it should
                sock.sendall(payload)
            held.append(sock)
    return held


def run(scratch: Path) -> dict:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4 * CONNECTIONS), hard))
    results: dict = {"connections": CONNECTIONS, "chart_memory_limit": chart_memory_limit()}
    for name, plan in SCENARIOS.items():
        with server_with_body_route(scratch / f"hostile-{name}.log", LOG_LEVEL="error") as server:
            idle = server.memory_mb()
            held = open_hostile(server.address, plan)
            time.sleep(2)
            healthy = server.healthy()
            peak = server.memory_mb("VmHWM")
            for sock in held:
                sock.close()
        results[name] = {"idle_mb": round(idle, 1), "peak_mb": round(peak, 1), "healthy": healthy}
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return results
