"""make bench's chart (bench/chart.py): a run of suites none of which it draws (`python -m
bench --only debug`) leaves the chart as it was instead of failing after the figures."""

from bench import chart


def test_no_panel_draws_nothing_and_leaves_the_chart(tmp_path) -> None:
    path = tmp_path / "bench.png"
    path.write_bytes(b"the previous chart")
    only_debug = {"machine": {"cpus": 2, "python": "3.11.9"}, "debug": {"attach": {}}}

    assert chart.draw(only_debug, path) is False
    assert path.read_bytes() == b"the previous chart"


def test_a_panel_for_each_comparison_measured() -> None:
    results = {"machine": {}, "reload": {}, "serving": {}, "image": {}, "tests_on_save": {}}

    drawn = [draw_panel.__name__ for draw_panel, _ in chart.panels(results)]

    assert drawn == ["_reload", "_serving", "_latency", "_tests_on_save"]
