"""The fork-based reloader: new code live after a save, errors shown and recovered, no leaks."""

import os
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest
import requests

from harness.prerequisites import ROOT
from harness.server import free_port, wait_ready
from hotreload.watching import WATCHER_START_SECONDS

MAIN = """
import os

from pkg import greeting

calls = 0


async def app(scope, receive, send):
    global calls
    if scope["type"] != "http":
        return
    calls += 1
    body = f"{greeting.TEXT} {calls}".encode()
    pid = str(os.getpid()).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x-pid", pid)]})
    await send({"type": "http.response.body", "body": body})
"""


def children_of(pid: int) -> set[int]:
    """Every live descendant of pid, from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


class Project:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.pkg = root / "pkg"
        root.mkdir(exist_ok=True)
        self.pkg.mkdir()
        (self.pkg / "__init__.py").write_text("")
        (self.pkg / "main.py").write_text(MAIN)
        self.set_greeting("hello")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process: subprocess.Popen | None = None

    def set_greeting(self, text: str) -> None:
        (self.pkg / "greeting.py").write_text(f"TEXT = {text!r}\n")

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hotreload", "pkg.main:app", "--port", str(self.port)],
            cwd=self.root,
            env=self.env,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_ready(self.url, process=self.process)

    def body(self) -> str:
        return requests.get(self.url, timeout=5).text

    def wait_for_body(self, prefix: str, refused_ok: bool = False) -> str:
        """The body once it starts with prefix; the server must not refuse meanwhile."""
        return wait_ready(self.url, timeout=10, prefix=prefix, refused_ok=refused_ok).body

    def stop(self) -> str:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        _, stderr = self.process.communicate(timeout=15)
        return stderr


def project_with_sitecustomize(tmp_path: Path, source: str) -> Project:
    """A project whose every interpreter first runs source, as a preloaded library would."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(source)
    project = Project(tmp_path / "project")
    project.env["PYTHONPATH"] = f"{site}{os.pathsep}{ROOT}"
    return project


@pytest.fixture
def project(tmp_path: Path):
    proj = Project(tmp_path)
    proj.start()
    yield proj
    if proj.process.poll() is None:
        proj.process.kill()
        proj.process.communicate(timeout=15)  # a descendant left behind holds stderr open


def test_an_edit_to_an_imported_module_is_served(project):
    assert project.body() == "hello 2"  # wait_for made the first call
    project.set_greeting("bonjour")
    assert project.wait_for_body("bonjour") == "bonjour 1"  # fresh module state too


def test_every_changed_module_is_live(project):
    (project.pkg / "main.py").write_text(MAIN.replace("{calls}", "{calls} v2"))
    project.set_greeting("hallo")
    assert project.wait_for_body("hallo") == "hallo 1 v2"


def test_a_new_module_can_be_imported(project):
    (project.pkg / "extra.py").write_text("WORD = 'new-module'\n")
    project.set_greeting("from-extra")
    (project.pkg / "greeting.py").write_text("from pkg.extra import WORD as TEXT\n")
    assert project.wait_for_body("new-module") == "new-module 1"


def test_a_syntax_error_is_shown_and_recovers_on_the_next_save(project):
    (project.pkg / "greeting.py").write_text("TEXT = (\n")
    wait_ready(project.url, timeout=10, prefix="hotreload: cannot load", refused_ok=False)
    response = requests.get(project.url, timeout=5)
    assert response.status_code == 500
    assert "SyntaxError" in response.text
    assert "greeting.py" in response.text
    project.set_greeting("fixed")
    assert project.wait_for_body("fixed") == "fixed 1"
    stderr = project.stop()
    assert "cannot load pkg.main:app" in stderr


def test_sigterm_leaves_no_process_behind(project):
    project.set_greeting("again")
    project.wait_for_body("again")
    descendants = children_of(project.process.pid)
    assert len(descendants) >= 2  # the watcher and a server
    stderr = project.stop()
    assert project.process.returncode == 0
    assert not children_of(project.process.pid)
    for pid in descendants:
        assert not Path(f"/proc/{pid}").exists() or _is_zombie(pid), stderr


@pytest.mark.skipif(sys.platform != "linux", reason="parent-death signal is Linux-only")
def test_children_die_with_a_killed_supervisor(project):
    """Mid-reload: the old server paused, the new one loading, the spare waiting."""
    (project.pkg / "greeting.py").write_text("import time\ntime.sleep(3)\nTEXT = 'late'\n")
    time.sleep(0.5)
    descendants = children_of(project.process.pid)
    assert len(descendants) >= 3, descendants
    project.process.kill()
    project.process.communicate()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(p) for p in descendants):
        time.sleep(0.05)
    assert not any(_alive(p) for p in descendants)


def test_sighup_restarts_and_serves_again(project):
    project.process.send_signal(signal.SIGHUP)
    project.set_greeting("after-hup")
    # A restart re-binds the socket: connections are refused for a moment.
    assert project.wait_for_body("after-hup", refused_ok=True).startswith("after-hup")
    assert "SIGHUP" in project.stop()


def test_a_server_that_dies_is_replaced(project):
    time.sleep(2.5)  # past the crash-loop guard: a server that dies as it starts waits for a save
    first = requests.get(project.url, timeout=5).headers["x-pid"]
    os.kill(int(first), signal.SIGKILL)
    deadline = time.monotonic() + 15
    pid = first
    while pid == first and time.monotonic() < deadline:
        try:
            pid = requests.get(project.url, timeout=5).headers["x-pid"]
        except requests.ConnectionError:
            time.sleep(0.05)
    assert pid != first, "nothing took over from the killed server"
    assert "starting a new one" in project.stop()


def test_quick_sighups_are_one_restart_and_the_supervisor_survives(project):
    # Spread over the restart itself: some arrive while the new process is starting up.
    for _ in range(15):
        project.process.send_signal(signal.SIGHUP)
        time.sleep(0.1)
    project.set_greeting("after-hups")
    assert project.wait_for_body("after-hups", refused_ok=True).startswith("after-hups")
    time.sleep(1)
    assert project.process.poll() is None, project.stop()
    assert project.wait_for_body("after-hups", refused_ok=True).startswith("after-hups")


def test_an_import_that_never_returns_is_reported_and_the_old_code_serves(project):
    project.set_greeting("before")
    project.wait_for_body("before")
    (project.pkg / "greeting.py").write_text("import time\ntime.sleep(120)\nTEXT = 'never'\n")
    time.sleep(7)  # past the 5 s the supervisor gives a new server
    assert project.body().startswith("before")
    assert "not serving after" in project.stop()


def test_a_request_during_a_reload_waits_for_the_new_code(project):
    project.set_greeting("before")
    project.wait_for_body("before")
    (project.pkg / "greeting.py").write_text("import time\ntime.sleep(1)\nTEXT = 'after'\n")
    time.sleep(0.3)  # the change is reported; the new server is still importing
    assert project.body() == "after 1"


def test_a_server_that_dies_as_it_loads_leaves_the_old_code_serving(project):
    project.set_greeting("before")
    project.wait_for_body("before")
    (project.pkg / "greeting.py").write_text("import os\nos._exit(3)\n")
    time.sleep(1)
    assert project.body().startswith("before")
    assert "as it started; waiting for a change" in project.stop()


def test_with_threads_in_the_supervisor_each_reload_is_a_fresh_interpreter(tmp_path):
    """As when a preloaded library starts threads: forking then is unsafe, so it spawns."""
    project = project_with_sitecustomize(
        tmp_path,
        "import threading, time\n"
        "threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()\n",
    )
    project.start()
    try:
        project.set_greeting("spawned")
        assert project.wait_for_body("spawned") == "spawned 1"
        project.set_greeting("again")
        assert project.wait_for_body("again") == "again 1"
    finally:
        stderr = project.stop()
    assert stderr.count("each reload now starts a fresh interpreter") == 1


def test_two_saves_of_one_size_within_a_second_both_serve(tmp_path):
    """Python's default pyc matches its source by size and mtime in whole seconds."""
    project = Project(tmp_path)
    project.env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode written, as by default
    project.start()
    greeting = project.pkg / "greeting.py"
    try:
        same_second = 0
        for attempt in range(5):
            time.sleep(1.01 - time.time() % 1)  # early in a second
            project.set_greeting(f"first{attempt}")
            assert project.wait_for_body(f"first{attempt}") == f"first{attempt} 1"
            saved = int(greeting.stat().st_mtime)
            project.set_greeting(f"again{attempt}")
            same_second += int(greeting.stat().st_mtime) == saved
            assert project.wait_for_body(f"again{attempt}") == f"again{attempt} 1"
        assert same_second, "no two saves fell within one second; nothing was checked"
    finally:
        project.stop()
    assert list((project.pkg / "__pycache__").glob("greeting.*.pyc")), "no bytecode written"


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return False


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() and not _is_zombie(pid)


def test_installed_libraries_are_recognised_through_a_symlinked_venv(tmp_path):
    """The supervisor preloads installed modules; a symlinked .venv must not hide them."""
    from hotreload import child

    purelib = sysconfig.get_path("purelib")
    assert purelib in child._INSTALLED
    assert str(Path(purelib).resolve()) in child._INSTALLED
    names = child.installed_modules([tmp_path])
    assert "json" in names
    assert not [n for n in names if n.startswith(("tests.", "harness."))]


def test_a_save_just_after_the_first_answer_is_served(tmp_path):
    """The first server waits for the watcher to watch, here only once it has compiled every
    module to checked-hash bytecode: else this save, before the watch, would be missed."""
    project = Project(tmp_path / "project")
    for number in range(1000):
        (project.pkg / f"module{number}.py").write_text(f"VALUE = {number}\n" * 20)
    project.env.pop("PYTHONDONTWRITEBYTECODE", None)
    project.start()
    try:
        project.set_greeting("saved at once")
        assert project.wait_for_body("saved at once") == "saved at once 1"
    finally:
        project.stop()


def test_a_watchfiles_that_never_asks_its_stop_event_still_serves(tmp_path):
    """The watcher says it watches when watchfiles first asks its stop_event; a release that
    stops asking delays the first server by WATCHER_START_SECONDS, no more."""
    project = project_with_sitecustomize(
        tmp_path,
        "import watchfiles\n"
        "watch = watchfiles.watch\n"
        "watchfiles.watch = lambda *paths, stop_event=None, **options: watch(*paths, **options)\n",
    )
    started = time.monotonic()
    project.start()
    try:
        assert time.monotonic() - started >= WATCHER_START_SECONDS
        project.set_greeting("still watched")
        assert project.wait_for_body("still watched") == "still watched 1"
    finally:
        stderr = project.stop()
    assert "has not said it is watching within 10 s; serving anyway" in stderr
