"""Raw Starlette answering load/requests.json's requests with their expected bodies, as
constants: the ceiling for a Python ASGI app on one core, and for the latency figures a
floor (the same k6 load against the least work an ASGI app can do).
"""

import json
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

REQUESTS = Path(__file__).resolve().parents[2] / "load" / "requests.json"


def _answer(body: dict):
    async def endpoint(request):
        return JSONResponse(body)

    return endpoint


app = Starlette(
    routes=[
        Route(urlsplit(request["path"]).path, _answer(request["json"]))
        for request in json.loads(REQUESTS.read_text())
    ]
)
