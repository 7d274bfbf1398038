import os
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.lifecycle import Lifecycle
from app.main import create_app
from app.settings import Settings


def add_test_route(app: FastAPI) -> None:
    """A route of the tests' own (a path parameter, a query, validation), so that they test the
    middleware, logs and metrics without depending on the example routes."""

    @app.get("/things/{thing_id}")
    async def read_thing(thing_id: int, q: str | None = None) -> dict:
        return {"thing_id": thing_id, "q": q}


@pytest.fixture(autouse=True)
def no_app_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests never read APP_* from the environment (the dev image's ENV sets some)."""
    for name in [name for name in os.environ if name.upper().startswith("APP_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def make_client() -> Iterator[Callable[..., TestClient]]:
    """Build an app from explicit settings (never the environment) and a client for it."""
    clients: list[TestClient] = []

    def make(lifecycle: Lifecycle | None = None, **settings: object) -> TestClient:
        app = create_app(Settings(**settings), lifecycle)
        add_test_route(app)
        client = TestClient(app, raise_server_exceptions=False)
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


@pytest.fixture
def app(client: TestClient) -> FastAPI:
    return client.app
