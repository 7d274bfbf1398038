"""The edit that the live-update tests and benchmarks make, in a scratch copy of the project.

It is one every service made from this repository has, examples or not: the liveness probe's
status text. Each edit serves a new body at /healthz.
"""

from pathlib import Path

ROUTE = Path("app/routes/health.py")
ORIGINAL = '_OK = Health(status="ok")'
PATH = "/healthz"


class LiveEdit:
    def __init__(self, project: Path) -> None:
        self.path = project / ROUTE
        self.original = self.path.read_text()
        assert ORIGINAL in self.original, f"{ROUTE} no longer holds {ORIGINAL}"
        self.count = 0

    def edit(self, word: str | None = None) -> str:
        """Save an edit; return the body /healthz then serves."""
        self.count += 1
        word = word or f"ok, edit {self.count}"
        self.path.write_text(self.edited_source(word))
        return f'{{"status":"{word}"}}'

    def edited_source(self, word: str) -> str:
        return self.original.replace(ORIGINAL, f'_OK = Health(status="{word}")')

    def restore(self) -> None:
        self.path.write_text(self.original)
