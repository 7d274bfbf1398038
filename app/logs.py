"""Logging set-up: one JSON object per line, or a readable line for humans."""

import io
import logging
import sys
import threading
import time
from typing import NamedTuple, TextIO

import orjson

from app.settings import Settings

ACCESS_LOGGER = "app.access"
_access = logging.getLogger(ACCESS_LOGGER)
_app = logging.getLogger("app")
_HANDLER_NAME = "app.stdout"
# Longest a line waits in the buffer; warnings and errors are written at once.
FLUSH_SECONDS = 0.2
# Attributes every LogRecord has; anything else on a record came in through `extra=`.
# uvicorn adds color_message, a duplicate of the message with terminal colours.
_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "color_message",
    "written_to_stdout",
}


def _extras(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in vars(record).items() if k not in _RECORD_FIELDS}


class _UtcTimestamps:
    """ISO-8601 UTC timestamps with milliseconds; the seconds part is formatted once a second."""

    def __init__(self) -> None:
        self._second = -1
        self._text = ""

    def __call__(self, created: float) -> str:
        second = int(created)
        if second != self._second:
            self._second = second
            self._text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._text}.{int((created - second) * 1000):03d}Z"


class LogLine(NamedTuple):
    """What a formatter renders: a LogRecord's parts, or the access log's without one."""

    created: float
    levelname: str
    name: str
    msg: str
    extras: dict[str, object]
    exc: str = ""


class LineFormatter(logging.Formatter):
    """A formatter that renders a LogLine, so the access log can skip LogRecords."""

    def format(self, record: logging.LogRecord) -> str:
        exc = "\n".join(
            text
            for text in (
                self.formatException(record.exc_info) if record.exc_info else None,
                self.formatStack(record.stack_info) if record.stack_info else None,
            )
            if text
        )
        return self.format_line(
            LogLine(
                record.created,
                record.levelname,
                record.name,
                record.getMessage(),
                _extras(record),
                exc,
            )
        )

    def format_line(self, line: LogLine) -> str:
        raise NotImplementedError


class JsonFormatter(LineFormatter):
    def __init__(self) -> None:
        super().__init__()
        self._timestamp = _UtcTimestamps()

    def format_line(self, line: LogLine) -> str:
        entry: dict[str, object] = {
            "ts": self._timestamp(line.created),
            "level": line.levelname.lower(),
            "logger": line.name,
            "msg": line.msg,
            **line.extras,
        }
        if line.exc:
            entry["exc"] = line.exc
        return orjson.dumps(entry, default=str).decode()


# Control characters shown escaped on a terminal: a request path with %0a must not forge a
# line, nor %1b[2J clear the screen. Tracebacks (line.exc) keep their own newlines.
_ESCAPES = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}


class ConsoleFormatter(LineFormatter):
    def format_line(self, line: LogLine) -> str:
        clock = time.strftime("%H:%M:%S", time.localtime(line.created))
        text = f"{clock} {line.levelname:<7} {line.name}: {line.msg}"
        if line.extras:
            text += " " + " ".join(f"{k}={v}" for k, v in line.extras.items())
        text = text.translate(_ESCAPES)
        return f"{text}\n{line.exc}" if line.exc else text


class RateLimitedWarning:
    """A warning logged at most once per `seconds`, counting the times it was noted since.

    For what an abusive client can make happen thousands of times a second.
    """

    def __init__(self, logger: logging.Logger, message: str, seconds: float = 10.0) -> None:
        self.logger, self.message, self.seconds = logger, message, seconds
        self.count = 0
        self.logged_at = -seconds

    def note(self, **fields: object) -> None:
        self.count += 1
        now = time.monotonic()
        if now - self.logged_at >= self.seconds:
            self.logger.warning(self.message, extra={"count": self.count, **fields})
            self.count = 0
            self.logged_at = now


class BatchingStreamHandler(logging.StreamHandler[TextIO]):
    """Buffers lines and writes them in batches, at most FLUSH_SECONDS after they were logged.

    At thousands of requests per second, one write system call per access-log line took a
    quarter of the server's time. Warnings and errors flush at once; so does a clean exit
    (logging.shutdown). A killed process loses at most FLUSH_SECONDS of lines.
    """

    formatter: LineFormatter  # write_line renders LogLines with it
    lock: threading.RLock  # Handler.__init__ creates it (createLock)

    def __init__(
        self, stream: TextIO, owns_stream: bool, flush_seconds: float = FLUSH_SECONDS
    ) -> None:
        super().__init__(stream)
        self.owns_stream = owns_stream
        self.flush_seconds = flush_seconds
        self._timer: threading.Timer | None = None

    def emit(self, record: logging.LogRecord) -> None:
        # Called with self.lock held (Handler.handle).
        try:
            self._write(self.format(record), flush_now=record.levelno >= logging.WARNING)
        except Exception:
            self.handleError(record)

    def write_line(self, line: LogLine) -> None:
        """Write an INFO line built without a LogRecord, batched like the emitted ones."""
        with self.lock:
            self._write(self.formatter.format_line(line), flush_now=False)

    def _write(self, line: str, flush_now: bool) -> None:
        self.stream.write(line + self.terminator)
        if flush_now:
            self.flush()
        elif self._timer is None:
            self._timer = threading.Timer(self.flush_seconds, self._flush_batch)
            self._timer.daemon = True
            self._timer.start()

    def _flush_batch(self) -> None:
        with self.lock:
            self._timer = None
            if not self.stream.closed:
                self.stream.flush()

    def close(self) -> None:
        """Flush, and close the stream when it is ours (it never closes standard output's fd)."""
        with self.lock:
            if self._timer is not None:
                self._timer.cancel()
            if not self.stream.closed:
                self.stream.flush()
            if self.owns_stream:
                self.stream.close()
        super().close()


def _stdout_handler() -> BatchingStreamHandler:
    """A handler on standard output with a buffer of its own (PYTHONUNBUFFERED writes each line)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):  # replaced, e.g. by a test runner
        return BatchingStreamHandler(sys.stdout, owns_stream=False)
    # Closed by the handler's close(); closefd=False leaves the descriptor itself open.
    stream = open(  # noqa: SIM115
        fd, "w", buffering=1 << 16, encoding="utf-8", errors="backslashreplace", closefd=False
    )
    return BatchingStreamHandler(stream, owns_stream=True)


# The stdout handler configure_logging installed last: the access log writes through it
# directly.
_stdout: BatchingStreamHandler | None = None


def log_access(
    method: str, route: str, path: str, status: int, seconds: float, request_id: str
) -> None:
    """Write one request's line, in the configured format, when app.access logs at INFO.

    The hottest log call of all: through Logger.info (a LogRecord, the logger hierarchy, the
    handler chain) it took about 15% of a small request's time. The line goes straight to the
    formatter and the stdout handler, in the same buffer and order as every other line; a
    LogRecord is made only when another handler is attached the standard way (Sentry's, an
    OpenTelemetry exporter's), which then receives it as from any logger.
    """
    handler = _stdout
    if handler is None or not _access.isEnabledFor(logging.INFO):
        return
    fields: dict[str, object] = {
        "method": method,
        "route": route,
        "path": path,
        "status": status,
        "duration_ms": round(seconds * 1000, 3),
        "request_id": request_id,
    }
    message = f"{method} {path} {status}"
    handler.write_line(LogLine(time.time(), "INFO", ACCESS_LOGGER, message, fields))
    if _other_handlers(handler):
        record = _access.makeRecord(
            ACCESS_LOGGER, logging.INFO, __file__, 0, message, (), None, extra=fields
        )
        record.written_to_stdout = True  # _NotWrittenYet keeps it off the stdout handler
        _access.handle(record)


def _other_handlers(stdout: logging.Handler) -> bool:
    """Whether an app.access record would reach a handler besides ours (as callHandlers walks)."""
    root = logging.root
    if not (_access.handlers or _app.handlers) and len(root.handlers) == 1:
        return root.handlers[0] is not stdout  # the usual case, in a few attribute reads
    logger: logging.Logger | None = _access
    while logger is not None:
        if any(h is not stdout for h in logger.handlers):
            return True
        logger = logger.parent if logger.propagate else None
    return False


class _NotWrittenYet(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, "written_to_stdout", False)


def configure_logging(settings: Settings) -> None:
    """Route every logger (uvicorn's included) through one stdout handler."""
    global _stdout
    # Skip what the records never show: the caller's frame, thread and process names.
    # https://docs.python.org/3/howto/logging.html#optimization
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    handler = _stdout_handler()
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(_NotWrittenYet())
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else ConsoleFormatter())
    root = logging.getLogger()
    # Replace our own handler only: others (pytest's capture, an embedding app's) stay.
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    _stdout = handler
    root.setLevel(settings.log_level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # The access middleware logs each request once; uvicorn's access log would repeat it.
    logging.getLogger("uvicorn.access").disabled = True
