"""A raw Starlette hello world: the ceiling for a Python ASGI app on one core."""

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route


async def root(request):
    return JSONResponse({"Hello": "World"})


app = Starlette(routes=[Route("/", root)])
