"""Session fixtures shared by the tests that need the project's images."""

import pytest

from tests import images, prerequisites


@pytest.fixture(scope="session")
def production_image() -> str:
    prerequisites.docker()
    return images.build("fastapi-service:test-production", target="production")


@pytest.fixture(scope="session")
def development_image() -> str:
    prerequisites.docker()
    return images.build("fastapi-service:test-development", target="development")


@pytest.fixture(scope="session")
def load_image() -> str:
    prerequisites.docker()
    return images.build("fastapi-service-k6:test", context=images.ROOT / "load")
