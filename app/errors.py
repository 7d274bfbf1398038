"""Error handlers: a JSON body with the request id, never a stack trace; a client that went
away mid-request is not an error of ours."""

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.requests import ClientDisconnect

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


async def client_disconnected(request: Request, exc: Exception) -> Response:
    # The client hung up, or the server's limits closed it (body timeout, body budget, already
    # logged there): there is no one to answer.
    rid = getattr(request.state, "request_id", "")
    log.debug("client disconnected mid-request", extra={"request_id": rid})
    return Response(status_code=400)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ClientDisconnect, client_disconnected)
    app.add_exception_handler(Exception, unhandled_error)
