"""The seed's system test, and the URLs its README lists."""

import requests


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


def test_docs_and_redoc_pages(fastapi_root):
    for page, marker in (("/docs", "swagger-ui"), ("/redoc", "redoc")):
        response = requests.get(f"{fastapi_root}{page}", timeout=15)
        assert response.status_code == 200
        assert marker in response.text.lower()
    schema = requests.get(f"{fastapi_root}/openapi.json", timeout=15).json()
    assert {"/", "/items/{item_id}"} <= set(schema["paths"])
