import os
from collections.abc import Iterator

import pytest

from tests.system.service import local_service


@pytest.fixture(scope="session")
def fastapi_root() -> Iterator[str]:
    """The service's root URL: FASTAPI_ROOT when set, else a local server for this session."""
    root = os.environ.get("FASTAPI_ROOT")
    if root:
        yield root.rstrip("/")
        return
    with local_service() as local_root:
        yield local_root
