"""Last-resort error handler: a JSON body with the request id, never a stack trace."""

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from app.request_id import HEADER

log = logging.getLogger(__name__)


async def unhandled_error(request: Request, exc: Exception) -> JSONResponse:
    rid = getattr(request.state, "request_id", "")
    log.error("unhandled error", exc_info=exc, extra={"request_id": rid})
    return JSONResponse(
        {"detail": "Internal Server Error", "request_id": rid},
        status_code=500,
        headers={HEADER: rid} if rid else None,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Exception, unhandled_error)
