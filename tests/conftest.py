"""Session fixtures shared by the tests: the project's images, a local server."""

from collections.abc import Iterator

import pytest

from harness import images, prerequisites
from harness.server import server_process


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
    return images.build("fastapi-service-k6:test", target="k6")


@pytest.fixture(scope="session")
def local_fastapi_root() -> Iterator[str]:
    """The production server from this checkout, for tests/system when FASTAPI_ROOT is unset.

    Here, not in tests/system: the images carry that suite, and harness is not in them.
    """
    with server_process() as (root, _):
        yield root


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under pytest-testmon (tests on save) a change no test depends on runs none: not a failure."""
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and session.config.getoption(
        "testmon", default=False
    ):
        session.exitstatus = pytest.ExitCode.OK
