"""One server worker on one core, wrk on the other: requests/s, open-model latency, memory."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import LOAD_CORE, ROOT, pinned, rss_mb, server, summary, wrk
from tests.system.service import free_port

ROUTES = {"root": "/", "items": "/items/42?q=abc"}
REPEATS = 3
GRANIAN = "granian==2.8.7"


def configurations(port: int, scratch: Path) -> dict[str, tuple[list[str], Path, dict]]:
    """name -> (argv, cwd, env). The seed runs as the seed's README runs it."""
    seed_dir = scratch / "seed"
    seed_dir.mkdir(exist_ok=True)
    shutil.copy(ROOT / "bench" / "apps" / "seed.py", seed_dir / "main.py")
    python, p = sys.executable, str(port)
    ours = {
        "APP_PORT": p,
        "APP_LOG_FORMAT": "json",
        "APP_LOG_LEVEL": "info",
        "APP_METRICS_ENABLED": "true",
    }
    return {
        "seed (uvicorn --reload --log-level debug)": (
            [python, "-m", "uvicorn", "main:app", "--reload", "--log-level", "debug", "--port", p],
            seed_dir,
            {},
        ),
        "production (python -m app.server)": ([python, "-m", "app.server"], ROOT, ours),
        "candidate: granian, same app": (
            [
                "uv",
                "run",
                "--quiet",
                "--locked",
                "--with",
                GRANIAN,
                "granian",
                "--interface",
                "asgi",
                "--factory",
                "--workers",
                "1",
                "--loop",
                "uvloop",
                "--no-ws",
                "--port",
                p,
                "app.main:create_app",
            ],
            ROOT,
            ours,
        ),
        "raw Starlette hello world": (
            [
                python,
                "-m",
                "uvicorn",
                "bench.apps.starlette_hello:app",
                "--port",
                p,
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            ROOT,
            {},
        ),
    }


def k6_open_model(url_root: str, rate_rps: float) -> dict:
    """Latency at a fixed arrival rate (two requests per k6 iteration) from load/load.js."""
    summary_path = Path(tempfile.mkstemp(suffix=".json")[1])
    k6 = shutil.which("k6", path=f"{ROOT / '.tools' / 'bin'}:{os.environ['PATH']}") or "k6"
    env = {
        **os.environ,
        "FASTAPI_ROOT": url_root,
        "RATE": str(int(rate_rps / 2)),
        "DURATION": "20s",
        "VUS": "50",
        "SUMMARY_PATH": str(summary_path),
    }
    result = subprocess.run(
        pinned(LOAD_CORE, [k6, "run", "--quiet", "--no-color", str(ROOT / "load" / "load.js")]),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    metrics = json.loads(summary_path.read_text())["metrics"]
    summary_path.unlink()
    duration = metrics["http_req_duration"]["values"]
    return {
        "rate_rps": 2 * int(rate_rps / 2),
        "p50_ms": duration["med"],
        "p95_ms": duration["p(95)"],
        "p99_ms": duration["p(99)"],
        "failed": metrics["http_req_failed"]["values"]["passes"],
        "requests": metrics["http_reqs"]["values"]["count"],
        "k6_exit": result.returncode,
    }


def run(scratch: Path) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    results: dict = {"rps": {}}
    for name, (argv, cwd, env) in configurations(port, scratch).items():
        routes = ROUTES if "Starlette" not in name else {"root": "/"}
        with server(argv, f"{base}/", cwd=cwd, env=env) as pid:
            wrk(f"{base}/", seconds=2)  # warm-up
            results["rps"][name] = {
                route: summary([wrk(base + path) for _ in range(REPEATS)])
                for route, path in routes.items()
            }
            if name.startswith("production"):
                half = results["rps"][name]["root"]["median"] / 2
                results["latency"] = k6_open_model(base, half)
                results["rss_mb"] = rss_mb(pid)
    rps = {
        name: {route: s["median"] for route, s in by_route.items()}
        for name, by_route in results["rps"].items()
    }
    seed, ours = (
        rps["seed (uvicorn --reload --log-level debug)"],
        rps["production (python -m app.server)"],
    )
    results["ratio_vs_seed"] = {route: ours[route] / seed[route] for route in ROUTES}
    results["fraction_of_starlette"] = ours["root"] / rps["raw Starlette hello world"]["root"]
    results["granian_vs_uvicorn"] = {
        route: rps["candidate: granian, same app"][route] / ours[route] for route in ROUTES
    }
    return results
