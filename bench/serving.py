"""One server worker on one core, wrk on the other: requests/s, open-model latency, memory."""

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

from bench.common import LOAD_CORE, ROOT, pinned, rss_mb, server, summary, wrk
from harness.server import free_port

# The requests load/load.js sends, by name: every server but the seed is measured on each.
REQUESTS = json.loads((ROOT / "load" / "requests.json").read_text())
ROUTES = {request["name"]: request["path"] for request in REQUESTS}
# The example routes are the seed's own: the comparison with the seed is on those (none
# in a service made without the examples).
SEED_ROUTES = {request["name"]: request["path"] for request in REQUESTS if request.get("example")}
ROUNDS = 5
LATENCY_ROUNDS = 3
GRANIAN = "granian==2.8.7"
SEED = "seed (uvicorn --reload --log-level debug)"
PRODUCTION = "production (python -m app.server)"
GRANIAN_NAME = "candidate: granian, same app"
STARLETTE = "raw Starlette hello world"
# BENCH_BASELINE=<git ref>: the production server of that commit too, side by side.
BASELINE_REF = os.environ.get("BENCH_BASELINE", "")
BASELINE = f"production at {BASELINE_REF}"
FLOOD_SECONDS = 10


def configurations(scratch: Path) -> dict[str, tuple[list[str], Path, dict]]:
    """name -> (argv, cwd, env), each on its own port. The seed runs as its README runs it."""
    seed_dir = scratch / "seed"
    seed_dir.mkdir(exist_ok=True)
    shutil.copy(ROOT / "bench" / "apps" / "seed.py", seed_dir / "main.py")
    python = sys.executable
    ours = {"APP_LOG_FORMAT": "json", "APP_LOG_LEVEL": "info", "APP_METRICS_ENABLED": "true"}
    configs = {
        PRODUCTION: ([python, "-m", "app.server"], ROOT, ours),
        GRANIAN_NAME: (
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
                "app.main:create_app",
            ],
            ROOT,
            ours,
        ),
        STARLETTE: (
            [
                python,
                "-m",
                "uvicorn",
                "bench.apps.starlette_hello:app",
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            ROOT,
            {},
        ),
    }
    if SEED_ROUTES:
        argv = [python, "-m", "uvicorn", "main:app", "--reload", "--log-level", "debug"]
        configs[SEED] = (argv, seed_dir, {})
    if BASELINE_REF:
        baseline_dir = scratch / "baseline"
        baseline_dir.mkdir(exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", BASELINE_REF, "app"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(baseline_dir)], input=archive, check=True)
        configs[BASELINE] = ([python, "-m", "app.server"], baseline_dir, dict(ours))
    for argv, _, env in configs.values():
        port = str(free_port())
        env["APP_PORT"] = port
        argv += [] if argv[1:3] == ["-m", "app.server"] else ["--port", port]
    return configs


def k6_open_model(url_root: str, rate_rps: float) -> dict:
    """Latency at a fixed arrival rate from load/load.js (each iteration sends REQUESTS)."""
    summary_path = Path(tempfile.mkstemp(suffix=".json")[1])
    k6 = shutil.which("k6", path=f"{ROOT / '.tools' / 'bin'}:{os.environ['PATH']}") or "k6"
    env = {
        **os.environ,
        "FASTAPI_ROOT": url_root,
        "RATE": str(int(rate_rps / len(REQUESTS))),
        "DURATION": "20s",
        "VUS": "50",
        "SUMMARY_PATH": str(summary_path),
        # k6's own garbage collection, sharing its one core, puts its pauses into the measured
        # tail: p99 against raw Starlette at ~4,400 req/s was 10-12 ms by default, 8-9 ms with
        # this (k6 then uses ~200 MB).
        "GOGC": "800",
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
        "rate_rps": len(REQUESTS) * int(rate_rps / len(REQUESTS)),
        "p50_ms": duration["med"],
        "p95_ms": duration["p(95)"],
        "p99_ms": duration["p(99)"],
        "failed": metrics["http_req_failed"]["values"]["passes"],
        "requests": metrics["http_reqs"]["values"]["count"],
        "k6_exit": result.returncode,
    }


def latency_summary(runs: list[dict]) -> dict:
    """Median of each percentile over the k6 runs; failures and requests summed."""
    summed = {key: sum(run[key] for run in runs) for key in ("failed", "requests")}
    medians = {
        key: statistics.median(run[key] for run in runs) for key in ("p50_ms", "p95_ms", "p99_ms")
    }
    return {
        "rate_rps": runs[0]["rate_rps"],
        **medians,
        **summed,
        "p99_ms_runs": [run["p99_ms"] for run in runs],
        "k6_exits": [run["k6_exit"] for run in runs],
    }


def run(scratch: Path) -> dict:
    """Every server up at once, idle but one: wrk visits them in turn, ROUNDS times, so slow
    drifts of this shared machine hit every configuration alike."""
    configs = configurations(scratch)
    results: dict = {"rps": {}}
    with ExitStack() as stack:
        urls, pids = {}, {}
        for name, (argv, cwd, env) in configs.items():
            urls[name] = f"http://127.0.0.1:{env['APP_PORT']}"
            first = urls[name] + next(iter(_routes(name).values()))
            pids[name] = stack.enter_context(server(argv, first, cwd=cwd, env=env))
            wrk(first, seconds=2)  # warm-up
        samples: dict = {name: {route: [] for route in _routes(name)} for name in configs}
        for round_number in range(ROUNDS):
            # Every other round in reverse, so no server always runs right after another.
            order = list(configs) if round_number % 2 == 0 else list(reversed(configs))
            for name in order:
                for route, path in _routes(name).items():
                    samples[name][route].append(wrk(urls[name] + path))
        results["rps"] = {
            n: {r: summary(s) for r, s in by_route.items()} for n, by_route in samples.items()
        }
        # load.js sends each request in turn: its maximum is the harmonic mean of theirs.
        production = results["rps"][PRODUCTION]
        mixed_max = len(ROUTES) / sum(1 / production[route]["median"] for route in ROUTES)
        # The same load against raw Starlette, in alternation: the part of the tail that k6
        # and this machine add whatever the server.
        runs: dict = {PRODUCTION: [], STARLETTE: []}
        for _ in range(LATENCY_ROUNDS):
            for name, name_runs in runs.items():
                name_runs.append(k6_open_model(urls[name], mixed_max / 2))
        results["latency"] = latency_summary(runs[PRODUCTION])
        results["latency_floor_starlette"] = latency_summary(runs[STARLETTE])
        results["rss_mb"] = rss_mb(pids[PRODUCTION])
        results["pipelining_flood_peak_rss_mb"] = {
            name: pipelining_flood_peak_rss(urls[name] + next(iter(ROUTES.values())), pids[name])
            for name in (PRODUCTION, BASELINE)
            if name in pids
        }
    rps = {
        name: {route: s["median"] for route, s in by_route.items()}
        for name, by_route in results["rps"].items()
    }
    if SEED in rps:
        results["ratio_vs_seed"] = {
            route: rps[PRODUCTION][route] / rps[SEED][route] for route in SEED_ROUTES
        }
    results["fraction_of_starlette"] = {
        route: rps[PRODUCTION][route] / rps[STARLETTE][route] for route in ROUTES
    }
    if BASELINE in rps:
        results["ratio_vs_baseline"] = {
            route: rps[PRODUCTION][route] / rps[BASELINE][route] for route in ROUTES
        }
    results["granian_vs_uvicorn"] = {
        route: rps[GRANIAN_NAME][route] / rps[PRODUCTION][route] for route in ROUTES
    }
    return results


def _routes(name: str) -> dict[str, str]:
    return SEED_ROUTES if name == SEED else ROUTES


def pipelining_flood_peak_rss(url: str, pid: int) -> float:
    """Peak RSS (MB) while one client pipelines GETs of url without ever reading the answers."""
    address = urlsplit(url)
    burst = f"GET {address.path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode() * 2000
    peak = rss_mb(pid)
    with socket.create_connection((address.hostname, address.port)) as sock:
        sock.setblocking(False)
        deadline = time.monotonic() + FLOOD_SECONDS
        next_sample = 0.0
        while (now := time.monotonic()) < deadline:
            if now >= next_sample:
                peak = max(peak, rss_mb(pid))
                next_sample = now + 0.25
            try:
                sock.send(burst)
            except BlockingIOError:
                time.sleep(0.005)
            except OSError:  # the server gave up on the connection: what it holds is freed
                break
    return round(max(peak, rss_mb(pid)), 1)
