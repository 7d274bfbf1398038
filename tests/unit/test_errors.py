"""An unexpected exception still gets a JSON body with the request id, and no trace."""


def test_unhandled_error_is_500_json_with_request_id(app, client):
    @app.get("/explode")
    async def explode() -> None:
        raise RuntimeError("secret internals")

    response = client.get("/explode", headers={"X-Request-ID": "boom-1"})
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error", "request_id": "boom-1"}
    assert response.headers["x-request-id"] == "boom-1"
    assert "secret" not in response.text


def test_unhandled_error_is_counted(app, client):
    @app.get("/explode")
    async def explode() -> None:
        raise RuntimeError("x")

    client.get("/explode")
    assert 'route="/explode",status="500"' in client.get("/metrics").text
