"""The download path, against release archives served from 127.0.0.1."""

import socket

from offline.tests.toolchain.fakes import (
    ReleaseServer,
    Workspace,
    pin_download,
    release_archive,
    script,
    sha256,
)


def publish(server: ReleaseServer, version: str, output: str | None = None) -> tuple[str, str]:
    """Publish fakectl's release archive; returns its url template and sha256."""
    archive = release_archive("fakectl", version, output or f"fakectl v{version}")
    server.publish(f"v{version}/fakectl-{version}.tar.gz", archive)
    return f"{server.url}/v{{version}}/fakectl-{{version}}.tar.gz", sha256(archive)


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/fakectl.tar.gz"


def test_verified_download_is_installed(release_server, workspace: Workspace):
    url, sha = publish(release_server, "1.2.3")
    workspace.pins.write_text(pin_download("fakectl", "1.2.3", url, sha))
    done = workspace.run()
    assert done.returncode == 0, done.stderr
    assert workspace.installed() == ["fakectl"]
    assert "from download" in done.stdout
    assert release_server.requests == ["/v1.2.3/fakectl-1.2.3.tar.gz"]


def test_checksum_mismatch_aborts_and_installs_nothing(release_server, workspace: Workspace):
    url, _ = publish(release_server, "1.2.3")
    workspace.pins.write_text(pin_download("fakectl", "1.2.3", url, sha256(b"another file")))
    done = workspace.run()
    assert done.returncode == 1
    assert "sha256" in done.stderr
    assert "not installed" in done.stderr
    assert workspace.installed() == []
    assert workspace.cached() == []


def test_platform_without_pinned_sha_uses_the_published_checksum_file(
    release_server, workspace: Workspace
):
    url, sha = publish(release_server, "1.2.3")
    sums = release_server.publish("v1.2.3/checksums.txt", f"{sha}  fakectl-1.2.3.tar.gz\n".encode())
    workspace.pins.write_text(pin_download("fakectl", "1.2.3", url, None, checksums_url=sums))
    done = workspace.run()
    assert done.returncode == 0, done.stderr
    assert workspace.installed() == ["fakectl"]


def test_published_checksum_mismatch_aborts(release_server, workspace: Workspace):
    url, _ = publish(release_server, "1.2.3")
    sums = release_server.publish(
        "v1.2.3/checksums.txt", f"{'0' * 64}  fakectl-1.2.3.tar.gz\n".encode()
    )
    workspace.pins.write_text(pin_download("fakectl", "1.2.3", url, None, checksums_url=sums))
    done = workspace.run()
    assert done.returncode == 1
    assert workspace.installed() == []


def test_second_run_downloads_nothing(release_server, workspace: Workspace):
    url, sha = publish(release_server, "1.2.3")
    workspace.pins.write_text(pin_download("fakectl", "1.2.3", url, sha))
    assert workspace.run().returncode == 0
    requests = list(release_server.requests)
    again = workspace.run()
    assert again.returncode == 0, again.stderr
    assert "already installed" in again.stdout
    assert release_server.requests == requests


def test_version_bump_refetches_only_that_tool(release_server, workspace: Workspace):
    url, sha = publish(release_server, "1.2.3")
    other = release_archive("otherctl", "0.1.0", "otherctl v0.1.0")
    other_url = release_server.publish("otherctl-0.1.0.tar.gz", other)
    pins = pin_download("otherctl", "0.1.0", other_url, sha256(other))
    workspace.pins.write_text(pins + pin_download("fakectl", "1.2.3", url, sha))
    assert workspace.run().returncode == 0
    bumped_url, bumped_sha = publish(release_server, "1.3.0")
    workspace.pins.write_text(pins + pin_download("fakectl", "1.3.0", bumped_url, bumped_sha))
    release_server.requests.clear()
    done = workspace.run()
    assert done.returncode == 0, done.stderr
    assert release_server.requests == ["/v1.3.0/fakectl-1.3.0.tar.gz"]
    assert (workspace.bin_dir / "fakectl").read_text() == script("fakectl v1.3.0").decode()


def test_fresh_bin_dir_reuses_the_binary_cache(release_server, workspace: Workspace):
    url, sha = publish(release_server, "1.2.3")
    workspace.pins.write_text(pin_download("fakectl", "1.2.3", url, sha))
    assert workspace.run().returncode == 0
    (workspace.bin_dir / "fakectl").unlink()
    done = workspace.run()
    assert done.returncode == 0, done.stderr
    assert "from cache" in done.stdout
    assert len(release_server.requests) == 1


def test_pinned_release_binary_on_path_is_used_without_download(workspace: Workspace):
    on_path = workspace.path_dir / "fakectl"
    on_path.write_bytes(script("fakectl v1.2.3"))
    on_path.chmod(0o755)
    sha = sha256(on_path.read_bytes())
    pins = pin_download("fakectl", "1.2.3", closed_port_url(), sha, archive=False)
    workspace.pins.write_text(pins)
    done = workspace.run()
    assert done.returncode == 0, done.stderr
    assert str(on_path) in done.stdout
    assert (workspace.bin_dir / "fakectl").read_bytes() == on_path.read_bytes()


def test_other_version_on_path_is_not_taken(release_server, workspace: Workspace):
    on_path = workspace.path_dir / "fakectl"
    on_path.write_bytes(script("fakectl v1.2.30"))
    on_path.chmod(0o755)
    url, sha = publish(release_server, "1.2.3")
    workspace.pins.write_text(pin_download("fakectl", "1.2.3", url, sha))
    done = workspace.run()
    assert done.returncode == 0, done.stderr
    assert "from download" in done.stdout


def test_unreachable_release_without_fallback_says_why(workspace: Workspace):
    workspace.pins.write_text(pin_download("fakectl", "1.2.3", closed_port_url(), "0" * 64))
    done = workspace.run()
    assert done.returncode == 1
    assert "no source worked for fakectl 1.2.3" in done.stderr
    assert "cannot download" in done.stderr
    assert workspace.installed() == []


def test_missing_go_is_named_when_no_download_works(workspace: Workspace):
    pins = pin_download("fakectl", "1.2.3", closed_port_url(), "0" * 64)
    pins += '[fakectl.build]\nmodule = "example.com/fakectl"\npackage = "."\nldflags = ""\n'
    workspace.pins.write_text(pins)
    done = workspace.run(path="")
    assert done.returncode == 1
    assert "go build: Go not found: install Go" in done.stderr


def test_unknown_tool_is_refused(workspace: Workspace):
    workspace.pins.write_text(pin_download("fakectl", "1.2.3", closed_port_url(), "0" * 64))
    done = workspace.run("nosuchtool")
    assert done.returncode == 2
    assert "not pinned: nosuchtool" in done.stderr
