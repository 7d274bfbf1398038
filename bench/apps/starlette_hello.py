"""A raw Starlette hello world: the ceiling for a Python ASGI app on one core.

It answers load/load.js's two requests too, so that the latency figures have a floor:
the same k6 load against the least work an ASGI app can do.
"""

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route


async def root(request):
    return JSONResponse({"Hello": "World"})


async def item(request):
    item_id = int(request.path_params["item_id"])
    return JSONResponse({"item_id": item_id, "q": request.query_params.get("q")})


app = Starlette(routes=[Route("/", root), Route("/items/{item_id:int}", item)])
