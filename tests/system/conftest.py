import os
from collections.abc import Iterator

import pytest

from tests.system.service import local_service, wait_ready


@pytest.fixture(scope="session")
def fastapi_root() -> Iterator[str]:
    """The service's root URL: FASTAPI_ROOT when set, else a local server for this session."""
    root = os.environ.get("FASTAPI_ROOT")
    if root:
        # A moment for a new pod's network (a NetworkPolicy agent admitting it, a port-forward).
        wait_ready(f"{root.rstrip('/')}/readyz", timeout=30)
        yield root.rstrip("/")
        return
    with local_service() as local_root:
        yield local_root
