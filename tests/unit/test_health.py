"""Liveness and readiness probes."""

from app.lifecycle import Lifecycle


def test_healthz_is_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ok_while_serving(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_503_once_shutdown_begins_while_liveness_stays_ok(make_client):
    lifecycle = Lifecycle()
    client = make_client(lifecycle=lifecycle)
    lifecycle.begin_shutdown()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "shutting down"}
    assert client.get("/healthz").status_code == 200


def test_connections_close_once_draining(make_client):
    lifecycle = Lifecycle()
    client = make_client(lifecycle=lifecycle)
    assert client.get("/healthz").headers.get("connection") != "close"
    lifecycle.begin_shutdown()
    response = client.get("/healthz")
    assert response.status_code == 200  # still served, but the client must reconnect
    assert response.headers["connection"] == "close"


def test_not_ready_before_startup():
    assert not Lifecycle().ready
