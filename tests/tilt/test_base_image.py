"""The Tiltfile's image builds from PYTHON_IMAGE when it is set (a mirror, the offline kit's
stand-in), and otherwise passes no build argument: the Dockerfile's pinned digest."""

import pytest

from tests.tilt.conftest import manifests, tiltfile_result


def build_details(env: dict[str, str]) -> dict:
    [image] = manifests(tiltfile_result(env, "--mode=k8s"))["fastapi-service"]["ImageTargets"]
    return image["BuildDetails"]


@pytest.mark.parametrize("unset", [None, ""])
def test_no_build_argument_without_python_image(tilt_env, unset):
    env = {k: v for k, v in tilt_env.items() if k != "PYTHON_IMAGE"}
    if unset is not None:
        env["PYTHON_IMAGE"] = unset  # empty counts as unset: an empty FROM would fail
    assert "args" not in build_details(env)


def test_python_image_is_the_build_argument_and_the_requirements_are_in_the_context(tilt_env):
    details = build_details({**tilt_env, "PYTHON_IMAGE": "mirror.example/python:3.13-slim"})
    assert details["args"] == ["PYTHON_IMAGE=mirror.example/python:3.13-slim"]
    patterns = [p for ignore in details["contextIgnores"] for p in ignore.get("patterns", [])]
    assert "!requirements/uv.txt" in patterns  # the uv stage installs from it
