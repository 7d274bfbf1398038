"""X-Request-ID: reuse a sane one, mint one otherwise, echo it on every response."""

import pytest

from app.request_id import MAX_LENGTH, accept_or_new


def test_a_sane_id_is_echoed(client):
    response = client.get("/", headers={"X-Request-ID": "abc-123_x.y:z"})
    assert response.headers["x-request-id"] == "abc-123_x.y:z"


@pytest.mark.parametrize(
    "bad",
    ["", "x" * (MAX_LENGTH + 1), "has space", "semi;colon", "new\tline", 'quote"', "ünï"],
)
def test_an_insane_id_is_replaced(bad):
    fresh = accept_or_new(bad.encode("utf-8"))
    assert fresh != bad
    assert len(fresh) == 32


def test_longest_sane_id_is_kept():
    assert accept_or_new(b"a" * MAX_LENGTH) == "a" * MAX_LENGTH


def test_a_missing_id_is_minted_and_unique(client):
    first = client.get("/").headers["x-request-id"]
    second = client.get("/").headers["x-request-id"]
    assert first != second
    assert len(first) == 32


@pytest.mark.parametrize(("method", "path"), [("GET", "/nope"), ("GET", "/items/x"), ("PUT", "/")])
def test_error_responses_carry_the_id_too(client, method, path):
    response = client.request(method, path, headers={"X-Request-ID": "trace-me"})
    assert response.status_code >= 400
    assert response.headers["x-request-id"] == "trace-me"
