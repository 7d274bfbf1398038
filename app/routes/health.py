"""Probes: liveness says the process answers, readiness says it wants traffic."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.models import Health

router = APIRouter(tags=["probes"])

_OK = Health(status="ok")
_STOPPING = Health(status="shutting down")


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    return _OK


@router.get(
    "/readyz",
    response_model=Health,
    responses={503: {"model": Health, "description": "Shutdown has begun."}},
)
async def readyz(request: Request) -> Health | JSONResponse:
    if request.app.state.lifecycle.ready:
        return _OK
    return JSONResponse(_STOPPING.model_dump(), status_code=503)
