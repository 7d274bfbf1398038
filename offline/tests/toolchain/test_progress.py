"""A long build step says, while it runs, how long it has run and what it is doing."""

import sys
from pathlib import Path

import pytest

# Appended, not prepended: its plain module names (wheel, cache) must not shadow installed ones.
sys.path.append(str(Path(__file__).resolve().parents[2] / "toolchain"))
import progress  # the installer's modules import each other by plain name


def test_a_long_step_reports_its_time_and_latest_log_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(progress, "HEARTBEAT_SECONDS", 0.2)
    step = "import sys, time; print('compiling k8s.io/kubernetes/pkg/kubelet', flush=True); "
    step += "time.sleep(1)"
    progress.Progress("kubelet").run("go build", [sys.executable, "-c", step], tmp_path / "log")
    out = capsys.readouterr().out
    assert "go build: still running" in out
    assert "compiling k8s.io/kubernetes/pkg/kubelet" in out


def test_a_failed_step_shows_the_log_tail(tmp_path):
    failing = [sys.executable, "-c", "print('undefined: foo'); raise SystemExit(2)"]
    with pytest.raises(progress.InstallError, match="undefined: foo"):
        progress.Progress("tool").run("go build", failing, tmp_path / "log")
