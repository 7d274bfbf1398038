"""Prometheus metrics, labelled by route template and status."""

import re


def series(client, name: str) -> dict[str, float]:
    text = client.get("/metrics").text
    return {
        labels: float(value)
        for labels, value in re.findall(rf"^{name}\{{(.*)\}} (\S+)$", text, flags=re.MULTILINE)
    }


def test_metrics_are_prometheus_text(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    assert "# TYPE http_requests_total counter" in response.text
    assert "# TYPE http_request_duration_seconds histogram" in response.text


def test_ids_share_one_series_by_route_template(client):
    client.get("/things/1")
    client.get("/things/2?q=a")
    counts = series(client, "http_requests_total")
    assert counts['method="GET",route="/things/{thing_id}",status="200"'] == 2
    assert not any("/things/1" in labels for labels in counts)


def test_status_is_a_label(client):
    client.get("/things/x")
    counts = series(client, "http_requests_total")
    assert counts['method="GET",route="/things/{thing_id}",status="422"'] == 1


def test_unknown_paths_and_methods_cannot_create_series(client):
    for path in ("/a", "/b", "/c/d"):
        client.get(path)
    client.request("BREW", "/healthz")
    counts = series(client, "http_requests_total")
    assert counts['method="GET",route="<unmatched>",status="404"'] == 3
    assert counts['method="OTHER",route="/healthz",status="405"'] == 1


def test_latency_histogram_counts_every_request(client):
    client.get("/healthz")
    client.get("/healthz")
    buckets = series(client, "http_request_duration_seconds_count")
    assert buckets['method="GET",route="/healthz",status="200"'] == 2


def test_metrics_can_be_disabled(make_client):
    client = make_client(metrics_enabled=False)
    assert client.get("/metrics").status_code == 404
    assert client.get("/healthz").status_code == 200
