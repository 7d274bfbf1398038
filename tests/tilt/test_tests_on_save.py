"""Tests on save: Tilt's unit-tests resource runs the unit tests an edit affects, red or green.

In local mode (no engine needed); the resource is the same in every mode.
"""

import re

import pytest

from harness.checkout import copy_project
from harness.server import free_port
from tests.tilt.session import tilt_up

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def session(tmp_path_factory, tilt_env):
    project = copy_project(tmp_path_factory.mktemp("on-save"), share_environment=True)
    env = {**tilt_env, "FASTAPI_PORT": str(free_port())}
    with tilt_up(project, free_port(), env, "--mode=local") as tilt:
        tilt.wait_for_api()
        yield tilt


def passed(logs: str) -> int:
    """The count of the last pytest summary in the resource's log."""
    counts = re.findall(r"(\d+) passed", logs)
    assert counts, logs[-3000:]
    return int(counts[-1])


def test_an_edit_runs_only_the_tests_it_affects_and_a_broken_test_turns_red(session):
    first = session.wait_for_build_after("unit-tests", None)
    assert not first.get("error"), session.logs("unit-tests")[-3000:]
    everything = passed(session.logs("unit-tests"))

    module = session.project / "app" / "request_id.py"
    module.write_text(module.read_text().replace("return text\n", "return str(text)\n"))
    edited = session.wait_for_build_after("unit-tests", first)
    assert not edited.get("error"), session.logs("unit-tests")[-3000:]
    assert 0 < passed(session.logs("unit-tests")) < everything

    tests = session.project / "tests" / "unit" / "test_request_id.py"
    original = tests.read_text()
    tests.write_text(original + "\n\ndef test_broken_on_purpose():\n    assert 1 == 2\n")
    broken = session.wait_for_build_after("unit-tests", edited)
    assert broken.get("error")
    assert "test_request_id.py::test_broken_on_purpose" in session.logs("unit-tests")

    tests.write_text(original)
    fixed = session.wait_for_build_after("unit-tests", broken)
    assert not fixed.get("error"), session.logs("unit-tests")[-3000:]
