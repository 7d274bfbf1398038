"""Request ids: reuse a caller's sane X-Request-ID, otherwise mint one."""

import os
import re

HEADER = "x-request-id"
MAX_LENGTH = 128
# Letters, digits and a few separators: safe in logs, headers and metrics exemplars.
_SANE = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_LENGTH}}}")


def new_request_id() -> str:
    return os.urandom(16).hex()


def accept_or_new(candidate: bytes | None) -> str:
    """The caller's id when it is a sane token, else a fresh one."""
    if candidate is not None:
        text = candidate.decode("latin-1")
        if _SANE.fullmatch(text):
            return text
    return new_request_id()
