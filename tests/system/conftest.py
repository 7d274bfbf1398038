import os

import pytest

from tests.system.service import wait_until_ready


@pytest.fixture(scope="session")
def fastapi_root(request: pytest.FixtureRequest) -> str:
    """The service's root URL: FASTAPI_ROOT when set, else a local server for this session."""
    root = os.environ.get("FASTAPI_ROOT")
    if root:
        # A moment for a new pod's network (a NetworkPolicy agent admitting it, a port-forward).
        wait_until_ready(root.rstrip("/"))
        return root.rstrip("/")
    try:
        # tests/conftest.py's: the images carry this suite without it, and always set FASTAPI_ROOT.
        local_root: str | None = request.getfixturevalue("local_fastapi_root")
    except pytest.FixtureLookupError:
        local_root = None
    if local_root is None:
        pytest.fail("FASTAPI_ROOT is not set, and this copy of the suite cannot start a server")
    return local_root
