"""The seed service's app, as the seed wrote it: the baseline for the production server."""

from typing import Optional

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def read_root():
    return {"Hello": "World"}


@app.get("/items/{item_id}")
def read_item(item_id: int, q: Optional[str] = None):  # noqa: UP045 - the seed's own spelling
    return {"item_id": item_id, "q": q}
