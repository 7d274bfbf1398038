"""A `tilt up` session driven through Tilt's own CLI (its API), for the Tilt and cluster tests."""

import json
import subprocess
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from harness.prerequisites import tool


class TiltSession:
    """`tilt up` in a project copy, driven through Tilt's own CLI (its API)."""

    def __init__(self, project: Path, api_port: int, env: dict[str, str], args: list[str]) -> None:
        self.project, self.api_port, self.env, self.args = project, api_port, env, args
        self.log = project / "tilt-up.log"

    def cli(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            [tool("tilt"), *args, "--port", str(self.api_port)],
            cwd=self.project,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def resource(self, name: str) -> dict:
        result = self.cli("get", "uiresource", name, "-o", "json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def last_update(self, name: str) -> tuple[float, float] | None:
        """When the newest finished build or live update of `name` started and finished (epoch
        seconds, Tilt's clock)."""
        history = self.resource(name)["status"].get("buildHistory") or []
        if not history or not history[0].get("finishTime"):
            return None
        build = history[0]
        return epoch(build["startTime"]), epoch(build["finishTime"])

    def wait_for_api(self, timeout: float = 120) -> None:
        """Until `tilt up` answers on its port."""
        deadline = time.monotonic() + timeout
        while self.cli("get", "session").returncode != 0:
            assert time.monotonic() < deadline, self.log.read_text()[-3000:]
            time.sleep(1)

    def wait_ready(self, name: str, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while True:
            left = max(1, int(deadline - time.monotonic()))
            result = self.cli(
                "wait",
                "--for=condition=Ready",
                f"uiresource/{name}",
                f"--timeout={left}s",
                timeout=left + 10,
            )
            # Until the Tiltfile has loaded, the resource does not exist yet.
            if "NotFound" not in result.stderr or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert result.returncode == 0, result.stderr + self.log.read_text()[-3000:]

    def trigger_and_wait(self, name: str, timeout: float = 600) -> dict:
        """Trigger a manual resource; return its finished build record."""
        before = len(self.resource(name)["status"].get("buildHistory") or [])
        assert self.cli("trigger", name).returncode == 0
        return self.wait_for_build(name, before, timeout)

    def wait_for_build(self, name: str, builds_before: int, timeout: float = 600) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.resource(name)["status"]
            history = status.get("buildHistory") or []
            if (
                len(history) > builds_before
                and history[0].get("finishTime")
                and not status.get("currentBuild", {}).get("startTime")
            ):
                return history[0]
            time.sleep(1)
        raise AssertionError(
            f"{name} did not finish within {timeout} s:\n{self.log.read_text()[-3000:]}"
        )

    def last_build(self, name: str) -> dict | None:
        history = self.resource(name)["status"].get("buildHistory") or []
        return history[0] if history else None

    def wait_for_build_after(self, name: str, previous: dict | None, timeout: float = 300) -> dict:
        """The first finished build of `name` that started after `previous` (None: any)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.resource(name)["status"]
            build = (status.get("buildHistory") or [None])[0]
            running = status.get("currentBuild", {}).get("startTime")
            new = build is not None and (
                previous is None or build["startTime"] != previous["startTime"]
            )
            if new and build.get("finishTime") and not running:
                return build
            time.sleep(0.5)
        raise AssertionError(f"no new {name} build in {timeout} s:\n{self.log.read_text()[-3000:]}")

    def wait_idle(self, name: str, timeout: float = 300) -> None:
        """Until `name` has no update running or pending."""
        deadline = time.monotonic() + timeout
        while self.resource(name)["status"].get("updateStatus") in ("pending", "in_progress"):
            assert time.monotonic() < deadline, f"{name} still updating after {timeout} s"
            time.sleep(0.1)

    def logs(self, name: str) -> str:
        return self.cli("logs", name).stdout


def epoch(timestamp: str) -> float:
    """Epoch seconds of an RFC 3339 timestamp (Tilt's, or the container runtime's)."""
    return datetime.fromisoformat(timestamp).timestamp()


@contextmanager
def tilt_up(project: Path, api_port: int, env: dict[str, str], *args: str):
    session = TiltSession(project, api_port, env, list(args))
    with session.log.open("w") as out:
        process = subprocess.Popen(
            [tool("tilt"), "up", "--port", str(api_port), "--stream", "--", *args],
            cwd=project,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield session
    finally:
        process.terminate()
        process.wait(timeout=60)
