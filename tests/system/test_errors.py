"""Bad input gets a precise 4xx JSON body over real HTTP."""

import requests


def test_unknown_path_is_404_json(fastapi_root):
    response = requests.get(f"{fastapi_root}/definitely/not/here", timeout=15)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_wrong_method_is_405_json(fastapi_root):
    response = requests.delete(f"{fastapi_root}/healthz", timeout=15)
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
