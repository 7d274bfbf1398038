"""Prometheus scrape endpoint."""

from fastapi import APIRouter, Request, Response

from app.metrics import CONTENT_TYPE_LATEST

router = APIRouter(tags=["probes"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format."}},
)
async def metrics(request: Request) -> Response:
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE_LATEST)
