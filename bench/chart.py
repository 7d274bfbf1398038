"""The chart of the comparisons on docs/benchmarks.md (docs/bench.png)."""

from pathlib import Path

from bench.serving import PRODUCTION

# The latency goal, p99 at half the maximum rate, drawn on the latency panel.
P99_GOAL_MS = 10


def panels(results: dict) -> list[tuple]:
    """(draw_panel, suite results) for each panel the measured suites have figures for."""
    return [
        (draw_panel, results[suite])
        for suite, draw_panel in (
            ("reload", _reload),
            ("serving", _serving),
            ("serving", _latency),
            ("tilt", _tilt),
            ("tests_on_save", _tests_on_save),
        )
        if suite in results
    ]


def draw(results: dict, path: Path) -> bool:
    """Draw the chart into path; False, leaving path as it was, when no panel applies (e.g.
    `--only debug,image`: those suites have no comparison to draw)."""
    chosen = panels(results)
    if not chosen:
        return False
    import matplotlib  # only here: the bench group's, and only when there is something to draw

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = min(len(chosen), 2)
    rows = -(-len(chosen) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(7 * columns, 3.6 * rows), squeeze=False)
    for ax, (draw_panel, suite_results) in zip(axes.flat, chosen, strict=False):
        draw_panel(ax, suite_results)
    for ax in axes.flat[len(chosen) :]:
        ax.set_visible(False)
    figure.suptitle("fastapi-service, measured side by side (make bench)")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def _bars(ax, labels: list[str], values: list[float], unit: str, title: str, ours: str) -> None:
    """Horizontal bars; the project's own configuration (`ours`) in green."""
    colors = ["#2e7d32" if label == ours else "#9e9e9e" for label in labels]
    bars = ax.barh(labels, values, color=colors)
    ax.bar_label(
        bars, labels=[f"{v:,.2f} {unit}" if v < 100 else f"{v:,.0f} {unit}" for v in values]
    )
    ax.set_title(title)
    ax.invert_yaxis()
    ax.margins(x=0.3)


def _reload(ax, reload: dict) -> None:
    names = ["hotreload", "uvicorn --reload"]
    _bars(
        ax,
        names,
        [reload[n]["median"] for n in names],
        "s",
        "Save to new response (median)",
        "hotreload",
    )


def _serving(ax, serving: dict) -> None:
    route = next(iter(serving["rps"][PRODUCTION]))  # the first of load/requests.json
    # The servers measured on it (the seed serves the example routes only).
    rps = {
        n: by_route[route]["median"] for n, by_route in serving["rps"].items() if route in by_route
    }
    order = sorted(rps, key=lambda n: -rps[n])
    _bars(
        ax,
        [n.split(" (")[0] for n in order],
        [rps[n] for n in order],
        "req/s",
        f"{route} on one core (median)",
        "production",
    )


def _latency(ax, serving: dict) -> None:
    runs = {
        "production": serving["latency"],
        "raw Starlette, same load": serving["latency_floor_starlette"],
    }
    _bars(
        ax,
        list(runs),
        [r["p99_ms"] for r in runs.values()],
        "ms",
        f"p99 at {serving['latency']['rate_rps']:,} req/s, half the maximum"
        f" (k6 open model, median of {len(serving['latency']['p99_ms_runs'])} runs)",
        "production",
    )
    ax.axvline(P99_GOAL_MS, color="#c62828", linestyle="--", label=f"goal {P99_GOAL_MS} ms")
    ax.legend(loc="lower right")


def _tilt(ax, tilt: dict) -> None:
    names = [n for n in tilt if isinstance(tilt[n], dict)]
    title = "Tilt: save to new response (median)"
    _bars(ax, names, [tilt[n]["median"] for n in names], "s", title, "compose, live update")


def _tests_on_save(ax, tests: dict) -> None:
    counts = tests["tests_run"]
    runs = {
        f"a route ({counts['route']} tests)": tests["one_line_change_route"],
        f"every request's path ({counts['every_request']})": tests["one_line_change_every_request"],
        f"whole unit suite ({counts['all']})": tests["whole_unit_suite"],
    }
    title = "Tests on save: one-line change to a result (median)"
    _bars(ax, list(runs), [r["median"] for r in runs.values()], "s", title, next(iter(runs)))
    ax.axvline(tests["goal_seconds"], color="#c62828", linestyle="--", label="goal 3 s")
    ax.legend(loc="lower right")
