"""The seed's API, answered exactly as the seed service answered."""

import pytest

from app.routes.hello import Q_MAX_LENGTH


def test_root_greets(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.json() == {"Hello": "World"}


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/items/42", {"item_id": 42, "q": None}),
        (
            "/items/42?q=5a920c4c-03d2-422e-b863-ce8126d35ff2",
            {"item_id": 42, "q": "5a920c4c-03d2-422e-b863-ce8126d35ff2"},
        ),
        ("/items/-7?q=", {"item_id": -7, "q": ""}),
    ],
)
def test_items_echo_id_and_query(client, url, body):
    response = client.get(url)
    assert response.status_code == 200
    assert response.json() == body


def test_non_integer_item_id_is_422_with_fastapi_error_body(client):
    response = client.get("/items/forty-two")
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["path", "item_id"]
    assert error["type"] == "int_parsing"


def test_query_at_the_limit_is_accepted(client):
    response = client.get("/items/1", params={"q": "x" * Q_MAX_LENGTH})
    assert response.status_code == 200


def test_query_over_the_limit_is_422(client):
    response = client.get("/items/1", params={"q": "x" * (Q_MAX_LENGTH + 1)})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["query", "q"]
    assert error["type"] == "string_too_long"


def test_unknown_path_is_404_json(client):
    response = client.get("/no/such/path")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_wrong_method_is_405_json(client):
    response = client.post("/items/1")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    assert response.headers["allow"] == "GET"


def test_limit_is_documented_in_openapi(client):
    schema = client.get("/openapi.json").json()
    params = schema["paths"]["/items/{item_id}"]["get"]["parameters"]
    q = next(p for p in params if p["name"] == "q")
    assert q["schema"]["anyOf"][0]["maxLength"] == Q_MAX_LENGTH


def test_response_models_make_openapi_precise(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["Greeting"]["required"] == ["Hello"]
    assert schemas["Item"]["properties"]["item_id"]["type"] == "integer"
