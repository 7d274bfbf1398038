"""Prometheus request metrics, labelled by route template so ids do not explode series."""

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "RequestMetrics"]

LABELS = ("method", "route", "status")


class RequestMetrics:
    """Request count and latency; one registry per app so tests never share state."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._requests = Counter(
            "http_requests", "HTTP requests served.", LABELS, registry=self.registry
        )
        self._latency = Histogram(
            "http_request_duration_seconds",
            "Time from request start to response end.",
            LABELS,
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
        )
        # Labelled children, cached: label lookup is the costly part of an update.
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            labels = (method, route, str(status))
            children = self._requests.labels(*labels), self._latency.labels(*labels)
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
