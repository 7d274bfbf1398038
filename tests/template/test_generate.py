"""copier.yml: a new service made from this repository is the team's own repository, passes its
own `make test`, and takes the template's later commits with `copier update`, history kept."""

import subprocess
from pathlib import Path

import pytest
import yaml

from harness.checkout import copy_project, git
from harness.images import base_image_args
from harness.prerequisites import ROOT, docker, run_tool, tool
from harness.server import free_port
from tests.template.generate import (
    NAME,
    copier,
    copier_copy,
    generate,
    generated_project_env,
    run,
    template_repository,
)

OLD_NAMES = ("fastapi-service", "fastapi_service", "fastapi-micro-service")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("generated") / NAME, "examples=false")


@pytest.fixture(scope="module")
def generated_with_examples(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("generated-with-examples") / NAME)


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


@pytest.mark.parametrize("project", ["generated", "generated_with_examples"])
def test_its_own_make_test_passes_as_its_readme_gives_it(project, request):
    root = request.getfixturevalue(project)
    assert "make test    #" in (root / "README.md").read_text()
    result = run("make", "test", cwd=root, timeout=1200)
    assert " passed" in result.stdout
    assert " error" not in result.stdout.splitlines()[-1]


def test_every_pattern_gitignore_ignores_is_excluded_from_a_new_service():
    ignored = [
        line
        for line in (ROOT / ".gitignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    excluded = yaml.safe_load((ROOT / "copier.yml").read_text())["_exclude"]
    assert [pattern for pattern in ignored if pattern not in excluded] == []


def test_a_template_copied_from_a_used_folder_brings_none_of_its_state(tmp_path):
    template = copy_project(tmp_path / "template")  # a plain folder: no git to filter it
    state = [
        ".git/HEAD",
        ".venv/bin/python",
        ".tools/bin/tilt",
        ".out/e2e.json",
        "app/__pycache__/main.cpython-313.pyc",
        ".pytest_cache/v/cache/lastfailed",
        ".testmondata",
        ".coverage",
        "tilt_config.json",
        ".vscode/settings.json",
    ]
    marker = b"the template's own state\n"
    for name in state:
        (template / name).parent.mkdir(parents=True, exist_ok=True)
        (template / name).write_bytes(marker)
    project = tmp_path / NAME
    copier("copy", f"--data=name={NAME}", str(template), str(project), vcs_ref=None)
    # The tasks make a .git and a .venv of the service's own: only the template's must not arrive.
    arrived = [
        name
        for name in state
        if (project / name).is_file() and (project / name).read_bytes() == marker
    ]
    assert arrived == []
    assert (project / ".vscode" / "launch.json").is_file()  # shared: .gitignore keeps it


@pytest.mark.docker
def test_its_image_builds_and_tilt_ci_passes_in_compose_mode(generated):
    docker()
    tag = f"{NAME}:generated"
    run("docker", "build", "--quiet", *base_image_args(), "--tag", tag, ".", cwd=generated)
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


def commits(repository: Path, ref: str = "--all") -> list[str]:
    return git("rev-list", ref, cwd=repository).split()


def changed_files(project: Path) -> set[str]:
    """What `git status` shows: each path with its two-letter state."""
    return set(git("status", "--porcelain", cwd=project).splitlines())


def append(path: Path, line: str) -> None:
    path.write_text(path.read_text() + f"\n{line}\n")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{path}: {old!r}"
    path.write_text(text.replace(old, new, 1))


def commit(repository: Path, message: str) -> str:
    git("add", "--all", cwd=repository)
    git("commit", "--quiet", "-m", message, cwd=repository)
    return git("rev-parse", "HEAD", cwd=repository).strip()


def test_the_team_owns_its_history_and_copier_update_keeps_it(tmp_path):
    template = template_repository(tmp_path / "template")
    older = git("rev-parse", "HEAD", cwd=template).strip()
    health = Path("app/routes/health.py")
    values = Path("charts/fastapi-service/values.yaml")
    append(template / health, "# A template improvement after the service's version.")
    commit(template, "template: an improvement")

    project = tmp_path / NAME
    copier_copy(template, project, "examples=false", vcs_ref=older)

    # The service starts as its own repository: one commit on main, nothing of the template's.
    assert git("symbolic-ref", "--short", "HEAD", cwd=project).strip() == "main"
    generated = commits(project)
    assert len(generated) == 1
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert older.startswith(answers["_commit"])
    assert answers["_commit"] in git("log", "-1", "--format=%s", cwd=project)
    assert set(generated).isdisjoint(commits(template))
    assert git("remote", cwd=project).strip() == ""
    assert changed_files(project) == set()
    assert "after the service's version" not in (project / health).read_text()

    # The team's work: an edit in a file the template changes too, and a file of its own.
    edit(project / health, '"""Probes:', '"""Our probes:')
    (project / "app" / "routes" / "orders.py").write_text('"""The team\'s own routes."""\n')
    team = [*generated, commit(project, "the team's edits")]

    copier("update", str(project))

    assert git("symbolic-ref", "--short", "HEAD", cwd=project).strip() == "main"
    assert commits(project, "main") == team[::-1]
    assert changed_files(project) == {
        " M .copier-answers.yml",
        f" M {health}",
    }
    updated = (project / health).read_text()
    assert '"""Our probes:' in updated  # the team's edit, kept
    assert "after the service's version" in updated  # the template's, merged beside it
    assert (project / "app" / "routes" / "orders.py").is_file()
    team.append(commit(project, "template update"))

    # A second update, with a change the team made to the same line: copier marks the conflict.
    renamed_values = Path("charts") / NAME / "values.yaml"
    edit(project / renamed_values, "replicaCount: 2", "replicaCount: 5")
    team.append(commit(project, "five replicas"))
    edit(template / values, "replicaCount: 2", "replicaCount: 4")
    append(template / health, "# A second template improvement.")
    commit(template, "template: four replicas")

    copier("update", str(project))

    assert git("symbolic-ref", "--short", "HEAD", cwd=project).strip() == "main"
    assert commits(project, "main") == team[::-1]
    assert changed_files(project) == {
        " M .copier-answers.yml",
        f" M {health}",
        f"UU {renamed_values}",  # unmerged, as git leaves a conflict
    }
    assert "# A second template improvement." in (project / health).read_text()
    conflicted = (project / renamed_values).read_text()
    assert "<<<<<<< before updating" in conflicted
    assert "replicaCount: 5" in conflicted
    assert "replicaCount: 4" in conflicted
    assert not (project / "charts" / "fastapi-service").exists()
