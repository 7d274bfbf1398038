"""The example routes, over HTTP: the seed's system test and their validation."""

import requests

from tests.system.service import request_count


def test_hello_world(fastapi_root):
    response = requests.get(f"{fastapi_root}/", timeout=15)
    assert response.status_code == 200
    assert response.json() == {"Hello": "World"}


def test_item_without_query(fastapi_root):
    response = requests.get(f"{fastapi_root}/items/42", timeout=15)
    assert response.status_code == 200
    assert response.json() == {"item_id": 42, "q": None}


def test_item_with_query(fastapi_root):
    q = "5a920c4c-03d2-422e-b863-ce8126d35ff2"
    response = requests.get(f"{fastapi_root}/items/42", params={"q": q}, timeout=15)
    assert response.status_code == 200
    assert response.json() == {"item_id": 42, "q": q}


def test_non_integer_id_is_422(fastapi_root):
    response = requests.get(f"{fastapi_root}/items/abc", timeout=15)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert response.json()["detail"][0]["loc"] == ["path", "item_id"]


def test_overlong_query_is_422(fastapi_root):
    response = requests.get(f"{fastapi_root}/items/1", params={"q": "q" * 1_000}, timeout=15)
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "string_too_long"


def test_metrics_count_item_requests_by_route_template(fastapi_root):
    # Enough requests that every replica behind a Service sees some of them.
    items = [f"/items/{item_id}" for item_id in range(20)]
    count, text = request_count(fastapi_root, items, "/items/{item_id}")
    assert count is not None, text
    assert count >= 1
    assert 'route="/items/1"' not in text


def test_the_schema_lists_the_example_routes(fastapi_root):
    schema = requests.get(f"{fastapi_root}/openapi.json", timeout=15).json()
    assert {"/", "/items/{item_id}"} <= set(schema["paths"])
