"""The pins file: a tool an image also ships (k6) takes its version from the requirements
file the image installs from, its one pin; every build from source says up front how long it
takes cold."""

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
# Appended, not prepended: its plain module names (wheel, cache) must not shadow installed ones.
sys.path.append(str(ROOT / "offline" / "toolchain"))
import pins  # noqa: E402  (the installer's modules import each other by plain name)
from errors import InstallError  # noqa: E402


def test_k6_on_the_host_is_the_k6_the_load_image_runs():
    requirements = (ROOT / "requirements" / "k6.txt").read_text()
    [image_k6] = re.findall(r"^k6==([^\s\\]+)", requirements, re.MULTILINE)
    assert pins.load()["k6"].version == image_k6


def test_a_version_from_a_missing_requirement_names_the_file_and_the_tool(tmp_path):
    table = tmp_path / "versions.toml"
    table.write_text(
        '[k6]\nversion_from = { file = "requirements/uv.txt", requirement = "k6" }\n'
        'version_args = ["version"]\n'
    )
    with pytest.raises(InstallError, match=r"requirements/uv\.txt: no `k6==VERSION`.*\[k6\]"):
        pins.load(table)


@pytest.mark.parametrize("name", sorted(n for n, t in pins.load().items() if t.build))
def test_each_build_from_source_states_its_cold_time(name):
    assert re.fullmatch(r"\d+(\.\d+)? min", pins.load()[name].build.get("cold", "")), name


def test_the_cold_time_is_said_only_and_keys_no_cache(tmp_path):
    def recipe(build: str) -> str:
        table = tmp_path / "versions.toml"
        table.write_text(
            f'[t]\nversion = "1.0.0"\nversion_args = ["version"]\n[t.build]\n{build}\n'
        )
        return pins.load(table)["t"].recipe

    base = 'module = "example.com/t"\npackage = "."\nldflags = ""'
    assert recipe(f'{base}\ncold = "1 min"') == recipe(f'{base}\ncold = "2 min"') == recipe(base)
    assert recipe(base.replace('ldflags = ""', 'ldflags = "-s"')) != recipe(base)
