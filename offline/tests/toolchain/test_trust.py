"""A binary is used only when its sha256 is trusted, checked before it is ever run: the one
pinned for the release binary itself, or the one recorded when this machine put it in the
binary cache. A cache entry changed or cut short since is discarded and produced again, and
where nothing can produce it the install stops saying why."""

from pathlib import Path

from offline.tests.toolchain.fakes import ReleaseServer, Workspace, pin_download, script, sha256
from offline.tests.toolchain.test_download import closed_port_url, publish

GENUINE = script("fakectl v1.2.3")  # what publish() puts in the release archive


def installed(server: ReleaseServer, workspace: Workspace) -> Path:
    """fakectl 1.2.3 installed from its release archive; returns its cache entry."""
    url, sha = publish(server, "1.2.3")
    workspace.pins.write_text(pin_download("fakectl", "1.2.3", url, sha))
    done = workspace.run()
    assert done.returncode == 0, done.stderr
    return workspace.cache_entry("fakectl")


def test_the_cache_records_each_binary_sha256(release_server, workspace: Workspace):
    entry = installed(release_server, workspace)
    assert entry.read_bytes() == GENUINE
    assert entry.with_name("fakectl.sha256").read_text() == f"{sha256(GENUINE)}  fakectl\n"


def test_a_tampered_cache_entry_is_discarded_unrun_and_downloaded_again(
    release_server, workspace: Workspace, tmp_path: Path
):
    entry = installed(release_server, workspace)
    ran = tmp_path / "tampered-binary-ran"
    tampered = script("fakectl v1.2.3", ran=ran)  # the version it should report, other bytes
    entry.write_bytes(tampered)
    (workspace.bin_dir / "fakectl").unlink()
    done = workspace.run()
    assert done.returncode == 0, done.stderr
    expected = f"cache entry {entry}: sha256 {sha256(tampered)}, recorded {sha256(GENUINE)}"
    assert f"{expected}: discarded" in done.stdout
    assert "from download" in done.stdout
    assert len(release_server.requests) == 2
    assert (workspace.bin_dir / "fakectl").read_bytes() == entry.read_bytes() == GENUINE
    assert not ran.exists()


def test_a_truncated_cache_entry_is_downloaded_again(release_server, workspace: Workspace):
    entry = installed(release_server, workspace)
    entry.write_bytes(GENUINE[: len(GENUINE) // 2])
    (workspace.bin_dir / "fakectl").unlink()
    done = workspace.run()
    assert done.returncode == 0, done.stderr
    assert f"cache entry {entry}: sha256 {sha256(GENUINE[: len(GENUINE) // 2])}" in done.stdout
    assert (workspace.bin_dir / "fakectl").read_bytes() == GENUINE


def test_a_cache_entry_without_its_record_is_not_trusted(release_server, workspace: Workspace):
    entry = installed(release_server, workspace)
    entry.with_name("fakectl.sha256").unlink()
    (workspace.bin_dir / "fakectl").unlink()
    done = workspace.run()
    assert done.returncode == 0, done.stderr
    assert f"cache entry {entry}: sha256 {sha256(GENUINE)}, no sha256 recorded" in done.stdout
    assert "from download" in done.stdout
    assert entry.with_name("fakectl.sha256").read_text() == f"{sha256(GENUINE)}  fakectl\n"


def test_a_tampered_cache_entry_nothing_can_replace_is_refused(
    release_server, workspace: Workspace, tmp_path: Path
):
    entry = installed(release_server, workspace)
    ran = tmp_path / "tampered-binary-ran"
    entry.write_bytes(script("fakectl v1.2.3", ran=ran))
    (workspace.bin_dir / "fakectl").unlink()
    (release_server.root / "v1.2.3" / "fakectl-1.2.3.tar.gz").unlink()  # the release is gone
    done = workspace.run()
    assert done.returncode == 1
    assert f"cache entry {entry}: sha256 " in done.stdout
    assert "no source worked for fakectl 1.2.3" in done.stderr
    assert workspace.installed() == []
    assert workspace.cached() == []
    assert not ran.exists()


def test_a_tampered_copy_in_the_bin_dir_is_replaced_from_the_cache(
    release_server, workspace: Workspace, tmp_path: Path
):
    installed(release_server, workspace)
    target = workspace.bin_dir / "fakectl"
    ran = tmp_path / "tampered-binary-ran"
    tampered = script("fakectl v1.2.3", ran=ran)
    target.write_bytes(tampered)
    done = workspace.run()
    assert done.returncode == 0, done.stderr
    assert f"{target}: sha256 {sha256(tampered)}, not v1.2.3's: replacing it" in done.stdout
    assert "from cache" in done.stdout
    assert target.read_bytes() == GENUINE
    assert len(release_server.requests) == 1
    assert not ran.exists()


def test_a_binary_on_path_is_neither_run_nor_used_unless_its_sha256_is_pinned(
    release_server, workspace: Workspace, tmp_path: Path
):
    ran = tmp_path / "path-binary-ran"
    on_path = workspace.path_dir / "fakectl"
    on_path.write_bytes(script("fakectl v1.2.3", ran=ran))
    on_path.chmod(0o755)
    url, sha = publish(release_server, "1.2.3")
    workspace.pins.write_text(pin_download("fakectl", "1.2.3", url, sha))
    done = workspace.run()
    assert done.returncode == 0, done.stderr
    assert f"{on_path} on PATH: not used, its sha256 is not a pinned" in done.stdout
    assert "from download" in done.stdout
    assert (workspace.bin_dir / "fakectl").read_bytes() == GENUINE
    assert not ran.exists()


def test_a_cached_release_binary_with_its_pinned_sha256_needs_no_record(
    release_server, workspace: Workspace
):
    url = release_server.publish("v1.2.3/fakectl", GENUINE)  # the release is the bare binary
    pins = pin_download("fakectl", "1.2.3", url, sha256(GENUINE), archive=False)
    workspace.pins.write_text(pins)
    assert workspace.run().returncode == 0
    entry = workspace.cache_entry("fakectl")
    entry.with_name("fakectl.sha256").unlink()
    (workspace.bin_dir / "fakectl").unlink()
    done = workspace.run()
    assert done.returncode == 0, done.stderr
    assert "from cache" in done.stdout
    assert len(release_server.requests) == 1
    assert entry.with_name("fakectl.sha256").read_text() == f"{sha256(GENUINE)}  fakectl\n"


def test_a_pinned_release_binary_on_path_is_not_taken_when_it_was_changed(workspace: Workspace):
    on_path = workspace.path_dir / "fakectl"
    on_path.write_bytes(GENUINE + b"# changed\n")
    on_path.chmod(0o755)
    pins = pin_download("fakectl", "1.2.3", closed_port_url(), sha256(GENUINE), archive=False)
    workspace.pins.write_text(pins)
    done = workspace.run()
    assert done.returncode == 1
    assert f"{on_path} on PATH: not used" in done.stdout
    assert workspace.installed() == []
