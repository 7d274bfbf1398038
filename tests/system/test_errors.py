"""Bad input gets a precise 4xx JSON body over real HTTP."""

import requests


def test_non_integer_id_is_422(fastapi_root):
    response = requests.get(f"{fastapi_root}/items/abc", timeout=15)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert response.json()["detail"][0]["loc"] == ["path", "item_id"]


def test_overlong_query_is_422(fastapi_root):
    response = requests.get(f"{fastapi_root}/items/1", params={"q": "q" * 1_000}, timeout=15)
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "string_too_long"


def test_unknown_path_is_404_json(fastapi_root):
    response = requests.get(f"{fastapi_root}/definitely/not/here", timeout=15)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_wrong_method_is_405_json(fastapi_root):
    response = requests.delete(f"{fastapi_root}/", timeout=15)
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
