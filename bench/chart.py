"""The README's chart of the comparisons (docs/bench.png)."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def draw(results: dict, path: Path) -> None:
    panels = [p for p in ("reload", "serving", "tilt") if p in results]
    figure, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4.2), squeeze=False)
    for ax, panel in zip(axes[0], panels, strict=True):
        {"reload": _reload, "serving": _serving, "tilt": _tilt}[panel](ax, results[panel])
    figure.suptitle("fastapi-service, measured side by side (make bench)")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


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
    names = list(serving["rps"])
    order = sorted(names, key=lambda n: -serving["rps"][n]["root"]["median"])
    _bars(
        ax,
        [n.split(" (")[0] for n in order],
        [serving["rps"][n]["root"]["median"] for n in order],
        "req/s",
        "GET / on one core (median)",
        "production",
    )


def _tilt(ax, tilt: dict) -> None:
    names = [n for n in tilt if isinstance(tilt[n], dict)]
    title = "Tilt: save to new response (median)"
    _bars(ax, names, [tilt[n]["median"] for n in names], "s", title, "compose, live update")
