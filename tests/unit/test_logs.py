"""One structured line per request; uvicorn's access log stays off."""

import json
import logging

import pytest


def access_lines(text: str) -> list[dict]:
    entries = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [e for e in entries if e["logger"] == "app.access"]


def test_json_mode_logs_one_line_per_request(make_client, capsys):
    client = make_client(log_format="json")
    capsys.readouterr()
    client.get("/items/5?q=a", headers={"X-Request-ID": "req-1"})
    [entry] = access_lines(capsys.readouterr().out)
    assert entry["method"] == "GET"
    assert entry["route"] == "/items/{item_id}"
    assert entry["path"] == "/items/5"
    assert entry["status"] == 200
    assert entry["request_id"] == "req-1"
    assert isinstance(entry["duration_ms"], float)
    assert entry["level"] == "info"
    assert entry["ts"].endswith("Z")


def test_console_mode_is_readable(make_client, capsys):
    client = make_client(log_format="console")
    capsys.readouterr()
    client.get("/", headers={"X-Request-ID": "req-2"})
    [line] = [ln for ln in capsys.readouterr().out.splitlines() if "app.access" in ln]
    assert "GET / 200" in line
    assert "request_id=req-2" in line
    assert not line.startswith("{")


def test_uvicorn_access_log_is_disabled(make_client):
    make_client()
    assert logging.getLogger("uvicorn.access").disabled


def test_log_level_filters_access_lines(make_client, capsys):
    client = make_client(log_level="warning")
    capsys.readouterr()
    client.get("/")
    assert access_lines(capsys.readouterr().out) == []


def test_reconfiguring_keeps_one_handler(make_client):
    make_client()
    make_client()
    ours = [h for h in logging.getLogger().handlers if h.get_name() == "app.stdout"]
    assert len(ours) == 1


def test_exceptions_are_logged_as_a_field(make_client, capsys):
    make_client(log_format="json")
    capsys.readouterr()
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("app.test").exception("failed")
    [entry] = [json.loads(x) for x in capsys.readouterr().out.splitlines() if '"app.test"' in x]
    assert "ValueError: boom" in entry["exc"]


@pytest.fixture(autouse=True)
def _restore_root_level():
    level = logging.getLogger().level
    yield
    logging.getLogger().setLevel(level)
