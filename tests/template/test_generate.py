"""copier.yml: a new service made from this repository, without the examples, is its own and
passes its own suite. Generated from the checkout's HEAD into a scratch folder."""

import subprocess
from pathlib import Path

import pytest

from tests.checkout import commit_all, git
from tests.prerequisites import ROOT, docker, run_tool, tool
from tests.system.service import free_port
from tests.template.generate import NAME, copier_copy, generate, generated_project_env, run

OLD_NAMES = ("fastapi-service", "fastapi_service", "fastapi-micro-service")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("generated") / NAME, "examples=false")


def test_the_old_name_is_gone_from_names_and_contents(generated):
    left = []
    for path in generated.rglob("*"):
        if {".venv", ".tools", ".git"} & set(path.relative_to(generated).parts):
            continue
        if any(old in path.name for old in OLD_NAMES):
            left.append(f"{path.relative_to(generated)} (name)")
        elif path.is_file():
            text = path.read_bytes().decode(errors="ignore")
            left += [f"{path.relative_to(generated)}: {old}" for old in OLD_NAMES if old in text]
    assert left == []
    assert (generated / "charts" / NAME / "Chart.yaml").is_file()
    assert f"name: {NAME}" in (generated / ".copier-answers.yml").read_text()


def test_the_examples_are_gone(generated):
    assert not (generated / "app" / "routes" / "hello.py").exists()
    assert "hello" not in (generated / "app" / "main.py").read_text()
    assert '"example"' not in (generated / "load" / "requests.json").read_text()


def test_its_unit_system_chart_tiltfile_and_lint_tests_pass(generated):
    suites = ["tests/unit", "tests/system", "tests/chart", "tests/tilt/test_tiltfile.py"]
    result = run(
        "uv",
        "run",
        "pytest",
        *suites,
        "tests/test_lint.py",
        "-m",
        "not slow",
        "-q",
        "-p",
        "no:cacheprovider",
        cwd=generated,
    )
    assert " passed" in result.stdout
    assert " failed" not in result.stdout


@pytest.mark.docker
def test_its_image_builds_and_tilt_ci_passes_in_compose_mode(generated):
    docker()
    run("docker", "build", "--quiet", "--tag", f"{NAME}:generated", ".", cwd=generated)
    env = generated_project_env(
        FASTAPI_PORT=str(free_port()), TILT_DEV_DIR=str(generated / ".tilt-dev")
    )
    tool("tilt")
    try:
        result = run_tool(
            "tilt", "ci", "--port", str(free_port()), "--", "--mode=compose", cwd=generated, env=env
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-4000:]
        assert "SUCCESS. All workloads are healthy." in output
    finally:
        run_tool("tilt", "down", "--", "--mode=compose", cwd=generated, env=env, timeout=120)
        subprocess.run(
            ["docker", "rmi", "-f", f"{NAME}:generated"], capture_output=True, check=False
        )


def test_copier_update_brings_a_template_change_and_keeps_the_teams_edits(tmp_path):
    template = tmp_path / "template"
    git("clone", "--quiet", str(ROOT), str(template), cwd=tmp_path)
    project = tmp_path / NAME
    copier_copy(template, project)
    commit_all(project, "generated")
    # The team's edit, in a file the template changes too, and one of its own.
    probe = project / "app" / "routes" / "health.py"
    probe.write_text(probe.read_text().replace('"""Probes:', '"""Our probes:', 1))
    (project / "app" / "routes" / "orders.py").write_text('"""The team\'s own routes."""\n')
    git("add", "-A", cwd=project)
    git("commit", "--quiet", "-m", "the team's edits", cwd=project)
    # A newer template: a change to a file the rename touches, in a renamed folder.
    values = template / "charts" / "fastapi-service" / "values.yaml"
    values.write_text(values.read_text() + "\n# A template improvement.\n")
    health = template / "app" / "routes" / "health.py"
    health.write_text(health.read_text() + "\n# Another template improvement.\n")
    git("commit", "--quiet", "-am", "template improvements", cwd=template)

    run(
        "uv",
        "run",
        "copier",
        "update",
        "--trust",
        "--defaults",
        "--vcs-ref=HEAD",
        str(project),
        cwd=ROOT,
    )

    assert "# A template improvement." in (project / "charts" / NAME / "values.yaml").read_text()
    updated = probe.read_text()
    assert '"""Our probes:' in updated  # the team's edit, kept
    assert "# Another template improvement." in updated  # the template's, merged beside it
    assert (project / "app" / "routes" / "orders.py").exists()
    assert not (project / "charts" / "fastapi-service").exists()
    assert git("status", "--porcelain", "--untracked-files=no", cwd=project).strip()  # to review
    assert "<<<<<<<" not in updated
