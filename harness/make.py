"""What make would run for a target, without running it (`make -n`)."""

import subprocess

from harness.prerequisites import ROOT


def planned(target: str) -> list[str]:
    """The commands `make target` would run here, one per line."""
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.splitlines()
