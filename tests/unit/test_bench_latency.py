"""make bench's latency figure: the median of the k6 runs, not the best or the last one."""

from bench.serving import latency_summary


def k6_run(p99_ms: float, failed: int = 0) -> dict:
    return {
        "rate_rps": 4000,
        "p50_ms": p99_ms / 10,
        "p95_ms": p99_ms / 2,
        "p99_ms": p99_ms,
        "failed": failed,
        "requests": 80_000,
        "k6_exit": 0,
    }


def test_reports_the_median_run_and_every_runs_p99() -> None:
    summary = latency_summary([k6_run(12.0), k6_run(6.0), k6_run(8.0, failed=2)])

    assert summary["p99_ms"] == 8.0
    assert summary["p95_ms"] == 4.0
    assert summary["p99_ms_runs"] == [12.0, 6.0, 8.0]


def test_failures_and_requests_add_up_over_the_runs() -> None:
    summary = latency_summary([k6_run(5.0, failed=1), k6_run(5.0, failed=2)])

    assert summary["failed"] == 3
    assert summary["requests"] == 160_000
    assert summary["k6_exits"] == [0, 0]
