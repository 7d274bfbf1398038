"""app/settings.py is the one source of the settings: what `make generate` writes from it
never drifts, and a new setting reaches the chart, its schema, the ConfigMap and the docs."""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

from pydantic import Field

from app.settings import Settings
from harness.prerequisites import ROOT

SCRIPT = ROOT / "scripts" / "generate.py"
spec = importlib.util.spec_from_file_location("generate", SCRIPT)
generate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate)


def check(root: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--check", "--root", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )


def scratch_checkout(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "charts", tmp_path / "charts")
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    return tmp_path


def test_the_generated_files_are_what_make_generate_writes():
    result = check()
    assert result.returncode == 0, result.stderr


def test_a_generated_file_edited_by_hand_fails_naming_it(tmp_path):
    root = scratch_checkout(tmp_path)
    configmap = next(root.glob("charts/*/templates/configmap.yaml"))
    configmap.write_text(configmap.read_text().replace("APP_MAX_HEADERS", "APP_MAX_HEADER"))
    result = check(root)
    assert result.returncode == 1
    assert str(configmap.relative_to(root)) in result.stderr
    assert "make generate" in result.stderr


def test_a_new_setting_reaches_the_values_schema_configmap_and_docs(tmp_path):
    class WithCache(Settings):
        cache_seconds: int = Field(default=60, ge=0, le=86400, description="How long to cache")

    root = scratch_checkout(tmp_path)
    written = {
        path.name: text
        for path, text in generate.outputs(root, generate.settings(WithCache)).items()
    }
    assert "  # How long to cache.\n  cacheSeconds: 60\n" in written["values.yaml"]
    assert '"cacheSeconds": {\n' in written["values.schema.json"]
    assert (
        "APP_CACHE_SECONDS: {{ .Values.app.cacheSeconds | int64 | quote }}"
        in written["configmap.yaml"]
    )
    assert (
        "| `APP_CACHE_SECONDS` | `60` | 0 to 86400 | `app.cacheSeconds` |" in written["settings.md"]
    )
