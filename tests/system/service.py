"""The service under test, seen from outside: its readiness and what its metrics count.

Needs nothing but the standard library and requests: this suite also runs inside the
image's helm test pod, in compose, in skaffold verify and from a Tilt button, where
harness/ is not (tests/test_imports.py holds it to that).
"""

import re
import time

import requests

# How often wait_until_ready asks again.
POLL_SECONDS = 0.05


def wait_until_ready(root: str, timeout: float = 30.0) -> None:
    """Until root/readyz answers 200, for at most timeout seconds."""
    deadline = time.monotonic() + timeout
    last = "nothing"
    while time.monotonic() < deadline:
        try:
            response = requests.get(f"{root}/readyz", timeout=2)
        except requests.RequestException as exc:
            last = repr(exc)
        else:
            if response.status_code == 200:
                return
            last = f"{response.status_code} {response.text[:200]!r}"
        time.sleep(POLL_SECONDS)
    raise TimeoutError(f"{root}/readyz did not answer 200 within {timeout} s; last: {last}")


def request_count(root: str, paths: list[str], route: str) -> tuple[float | None, str]:
    """GET each of paths, then what /metrics counts for GET route with status 200 (None when
    it has no such series), and the metrics text."""
    for path in paths:
        requests.get(f"{root}{path}", timeout=15)
    text = requests.get(f"{root}/metrics", timeout=15).text
    series = re.search(
        rf'^http_requests_total\{{method="GET",route="{re.escape(route)}",status="200"\}} (\S+)$',
        text,
        flags=re.MULTILINE,
    )
    return (float(series.group(1)) if series else None), text
