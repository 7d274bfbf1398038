"""The production server's configuration and its drain-then-stop signal handling."""

import asyncio
import signal
import socket

import pytest

from app import protocol, server
from app.settings import Settings


def make_server(**settings) -> server.DrainingServer:
    return server.build_server(Settings(**settings))


def test_server_uses_fast_loop_bounded_parser_and_no_access_log():
    config = make_server(
        host="0.0.0.0", port=9000, shutdown_timeout_seconds=7, keep_alive_seconds=3, max_headers=20
    ).config
    assert (config.host, config.port) == ("0.0.0.0", 9000)
    assert config.loop == "uvloop"
    assert config.http.func is protocol.BoundedHttpToolsProtocol
    assert config.http.keywords["limits"].max_headers == 20
    assert config.timeout_keep_alive == 3
    assert config.access_log is False
    assert config.server_header is False
    assert config.timeout_graceful_shutdown == 7


@pytest.mark.parametrize(
    "mismatch",
    [
        ("version", "0.99.0"),
        ("method", "on_headers_complete"),
        ("attribute", "pipeline"),
    ],
)
def test_unexpected_uvicorn_internals_fall_back_to_stock_h11_with_one_warning(
    monkeypatch, caplog, mismatch
):
    kind, name = mismatch
    if kind == "version":
        monkeypatch.setattr(protocol.uvicorn, "__version__", name)
    elif kind == "method":
        monkeypatch.delattr(protocol.HttpToolsProtocol, name)
    else:
        monkeypatch.setattr(protocol, "_ATTRIBUTES", {*protocol._ATTRIBUTES, "renamed_" + name})
    config = make_server().config
    assert config.http == "h11"
    warnings = [r for r in caplog.records if r.name == "app.protocol"]
    assert len(warnings) == 1
    assert "stock h11" in warnings[0].getMessage()


def test_a_second_signal_also_ends_the_wait_for_in_flight_requests(monkeypatch):
    monkeypatch.setattr(server.time, "monotonic", lambda: 50.0)
    srv = make_server(shutdown_drain_seconds=30)
    srv.handle_exit(signal.SIGTERM, None)
    assert srv.force_exit is False
    srv.handle_exit(signal.SIGTERM, None)
    assert srv.force_exit is True  # uvicorn stops waiting for in-flight requests too


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("APP_SHUTDOWN_DRAIN_SECONDS", "nan", "APP_SHUTDOWN_DRAIN_SECONDS='nan'"),
        ("APP_HEADER_TIMEOUT_SECONDS", "inf", "APP_HEADER_TIMEOUT_SECONDS='inf'"),
        ("APP_HOST", "no-such-host.invalid", "APP_HOST='no-such-host.invalid' does not resolve"),
    ],
)
def test_bad_settings_are_named_before_start_up(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    monkeypatch.setattr(server.DrainingServer, "run", lambda *a, **k: pytest.fail("started"))
    with pytest.raises(SystemExit, match=message):
        server.main()


def test_a_port_in_use_names_app_port(monkeypatch):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        monkeypatch.setenv("APP_PORT", str(port))
        monkeypatch.setattr(server.DrainingServer, "run", lambda *a, **k: pytest.fail("started"))
        with pytest.raises(SystemExit, match=f"APP_PORT={port}: .* already in use"):
            server.main()


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
