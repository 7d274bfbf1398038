"""The seed service's API: a greeting and an item echo."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.models import Greeting, Item

# Longest accepted `q`; longer values get a 422 (documented in the OpenAPI schema).
Q_MAX_LENGTH = 256

router = APIRouter(tags=["hello"])


@router.get("/", response_model=Greeting)
async def read_root() -> Greeting:
    return Greeting(hello="World")


@router.get("/items/{item_id}", response_model=Item)
async def read_item(
    item_id: Annotated[int, Path(description="Any integer id.")],
    q: Annotated[str | None, Query(max_length=Q_MAX_LENGTH, description="Free text.")] = None,
) -> Item:
    return Item(item_id=item_id, q=q)
