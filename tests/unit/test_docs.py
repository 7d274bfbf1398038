"""Interactive docs work with no network: their assets are served by the app itself."""

import re

import pytest


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_assets_from_the_app_not_a_cdn(client, page):
    response = client.get(page)
    assert response.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert assets, "the page should reference its scripts and styles"
    for asset in assets:
        assert asset.startswith("/"), f"{page} loads {asset} from outside the app"
        assert client.get(asset).status_code == 200, asset


def test_docs_follow_root_path(make_client):
    client = make_client(root_path="/api")
    response = client.get("/docs")
    assert '"/api/openapi.json"' in response.text or "'/api/openapi.json'" in response.text


def test_docs_can_be_disabled(make_client):
    client = make_client(docs_enabled=False)
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(path).status_code == 404
