"""One structured line per request; uvicorn's access log stays off."""

import io
import json
import logging
import re
import time

import pytest

from app.logs import BatchingStreamHandler


def access_lines(text: str) -> list[dict]:
    entries = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [e for e in entries if e["logger"] == "app.access"]


def test_json_mode_logs_one_line_per_request(make_client, capsys):
    client = make_client(log_format="json")
    capsys.readouterr()
    client.get("/things/5?q=a", headers={"X-Request-ID": "req-1"})
    [entry] = access_lines(capsys.readouterr().out)
    assert entry["method"] == "GET"
    assert entry["route"] == "/things/{thing_id}"
    assert entry["path"] == "/things/5"
    assert entry["status"] == 200
    assert entry["request_id"] == "req-1"
    assert isinstance(entry["duration_ms"], float)
    assert entry["level"] == "info"
    assert entry["ts"].endswith("Z")


def test_console_mode_is_readable(make_client, capsys):
    client = make_client(log_format="console")
    capsys.readouterr()
    client.get("/healthz", headers={"X-Request-ID": "req-2"})
    [line] = [ln for ln in capsys.readouterr().out.splitlines() if "app.access" in ln]
    assert "GET /healthz 200" in line
    assert "request_id=req-2" in line
    assert not line.startswith("{")


def test_console_mode_escapes_control_characters_in_a_path(make_client, capsys):
    client = make_client(log_format="console")
    capsys.readouterr()
    client.get("/x%0a12:00:00 INFO    app.access: GET /forged 200%1b[2J")
    out = capsys.readouterr().out.splitlines()
    [line] = [ln for ln in out if " app.access: GET /x" in ln]
    assert not any(ln.startswith("12:00:00 INFO") for ln in out)
    assert "\\x0a12:00:00 INFO" in line  # one line: the newline shown, not obeyed
    assert "\\x1b[2J" in line
    assert "\x1b" not in line


def test_json_mode_keeps_each_line_valid_json_for_any_path(make_client, capsys):
    client = make_client(log_format="json")
    capsys.readouterr()
    client.get("/x%0a%22%7d%1b%00%ff")
    [entry] = access_lines(capsys.readouterr().out)
    assert entry["path"].startswith('/x\n"}\x1b')


def test_head_is_routed_as_get_and_logged_as_head(make_client, capsys):
    client = make_client(log_format="json")
    capsys.readouterr()
    response = client.head("/things/5")
    assert response.status_code == 200
    assert response.content == b""
    [entry] = access_lines(capsys.readouterr().out)
    assert (entry["method"], entry["route"]) == ("HEAD", "/things/{thing_id}")


def test_uvicorn_access_log_is_disabled(make_client):
    make_client()
    assert logging.getLogger("uvicorn.access").disabled


def test_log_level_filters_access_lines(make_client, capsys):
    client = make_client(log_level="warning")
    capsys.readouterr()
    client.get("/healthz")
    assert access_lines(capsys.readouterr().out) == []


def test_the_access_logger_level_still_governs_access_lines(make_client, capsys):
    client = make_client(log_format="json")
    access = logging.getLogger("app.access")
    access.setLevel(logging.WARNING)
    try:
        capsys.readouterr()
        client.get("/healthz")
        assert access_lines(capsys.readouterr().out) == []
    finally:
        access.setLevel(logging.NOTSET)


def test_access_and_other_lines_share_one_console_layout(make_client, capsys):
    client = make_client(log_format="console")
    capsys.readouterr()
    logging.getLogger("app.test").info("hello", extra={"n": 1})
    client.get("/healthz")
    other, access = [ln for ln in capsys.readouterr().out.splitlines() if " app." in ln]
    assert re.fullmatch(r"\d\d:\d\d:\d\d INFO    app\.test: hello n=1", other)
    assert re.match(r"\d\d:\d\d:\d\d INFO    app\.access: GET /healthz 200 method=GET", access)


def log_a_failure() -> None:
    """An ERROR line from app.test with a ValueError("boom") traceback."""
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("app.test").exception("failed")


def test_console_tracebacks_follow_their_line(make_client, capsys):
    make_client(log_format="console")
    capsys.readouterr()
    log_a_failure()
    first, *rest = capsys.readouterr().out.splitlines()
    assert first.endswith("ERROR   app.test: failed")
    assert rest[0] == "Traceback (most recent call last):"
    assert rest[-1] == "ValueError: boom"


def test_reconfiguring_keeps_one_handler(make_client):
    make_client()
    make_client()
    ours = [h for h in logging.getLogger().handlers if h.get_name() == "app.stdout"]
    assert len(ours) == 1


def test_exceptions_are_logged_as_a_field(make_client, capsys):
    make_client(log_format="json")
    capsys.readouterr()
    log_a_failure()
    [entry] = [json.loads(x) for x in capsys.readouterr().out.splitlines() if '"app.test"' in x]
    assert "ValueError: boom" in entry["exc"]


@pytest.fixture(autouse=True)
def _restore_root_level():
    level = logging.getLogger().level
    yield
    logging.getLogger().setLevel(level)


def _record(level: int, msg: str) -> logging.LogRecord:
    return logging.makeLogRecord({"name": "t", "levelno": level, "levelname": "X", "msg": msg})


class _Stream(io.StringIO):
    """A StringIO that counts flushes: what reaches the stream's buffer, and when."""

    def __init__(self) -> None:
        super().__init__()
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        super().flush()


def test_info_lines_are_flushed_in_a_batch_soon_after():
    stream = _Stream()
    handler = BatchingStreamHandler(stream, owns_stream=False, flush_seconds=0.05)
    for n in range(3):
        handler.emit(_record(logging.INFO, f"line {n}"))
    assert stream.flushes == 0
    time.sleep(0.3)
    assert stream.flushes == 1
    assert stream.getvalue().splitlines() == ["line 0", "line 1", "line 2"]


def test_warnings_flush_at_once_and_close_flushes_the_rest():
    stream = _Stream()
    handler = BatchingStreamHandler(stream, owns_stream=False, flush_seconds=60)
    handler.emit(_record(logging.WARNING, "careful"))
    assert stream.flushes == 1
    handler.emit(_record(logging.INFO, "later"))
    handler.close()
    assert stream.flushes == 2
    assert not stream.closed  # not ours to close


def test_a_handler_attached_to_the_root_logger_receives_the_access_line(make_client, capsys):
    """As Sentry's or an OpenTelemetry exporter's handler is attached, and nothing twice."""
    client = make_client(log_format="json")
    seen: list[logging.LogRecord] = []

    class Collector(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    collector = Collector()
    logging.getLogger().addHandler(collector)
    try:
        capsys.readouterr()
        client.get("/things/3", headers={"X-Request-ID": "req-3"})
    finally:
        logging.getLogger().removeHandler(collector)
    [record] = [r for r in seen if r.name == "app.access"]
    assert record.getMessage() == "GET /things/3 200"
    assert (record.route, record.request_id, record.status) == ("/things/{thing_id}", "req-3", 200)
    assert len(access_lines(capsys.readouterr().out)) == 1
