"""docs/benchmarks.md's tables from the figures files (make bench-report):

    python -m bench.report [--bench FILE] [--e2e FILE] [--page FILE]   (defaults: .out/, docs/)

`make bench` writes .out/bench.json (bench/__main__.py: one entry per suite and "machine");
`make e2e` adds each figure it measures to .out/e2e.json (record() in tests/cluster/mission.py).
Each table of the page sits between `<!-- figures: FILE NAME -->` and `<!-- /figures -->`; the
text around the tables is the page's own. A table is rendered again from the file's values,
the latest run's, with the machine they were measured on, when the file holds every figure
the table needs. Otherwise the table stays as it was and the script says why, so a machine
that ran only `make bench`, or only part of `make e2e`, can still regenerate its part.
"""

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTION = re.compile(r"(<!-- figures: (\S+) (\S+) -->\n)(.*?)(<!-- /figures -->)", re.S)

Rows = list[tuple[str, str, str]]


# ---- formatting ---------------------------------------------------------------------------
def secs(seconds: float) -> str:
    if seconds < 0.1:
        return f"{seconds:.3f} s"
    if seconds < 10:
        return f"{seconds:.2f} s"
    return f"{seconds:.1f} s"


def mb(value: float) -> str:
    return f"{value:,.0f} MB"


def mib(value: float) -> str:
    return f"{value:.1f} MiB"


def rps(value: float) -> str:
    return f"{value:,.0f} req/s"


def ms(value: float) -> str:
    return f"{value:.1f} ms"


def ratio(value: float) -> str:
    return f"{value:.2f}x"


def grid(head: list[str], rows: list[list[str]]) -> str:
    def line(cells: list[str]) -> str:
        return "|" + "|".join(f" {cell} " if cell else " " for cell in cells) + "|"

    return "\n".join([line(head), "|" + "---|" * len(head), *map(line, rows)])


def table(rows: Rows) -> str:
    """A figure | measured | goal table; no goal column when no row has a goal."""
    if any(goal for _, _, goal in rows):
        return grid(["figure", "measured", "goal"], [list(row) for row in rows])
    return grid(["figure", "measured"], [[figure, measured] for figure, measured, _ in rows])


# ---- make bench (.out/bench.json) ---------------------------------------------------------
def reload_table(fig: dict) -> str:
    reload = fig["reload"]
    ours, theirs = reload["hotreload"], reload["uvicorn --reload"]
    return table(
        [
            (
                f"save to new response, `hotreload` (median of {ours['n']})",
                secs(ours["median"]),
                "at most 0.25 s",
            ),
            (
                f"save to new response, `uvicorn --reload` (median of {theirs['n']})",
                secs(theirs["median"]),
                "",
            ),
            ("`uvicorn --reload` / `hotreload`", f"{reload['speedup']:.1f}x", "at least 2.5x"),
        ]
    )


# bench/serving.py's names for the servers it measures (this script imports nothing of the
# benchmarks, so it runs without their dependencies; tests/test_bench_report.py uses theirs).
PRODUCTION = "production (python -m app.server)"
SEED = "seed (uvicorn --reload --log-level debug)"
STARLETTE = "raw Starlette hello world"


def serving_rps_table(fig: dict) -> str:
    serving = fig["serving"]
    by_server = serving["rps"]
    production = by_server[PRODUCTION]
    baseline = next((name for name in by_server if name.startswith("production at ")), None)
    head = ["route", "production", "seed", "production / seed (goal 2x)", "granian / production"]
    head += ["raw Starlette"] + ([f"production / {baseline.split(' (')[0]}"] if baseline else [])
    rows = []
    for route, summary in production.items():
        seed = by_server.get(SEED, {}).get(route)
        granian = serving.get("granian_vs_uvicorn", {}).get(route)
        starlette = by_server.get(STARLETTE, {}).get(route)
        row = [
            f"`{route}`",
            rps(summary["median"]),
            rps(seed["median"]) if seed else "-",
            ratio(serving["ratio_vs_seed"][route]) if seed else "-",
            ratio(granian) if granian is not None else "-",
            rps(starlette["median"]) if starlette else "-",
        ]
        if baseline:
            against = serving.get("ratio_vs_baseline", {}).get(route)
            row.append(ratio(against) if against is not None else "-")
        rows.append(row)
    runs = next(iter(production.values()))["n"]
    return grid(head, rows) + f"\n\nMedians of {runs} wrk runs per server and route."


def serving_latency_table(fig: dict) -> str:
    latency, floor = fig["serving"]["latency"], fig["serving"]["latency_floor_starlette"]
    runs = ", ".join(f"{p99:.1f}" for p99 in latency["p99_ms_runs"])
    return table(
        [
            (
                f"p99 at {latency['rate_rps']:,} req/s, half the maximum (median of "
                f"{len(latency['p99_ms_runs'])} k6 runs)",
                f"{ms(latency['p99_ms'])} (runs {runs})",
                "10 ms",
            ),
            ("p50 / p95", f"{latency['p50_ms']:.1f} / {ms(latency['p95_ms'])}", ""),
            ("raw Starlette under the same load, p99", ms(floor["p99_ms"]), ""),
            ("failed requests", f"{latency['failed']:,} of {latency['requests']:,}", "0"),
        ]
    )


def serving_memory_table(fig: dict) -> str:
    serving = fig["serving"]
    rows = [("production worker RSS after the load", mb(serving["rss_mb"]), "80 MB")]
    for name, peak in serving.get("pipelining_flood_peak_rss_mb", {}).items():
        who = name.split(" (")[0]
        rows.append((f"{who}: peak RSS while one client pipelines and never reads", mb(peak), ""))
    return table(rows)


def hostile_table(fig: dict) -> str:
    hostile = fig["hostile"]
    scenarios = {k: v for k, v in hostile.items() if isinstance(v, dict)}
    rows = [
        [f"`{name}`", mb(v["idle_mb"]), mb(v["peak_mb"]), "yes" if v["healthy"] else "**no**"]
        for name, v in scenarios.items()
    ]
    head = ["scenario", "idle", "peak", "answered `/healthz`"]
    return (
        grid(head, rows) + f"\n\n{hostile['connections']:,} connections at once in each; "
        f"the chart's memory limit is {hostile['chart_memory_limit']}."
    )


def image_table(fig: dict) -> str:
    image = fig["image"]
    sizes = image["size_mb"]
    rows = [
        ("production image", mb(sizes["production"]), "150 MB"),
        ("development image", mb(sizes["development"]), ""),
        ("k6 image", mb(sizes["k6"]), ""),
    ]
    # The base's key names the image it was ("base python:3.13-slim@..."): a mirror's host
    # has no place on the page.
    rows += [("base image", mb(size), "") for key, size in sizes.items() if key.startswith("base")]
    start = image["start_to_ready_s"]
    rows += [
        (
            "rebuild after a one-line change in `app/`",
            secs(image["rebuild_after_one_line_change_s"]),
            "5 s",
        ),
        (
            f"container start to first 200 on `/readyz` (median of {start['n']})",
            secs(start["median"]),
            "1.5 s",
        ),
    ]
    return table(rows)


def tilt_table(fig: dict) -> str:
    tilt = fig["tilt"]
    rows = [
        (f"{name} (median of {v['n']})", secs(v["median"]), "" if "rebuild" in name else "1.5 s")
        for name, v in tilt.items()
        if isinstance(v, dict)
    ]
    rows.append(("full rebuild / live update", f"{tilt['rebuild_vs_live_update']:.1f}x", ""))
    return table(rows)


def debug_table(fig: dict) -> str:
    debug = fig["debug"]
    attach, hit = debug["attach"], debug["save_to_breakpoint"]
    return table(
        [
            (f"attach (median of {attach['n']})", secs(attach["median"]), ""),
            (
                f"save to breakpoint hit in the new code (median of {hit['n']})",
                secs(hit["median"]),
                "",
            ),
        ]
    )


def tests_on_save_table(fig: dict) -> str:
    tests = fig["tests_on_save"]
    counts = tests["tests_run"]
    goal = f"{tests['goal_seconds']:g} s"
    return table(
        [
            (
                f"one-line change in a route: {counts['route']} tests (median of "
                f"{tests['one_line_change_route']['n']})",
                secs(tests["one_line_change_route"]["median"]),
                goal,
            ),
            (
                f"one-line change in `app/request_id.py`, which every request passes: "
                f"{counts['every_request']} tests",
                secs(tests["one_line_change_every_request"]["median"]),
                "",
            ),
            (
                f"the whole unit suite: {counts['all']} tests",
                secs(tests["whole_unit_suite"]["median"]),
                "",
            ),
        ]
    )


# ---- make e2e (.out/e2e.json) -------------------------------------------------------------
def cluster_save_to_serve_table(fig: dict) -> str:
    c = fig["cluster_save_to_serve"]
    return table(
        [
            (
                f"save to new response in the pod (median / p90 of {len(c['samples_s'])})",
                f"{c['median_s']:.2f} / {secs(c['p90_s'])}",
                "1.5 s",
            ),
            (
                "floor: save of a synced file nothing reloads for, to Tilt's live update done "
                "(median)",
                secs(c["empty_sync_floor_median_s"]),
                "",
            ),
            ("gap from the floor to the new response", secs(c["gap_to_floor_s"]), "0.1 s"),
            (
                "an edit's live update done to its new response (median)",
                secs(c["sync_done_to_served_median_s"]),
                "",
            ),
            (
                "... live update done to the reloader reporting the change",
                secs(c["sync_done_to_change_reported_median_s"]),
                "",
            ),
            (
                "... change reported to the new code serving",
                secs(c["change_reported_to_serving_median_s"]),
                "",
            ),
            (
                "... new code serving to the response through the port-forward",
                secs(c["serving_to_response_median_s"]),
                "",
            ),
            (
                "the reloader's change-to-serving in the pod (median)",
                secs(c["reload_in_pod_median_s"]),
                "",
            ),
            (
                "save to Tilt's live update start: an edit / the floor",
                f"{c['save_to_live_update_start_median_s']:.3f} / "
                f"{secs(c['empty_sync_save_to_start_median_s'])}",
                "",
            ),
        ]
    )


def reloader_memory_table(fig: dict) -> str:
    m = fig["cluster_reloader_memory"]
    return table(
        [
            ("the supervisor's resident memory", mib(m["supervisor_rss_mib"]), ""),
            ("what the idle spare holds privately", mib(m["spare_private_mib"]), ""),
            (
                f"every reloader process together ({m['processes']}, PSS)",
                mib(m["reloader_pss_mib"]),
                "the dev chart's 192Mi request",
            ),
        ]
    )


def skaffold_dev_table(fig: dict) -> str:
    d = fig["skaffold_dev_save_to_serve"]
    return table(
        [
            (
                f"`skaffold dev --watch-poll-interval={d['watch_poll_interval_ms']}`, save to new "
                f"response in the pod (median / max of {len(d['samples_s'])})",
                f"{d['median_s']:.2f} / {secs(d['max_s'])}",
                "1.0 s",
            ),
        ]
    )


def dependency_change_table(fig: dict) -> str:
    return table(
        [
            ("Tilt", secs(fig["tilt_dependency_change_to_importable_s"]), "10 s"),
            ("`skaffold dev`", secs(fig["skaffold_dev_dependency_change_to_importable_s"]), "10 s"),
        ]
    )


def pod_debug_table(fig: dict) -> str:
    head = ["", "attach", "save to breakpoint hit in the new code"]
    rows = [
        [name, secs(fig[key]["attach_seconds"]), secs(fig[key]["save_to_breakpoint_seconds"])]
        for name, key in (
            ("kind, `tilt up -- --debug`", "tilt_k8s_debug"),
            ("kind, `skaffold debug`", "skaffold_debug"),
        )
    ]
    return grid(head, rows)


def mission_steps_table(fig: dict) -> str:
    return table(
        [
            ("the kind cluster, created to ready", secs(fig["cluster_ready_seconds"]), ""),
            ("`tilt ci`: build, push, deploy, system tests", secs(fig["tilt_ci_seconds"]), ""),
            (
                "`tilt up` to the first 200 through its port-forward, cluster running and image in "
                "its registry",
                secs(fig["tilt_up_to_first_200_warm_seconds"]),
                "20 s",
            ),
            (
                "`skaffold run -p ci`: build, deploy, `helm test`",
                secs(fig["skaffold_run_ci_seconds"]),
                "",
            ),
            ("`skaffold verify -p ci`", secs(fig["skaffold_verify_seconds"]), ""),
            (
                "`skaffold exec fastapi-service-load -p ci`",
                secs(fig["skaffold_exec_load_seconds"]),
                "",
            ),
        ]
    )


def no_request_lost_table(fig: dict) -> str:
    rows = []
    for disruption, what in (
        ("rollout-restart", "a rolling restart"),
        ("delete-pod", "a pod deleted"),
    ):
        counts = fig[f"failed_requests_during_{disruption}"]
        rows.append((what, f"{counts['failed']:,} failed of {counts['total']:,}", "0"))
    return table(rows)


def shared_cluster_table(fig: dict) -> str:
    return table(
        [
            (
                "save to new response in alice's pod",
                secs(fig["shared_cluster_save_to_serve_seconds"]),
                "1.5 s",
            ),
            (
                "two developers' `tilt up` to both serving (each dev image pushed with a login, "
                "pulled with a secret)",
                secs(fig["shared_cluster_two_tilt_ups_to_both_serving_seconds"]),
                "",
            ),
        ]
    )


def two_services_table(fig: dict) -> str:
    return table(
        [
            (
                "one `tilt up -- --with=../orders-api`, to both Ready",
                secs(fig["two_services_tilt_up_to_both_ready_seconds"]),
                "",
            ),
        ]
    )


@dataclass(frozen=True)
class Table:
    needs: tuple[str, ...]  # the top-level keys of the figures file it is rendered from
    render: Callable[[dict], str]


TABLES: dict[str, dict[str, Table]] = {
    "bench.json": {
        "reload": Table(("reload",), reload_table),
        "serving-rps": Table(("serving",), serving_rps_table),
        "serving-latency": Table(("serving",), serving_latency_table),
        "serving-memory": Table(("serving",), serving_memory_table),
        "hostile": Table(("hostile",), hostile_table),
        "image": Table(("image",), image_table),
        "tilt": Table(("tilt",), tilt_table),
        "debug": Table(("debug",), debug_table),
        "tests-on-save": Table(("tests_on_save",), tests_on_save_table),
    },
    "e2e.json": {
        "cluster-save-to-serve": Table(("cluster_save_to_serve",), cluster_save_to_serve_table),
        "reloader-memory": Table(("cluster_reloader_memory",), reloader_memory_table),
        "skaffold-dev": Table(("skaffold_dev_save_to_serve",), skaffold_dev_table),
        "dependency-change": Table(
            (
                "tilt_dependency_change_to_importable_s",
                "skaffold_dev_dependency_change_to_importable_s",
            ),
            dependency_change_table,
        ),
        "pod-debug": Table(("tilt_k8s_debug", "skaffold_debug"), pod_debug_table),
        "mission-steps": Table(
            (
                "cluster_ready_seconds",
                "tilt_ci_seconds",
                "tilt_up_to_first_200_warm_seconds",
                "skaffold_run_ci_seconds",
                "skaffold_verify_seconds",
                "skaffold_exec_load_seconds",
            ),
            mission_steps_table,
        ),
        "no-request-lost": Table(
            ("failed_requests_during_rollout-restart", "failed_requests_during_delete-pod"),
            no_request_lost_table,
        ),
        "shared-cluster": Table(
            (
                "shared_cluster_save_to_serve_seconds",
                "shared_cluster_two_tilt_ups_to_both_serving_seconds",
            ),
            shared_cluster_table,
        ),
        "two-services": Table(("two_services_tilt_up_to_both_ready_seconds",), two_services_table),
    },
}
COMMANDS = {"bench.json": "make bench", "e2e.json": "make e2e"}


def machine_line(name: str, figures: dict) -> str:
    machine = figures.get("machine")
    if not machine:
        return f"Latest run of `{COMMANDS[name]}`; its figures file does not say on what machine."
    cpus = machine.get("cpus")
    return (
        f"Latest run of `{COMMANDS[name]}`, on {cpus} CPU{'s' if cpus != 1 else ''} "
        f"with Python {machine.get('python', 'unknown')}."
    )


def render(page: str, figures: dict[str, dict | None]) -> tuple[str, list[str]]:
    """The page with every table its figures allow rendered again, and what was kept and why."""
    notes: list[str] = []
    seen: set[tuple[str, str]] = set()

    def section(match: re.Match) -> str:
        opening, name, table_name, _, closing = match.groups()
        if name not in TABLES or table_name not in TABLES[name]:
            raise SystemExit(
                f"bench.report: the page has a table this script does not know: {name} {table_name}"
            )
        seen.add((name, table_name))
        data = figures.get(name)
        if data is None:
            return match[0]
        wanted = TABLES[name][table_name]
        lacking = [key for key in wanted.needs if key not in data]
        if lacking:
            notes.append(f"{name} has no {', '.join(lacking)}: table {table_name} kept as it was")
            return match[0]
        body = wanted.render(data)
        return f"{opening}{body}\n\n{machine_line(name, data)}\n{closing}"

    rendered = SECTION.sub(section, page)
    for name, tables in TABLES.items():
        for table_name in tables:
            if (name, table_name) not in seen:
                notes.append(f"the page has no table {name} {table_name}: add its markers")
    return rendered, notes


def load(path: Path) -> dict | None:
    if not path.exists():
        return None
    figures = json.loads(path.read_text())
    if not isinstance(figures, dict):
        raise SystemExit(f"bench.report: {path} does not hold a JSON object")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.report", description=__doc__.splitlines()[0])
    parser.add_argument("--bench", type=Path, default=ROOT / ".out" / "bench.json")
    parser.add_argument("--e2e", type=Path, default=ROOT / ".out" / "e2e.json")
    parser.add_argument("--page", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    paths = {"bench.json": args.bench, "e2e.json": args.e2e}
    figures = {name: load(path) for name, path in paths.items()}
    for name, path in paths.items():
        if figures[name] is None:
            print(f"no {path}: its tables stay as they were (`{COMMANDS[name]}` writes it)")
    page = args.page.read_text()
    rendered, notes = render(page, figures)
    for note in notes:
        print(note)
    if rendered != page:
        args.page.write_text(rendered)
        print(f"wrote {args.page}")
    else:
        print(f"{args.page} unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
