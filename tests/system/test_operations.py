"""What operators rely on: probes, metrics, request ids."""

import re

import requests

from tests.system.service import request_count


def test_probes_are_ok(fastapi_root):
    for probe in ("/healthz", "/readyz"):
        response = requests.get(f"{fastapi_root}{probe}", timeout=15)
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}


def test_request_id_is_echoed_or_minted(fastapi_root):
    echoed = requests.get(
        f"{fastapi_root}/healthz", headers={"X-Request-ID": "sys-test-1"}, timeout=15
    )
    assert echoed.headers["X-Request-ID"] == "sys-test-1"
    minted = requests.get(
        f"{fastapi_root}/healthz", headers={"X-Request-ID": "bad id!"}, timeout=15
    )
    assert re.fullmatch(r"[0-9a-f]{32}", minted.headers["X-Request-ID"])


def test_metrics_count_requests_by_route(fastapi_root):
    # Enough requests that every replica behind a Service sees some of them.
    count, text = request_count(fastapi_root, ["/healthz"] * 20, "/healthz")
    assert count is not None, text
    assert count >= 1


def test_head_answers_wherever_get_does(fastapi_root):
    for path in ("/healthz", "/readyz", "/docs"):
        head = requests.head(f"{fastapi_root}{path}", timeout=5)
        assert head.status_code == 200, path
        assert head.content == b""
        assert (
            head.headers["content-length"]
            == requests.get(f"{fastapi_root}{path}", timeout=5).headers["content-length"]
        )


def test_docs_and_redoc_pages(fastapi_root):
    for page, marker in (("/docs", "swagger-ui"), ("/redoc", "redoc")):
        response = requests.get(f"{fastapi_root}{page}", timeout=15)
        assert response.status_code == 200
        assert marker in response.text.lower()
    schema = requests.get(f"{fastapi_root}/openapi.json", timeout=15).json()
    assert {"/healthz", "/readyz"} <= set(schema["paths"])
