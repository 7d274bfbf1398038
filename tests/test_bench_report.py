"""`make bench-report` (bench/report.py): docs/benchmarks.md's tables from small figures files
shaped as `make bench` and `make e2e` write them, a missing or partial file keeping its part."""

import json
import re
import shutil
from pathlib import Path

import pytest

from bench import report
from bench.common import summary
from bench.serving import GRANIAN_NAME, PRODUCTION, SEED, STARLETTE, latency_summary
from harness.prerequisites import ROOT
from tests.cluster import mission

PAGE = ROOT / "docs" / "benchmarks.md"
MACHINE = {"cpus": 2, "python": "3.11.9"}
TABLE = re.compile(r"<!-- figures: (\S+) (\S+) -->\n(.*?)<!-- /figures -->", re.S)


def tables(page: str) -> dict[tuple[str, str], str]:
    return {(file, name): body for file, name, body in TABLE.findall(page)}


def k6(p99: float) -> dict:
    return {"rate_rps": 2400, "p50_ms": 1.5, "p95_ms": 4.0, "p99_ms": p99, "failed": 0,
            "requests": 48_000, "k6_exit": 0}  # fmt: skip


def bench_figures() -> dict:
    """What python -m bench writes, each suite's run() shape, with round numbers."""
    rps = {
        PRODUCTION: {"GET /healthz": summary([6000.0]), "GET /": summary([4844.0] * 5)},
        SEED: {"GET /": summary([1919.0] * 5)},
        GRANIAN_NAME: {"GET /healthz": summary([5900.0]), "GET /": summary([4800.0])},
        STARLETTE: {"GET /healthz": summary([9000.0]), "GET /": summary([7573.0])},
    }
    return {
        "machine": MACHINE,
        "reload": {
            "hotreload": summary([0.118] * 10),
            "uvicorn --reload": summary([1.13] * 10),
            "speedup": 1.13 / 0.118,
        },
        "serving": {
            "rps": rps,
            "latency": latency_summary([k6(17.7), k6(32.5), k6(5.8)]),
            "latency_floor_starlette": latency_summary([k6(4.3)] * 3),
            "rss_mb": 56.2,
            "pipelining_flood_peak_rss_mb": {PRODUCTION: 61.0},
            "ratio_vs_seed": {"GET /": 4844 / 1919},
            "fraction_of_starlette": {"GET /healthz": 0.67, "GET /": 0.64},
            "granian_vs_uvicorn": {"GET /healthz": 0.98, "GET /": 0.99},
        },
        "hostile": {
            "connections": 990,
            "chart_memory_limit": "256Mi",
            "endless_heads": {"idle_mb": 56.1, "peak_mb": 157.3, "healthy": True},
            "stalled_bodies": {"idle_mb": 56.0, "peak_mb": 120.0, "healthy": True},
        },
        "image": {
            "size_mb": {
                "production": 149.2,
                "development": 463.0,
                "k6": 60.1,
                "base registry.example.com/python:3.13-slim": 117.4,
            },
            "rebuild_after_one_line_change_s": 0.91,
            "start_to_ready_s": summary([0.56] * 5),
        },
        "tilt": {
            "local process, hot reload": summary([0.10] * 10),
            "compose, live update": summary([0.37] * 10),
            "compose, full image rebuild": summary([2.2] * 5),
            "rebuild_vs_live_update": 2.2 / 0.37,
        },
        "debug": {"attach": summary([0.45] * 5), "save_to_breakpoint": summary([2.28] * 5)},
        "tests_on_save": {
            "goal_seconds": 3.0,
            "tests_run": {"route": 8, "every_request": 49, "all": 90},
            "one_line_change_route": summary([2.2] * 5),
            "one_line_change_every_request": summary([4.2] * 5),
            "whole_unit_suite": summary([5.0] * 5),
        },
    }


def write_e2e(path: Path, monkeypatch) -> None:
    """Every figure `make e2e` records, through its own record()."""
    monkeypatch.setattr(mission, "FIGURES", path)
    monkeypatch.setattr(mission.os, "cpu_count", lambda: 8)
    record = mission.record
    record("cluster_ready_seconds", 41.5)
    record("tilt_ci_seconds", 95.2)
    record("tilt_up_to_first_200_warm_seconds", 4.7)
    record(
        "cluster_save_to_serve",
        {
            "median_s": 0.412, "p90_s": 0.55, "samples_s": [0.4] * 10,
            "save_to_sync_done_median_s": 0.35, "sync_done_to_served_median_s": 0.061,
            "empty_sync_floor_median_s": 0.33, "empty_sync_samples_s": [0.33] * 10,
            "save_to_live_update_start_median_s": 0.105,
            "empty_sync_save_to_start_median_s": 0.1, "gap_to_floor_s": 0.083,
            "reload_in_pod_median_s": 0.023, "sync_done_to_change_reported_median_s": 0.011,
            "change_reported_to_serving_median_s": 0.019, "serving_to_response_median_s": 0.018,
        },
    )  # fmt: skip
    record(
        "cluster_reloader_memory",
        {"supervisor_rss_mib": 60.2, "spare_private_mib": 34.8, "reloader_pss_mib": 133.0,
         "processes": 4},
    )  # fmt: skip
    record("tilt_dependency_change_to_importable_s", 0.87)
    record("skaffold_run_ci_seconds", 120.4)
    record("skaffold_verify_seconds", 20.1)
    record("skaffold_exec_load_seconds", 35.7)
    record("failed_requests_during_rollout-restart", {"failed": 0, "total": 6750})
    record("failed_requests_during_delete-pod", {"failed": 0, "total": 6748})
    record(
        "skaffold_dev_save_to_serve",
        {"median_s": 0.57, "max_s": 0.87, "samples_s": [0.57] * 5, "watch_poll_interval_ms": 100},
    )
    record("skaffold_dev_dependency_change_to_importable_s", 2.96)
    figures = {"attach_seconds": 0.54, "save_to_breakpoint_seconds": 2.53}
    record("tilt_k8s_debug", figures)
    record("skaffold_debug", figures)
    record("shared_cluster_two_tilt_ups_to_both_serving_seconds", 86.0)
    record("shared_cluster_save_to_serve_seconds", 0.43)
    record("two_services_tilt_up_to_both_ready_seconds", 49.4)


@pytest.fixture
def page(tmp_path) -> Path:
    copy = tmp_path / "benchmarks.md"
    shutil.copy(PAGE, copy)
    return copy


def run(tmp_path, page: Path, capsys, bench: dict | None = None, e2e: bool = True) -> str:
    args = ["--page", str(page), "--bench", str(tmp_path / "bench.json")]
    args += ["--e2e", str(tmp_path / "e2e.json" if e2e else tmp_path / "absent.json")]
    if bench is not None:
        (tmp_path / "bench.json").write_text(json.dumps(bench))
    assert report.main(args) == 0
    return capsys.readouterr().out


def test_the_page_has_a_table_for_every_figure_the_script_renders():
    rendered, notes = report.render(PAGE.read_text(), {"bench.json": None, "e2e.json": None})
    assert notes == []
    assert rendered == PAGE.read_text()
    assert set(tables(rendered)) == {(f, t) for f, named in report.TABLES.items() for t in named}


def test_every_table_is_rendered_from_the_latest_figures_with_its_machine(
    tmp_path, page, capsys, monkeypatch
):
    write_e2e(tmp_path / "e2e.json", monkeypatch)
    out = run(tmp_path, page, capsys, bench_figures())
    assert f"wrote {page}" in out
    rendered = tables(page.read_text())
    for (file, name), body in rendered.items():
        assert "As last measured" not in body, (file, name)
    assert "on 2 CPUs with Python 3.11.9" in rendered["bench.json", "reload"]
    assert (
        f"on 8 CPUs with Python {mission.platform.python_version()}"
        in rendered["e2e.json", "two-services"]
    )
    assert (
        "| save to new response, `hotreload` (median of 10) | 0.12 s | at most 0.25 s |"
        in (rendered["bench.json", "reload"])
    )
    assert (
        "| `uvicorn --reload` / `hotreload` | 9.6x | at least 2.5x |"
        in (rendered["bench.json", "reload"])
    )
    rps = rendered["bench.json", "serving-rps"]
    assert "| `GET /` | 4,844 req/s | 1,919 req/s | 2.52x | 0.99x | 7,573 req/s |" in rps
    assert "| `GET /healthz` | 6,000 req/s | - | - | 0.98x | 9,000 req/s |" in rps
    latency = rendered["bench.json", "serving-latency"]
    assert "| p99 at 2,400 req/s, half the maximum (median of 3 k6 runs) | 17.7 ms" in latency
    assert "(runs 17.7, 32.5, 5.8)" in latency
    assert "| `endless_heads` | 56 MB | 157 MB | yes |" in rendered["bench.json", "hostile"]
    image = rendered["bench.json", "image"]
    assert "| base image | 117 MB | |" in image
    assert "registry.example.com" not in page.read_text()  # a mirror's host stays off the page
    assert "| rebuild after a one-line change in `app/` | 0.91 s | 5 s |" in image
    assert (
        "| compose, live update (median of 10) | 0.37 s | 1.5 s |"
        in (rendered["bench.json", "tilt"])
    )
    assert "8 tests (median of 5) | 2.20 s | 3 s |" in rendered["bench.json", "tests-on-save"]
    cluster = rendered["e2e.json", "cluster-save-to-serve"]
    assert "| save to new response in the pod (median / p90 of 10) | 0.41 / 0.55 s | 1.5 s |" in (
        cluster
    )
    assert "| gap from the floor to the new response | 0.083 s | 0.1 s |" in cluster
    assert "| `skaffold dev` | 2.96 s | 10 s |" in rendered["e2e.json", "dependency-change"]
    assert "| a pod deleted | 0 failed of 6,748 | 0 |" in rendered["e2e.json", "no-request-lost"]
    assert "| kind, `skaffold debug` | 0.54 s | 2.53 s |" in rendered["e2e.json", "pod-debug"]
    # The page's own text between the tables is left as it was.
    outside = TABLE.sub("", page.read_text())
    assert outside == TABLE.sub("", PAGE.read_text())


def test_a_missing_figures_file_keeps_its_tables_and_says_so(tmp_path, page, capsys):
    out = run(tmp_path, page, capsys, bench_figures(), e2e=False)
    assert f"no {tmp_path / 'absent.json'}: its tables stay as they were (`make e2e`" in out
    before, after = tables(PAGE.read_text()), tables(page.read_text())
    for key in before:
        if key[0] == "e2e.json":
            assert after[key] == before[key]
        else:
            assert after[key] != before[key]


def test_a_partial_run_renders_its_tables_only(tmp_path, page, capsys):
    """`python -m bench --only debug` writes the machine and that one suite."""
    only_debug = {"machine": MACHINE, "debug": bench_figures()["debug"]}
    out = run(tmp_path, page, capsys, only_debug, e2e=False)
    assert "bench.json has no reload: table reload kept as it was" in out
    before, after = tables(PAGE.read_text()), tables(page.read_text())
    changed = {key for key in before if after[key] != before[key]}
    assert changed == {("bench.json", "debug")}
    assert "| attach (median of 5) | 0.45 s |" in after["bench.json", "debug"]


def test_nothing_to_render_leaves_the_page_unchanged(tmp_path, page, capsys):
    out = run(tmp_path, page, capsys, None, e2e=False)
    assert "(`make bench` writes it)" in out
    assert f"{page} unchanged" in out
    assert page.read_text() == PAGE.read_text()
