"""The production server's configuration and its drain-then-stop signal handling."""

import asyncio
import signal

import pytest

from app import server
from app.coalescing import CoalescingHttpToolsProtocol
from app.settings import Settings


def make_server(**settings) -> server.DrainingServer:
    return server.build_server(Settings(**settings))


def test_server_uses_fast_loop_coalescing_parser_and_no_access_log():
    config = make_server(host="0.0.0.0", port=9000, shutdown_timeout_seconds=7).config
    assert (config.host, config.port) == ("0.0.0.0", 9000)
    assert config.loop == "uvloop"
    assert config.http is CoalescingHttpToolsProtocol
    assert config.access_log is False
    assert config.server_header is False
    assert config.timeout_graceful_shutdown == 7


def test_first_signal_drains_before_exit(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(server.time, "monotonic", lambda: clock[0])
    srv = make_server(shutdown_drain_seconds=2)
    srv.lifecycle.start()
    srv.handle_exit(signal.SIGTERM, None)
    assert not srv.lifecycle.ready
    assert asyncio.run(srv.on_tick(1)) is False  # still serving during the drain
    clock[0] = 102.0
    assert asyncio.run(srv.on_tick(1)) is True


def test_second_signal_skips_the_drain(monkeypatch):
    monkeypatch.setattr(server.time, "monotonic", lambda: 50.0)
    srv = make_server(shutdown_drain_seconds=30)
    srv.handle_exit(signal.SIGTERM, None)
    srv.handle_exit(signal.SIGINT, None)
    assert asyncio.run(srv.on_tick(1)) is True


def test_bad_environment_exits_with_the_variable_named(monkeypatch):
    monkeypatch.setenv("APP_PORT", "70000")
    with pytest.raises(SystemExit, match="APP_PORT='70000'"):
        server.main()
