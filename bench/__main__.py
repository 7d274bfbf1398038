"""python -m bench [--only reload,serving,hostile,image,tilt,debug,tests_on_save]: measure, print,
write JSON and the chart.

Run it on a quiet machine: the figures are medians of repeated runs, and each comparison is
made within the same run, but a busy second core still shifts them.
"""

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

from bench import chart, debug, hostile, image, reload, serving, tests_on_save, tilt
from bench.common import ROOT

SUITES = {
    "reload": reload,
    "serving": serving,
    "hostile": hostile,
    "image": image,
    "tilt": tilt,
    "debug": debug,
    "tests_on_save": tests_on_save,
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__)
    parser.add_argument("--only", default=",".join(SUITES), help="comma-separated suites")
    parser.add_argument("--output", type=Path, default=ROOT / ".out" / "bench.json")
    parser.add_argument("--chart", type=Path, default=ROOT / "docs" / "bench.png")
    args = parser.parse_args()
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(chosen) - set(SUITES)
    if unknown:
        parser.error(
            f"unknown suites: {', '.join(sorted(unknown))} (choose from {', '.join(SUITES)})"
        )

    results: dict = {
        "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()}
    }
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        for name in chosen:
            started = time.monotonic()
            print(f"== {name}", flush=True)
            results[name] = SUITES[name].run(Path(scratch))
            results[name]["suite_seconds"] = round(time.monotonic() - started, 1)
            print(json.dumps(results[name], indent=2), flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.output}")
    if chart.draw(results, args.chart):
        print(f"wrote {args.chart}")
    else:
        print(f"no chart: none of {', '.join(chosen)} has a panel; {args.chart} left as it was")
    print("`make bench-report` puts the figures on docs/benchmarks.md")


if __name__ == "__main__":
    main()
