"""skaffold diagnose (no engine) and render (after a real build) for every profile, offline."""

import json
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from tests.chart.conftest import KUBE_VERSION
from tests.skaffold.conftest import HELM_PROFILES, PROFILES


@pytest.mark.parametrize("profile", PROFILES)
def test_diagnose_parses_every_profile(skaffold, profile):
    result = skaffold("diagnose", "--yaml-only", profile=profile)
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    assert config["apiVersion"] == "skaffold/v4beta14"
    # The dev loop never runs the load action: `skaffold dev` builds the service only.
    expected = ["fastapi-service"] + ([] if profile == "dev" else ["fastapi-service-k6"])
    assert [a["image"] for a in config["build"]["artifacts"]] == expected


@pytest.mark.parametrize("profile", HELM_PROFILES)
def test_render_without_a_build_gives_the_charts_own_image(skaffold, profile):
    """`skaffold render --digest-source=none` knows no image: the chart's defaults, not
    "<no value>" (which the chart's schema refuses)."""
    result = skaffold("render", "--offline", "--digest-source=none", profile=profile)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "<no value>" not in result.stdout
    assert 'image: "fastapi-service:' in result.stdout


def test_profiles_differ_where_they_should(skaffold):
    def config(profile):
        return yaml.safe_load(skaffold("diagnose", "--yaml-only", profile=profile).stdout)

    dev, ci, docker = config("dev"), config("ci"), config("docker")
    shared, ci_shared = config("dev,shared"), config("ci,shared")
    assert dev["build"]["artifacts"][0]["docker"]["target"] == "development"
    assert dev["build"]["artifacts"][0]["sync"]["manual"][0] == {"src": "app/**", "dest": "/srv"}
    # diagnose resolves paths; each profile appends its values file to the chart's defaults.
    files = {
        name: [Path(v).name for v in c["deploy"]["helm"]["releases"][0]["valuesFiles"]]
        for name, c in {"ci": ci, "dev": dev, "shared": shared}.items()
    }
    assert files == {
        "ci": ["values.yaml"],
        "dev": ["values.yaml", "values-dev.yaml"],
        "shared": ["values.yaml", "values-dev.yaml", "values-shared.yaml"],
    }
    # Every deploy first makes sure of the namespace; on a shared cluster also the pull secret.
    [prepare] = dev["deploy"]["helm"]["hooks"]["before"]
    assert "scripts/cluster/dev-namespace.py" in prepare["host"]["command"][2]
    [prepare] = shared["deploy"]["helm"]["hooks"]["before"]
    assert '--registry "${SKAFFOLD_DEFAULT_REPO:?' in prepare["host"]["command"][2]
    templates = shared["deploy"]["helm"]["releases"][0]["setValueTemplates"]
    assert templates["imagePullSecrets[0].name"] == "registry-credentials"
    assert "--owner release/fastapi-service" in prepare["host"]["command"][2]
    # After every deploy, first of all, the release's Deployment takes the pull secret (if
    # dev-namespace.py made one): uninstalling the release deletes it.
    for profile in (dev, ci, shared, ci_shared):
        adopt = profile["deploy"]["helm"]["hooks"]["after"][0]["host"]["command"][2]
        assert "scripts/cluster/dev-namespace.py --adopt" in adopt
        assert "--owner release/fastapi-service" in adopt
    assert ci["build"]["artifacts"][0]["docker"]["target"] == "production"
    assert (
        "helm test fastapi-service"
        in ci["deploy"]["helm"]["hooks"]["after"][-1]["host"]["command"][2]
    )
    assert (
        ci_shared["deploy"]["helm"]["hooks"]["after"][1:]
        == ci["deploy"]["helm"]["hooks"]["after"][1:]
    )
    assert "helm" not in docker["deploy"]
    assert docker["deploy"]["docker"]["images"] == ["fastapi-service"]
    assert docker["verify"][0]["executionMode"] == {"local": {}}


def render(skaffold, build_file, profile: str) -> list[dict]:
    """`skaffold render` of the built images (tags as built, no registry lookup)."""
    result = skaffold(
        "render",
        "--build-artifacts",
        str(build_file),
        "--digest-source=tag",
        "--offline=true",
        profile=profile,
    )
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


@pytest.mark.docker
@pytest.mark.parametrize("profile", HELM_PROFILES)
def test_render_carries_the_built_image_and_validates(skaffold, built, profile):
    build_file, tags = built
    docs = render(skaffold, build_file, profile)
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    assert (
        deployment["spec"]["template"]["spec"]["containers"][0]["image"] == tags["fastapi-service"]
    )
    for pod in (d for d in docs if d["kind"] == "Pod"):  # the helm test hooks
        assert pod["spec"]["containers"][0]["image"] == tags["fastapi-service"]
    for doc in docs:
        kubernetes_validate.validate(doc, KUBE_VERSION, strict=True)


@pytest.mark.parametrize("profile", HELM_PROFILES)
def test_a_pushed_image_is_deployed_as_exactly_the_reference_skaffold_built(
    skaffold, tmp_path, profile
):
    """What `skaffold dev` matches pods by when it syncs files: tag and digest, both kept."""
    pushed = f"localhost:5005/fastapi-service:v1-dirty@sha256:{'ab' * 32}"
    build_file = tmp_path / "build.json"
    build_file.write_text(json.dumps({"builds": [{"imageName": "fastapi-service", "tag": pushed}]}))
    docs = render(skaffold, build_file, profile)
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == pushed


@pytest.mark.docker
def test_docker_profile_renders_no_manifests(skaffold, built):
    build_file, _ = built
    assert render(skaffold, build_file, "docker") == []


@pytest.mark.docker
def test_build_produced_both_images_on_the_engine(built):
    _, tags = built
    for tag in tags.values():
        assert (
            subprocess.run(
                ["docker", "image", "inspect", tag], capture_output=True, check=False
            ).returncode
            == 0
        )
